"""Where the pages live (the selection page and the on-screen Wi-Fi method's page share the folders), and the GUI
interface, made on first use."""
import threading
from os.path import dirname, join
from typing import TYPE_CHECKING, Any, Dict, Optional

if TYPE_CHECKING:
    from ovos_PHAL_plugin_wifi_setup.page_interface import PagesGUI

GUI_DIR = join(dirname(__file__), "gui")


def ui_directories() -> Dict[str, str]:
    """The page folders by GUI framework, as GUIInterface takes them."""
    return {"qt5": join(GUI_DIR, "qt5"), "qt6": join(GUI_DIR, "qt6"), "all": join(GUI_DIR, "all")}


class LazyGUI:
    """A PagesGUI made on first use: a start that shows no page pays neither its module nor its bus handler."""

    def __init__(self, skill_id: str, bus: Any) -> None:
        """Nothing is made until get()."""
        self._skill_id = skill_id
        self._bus = bus
        self._gui: Optional[PagesGUI] = None
        self._lock = threading.Lock()

    @property
    def made(self) -> Optional["PagesGUI"]:
        """The interface if it was made, else None."""
        return self._gui

    def get(self) -> "PagesGUI":
        """The interface, made now if this is its first use."""
        with self._lock:
            if self._gui is None:
                from ovos_PHAL_plugin_wifi_setup.page_interface import PagesGUI
                self._gui = PagesGUI(self._skill_id, bus=self._bus)
            return self._gui
