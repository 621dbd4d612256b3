"""Where the pages live, and the GUI interface that hands them to ovos-gui (the selection page and the on-screen
Wi-Fi method's page share the folders)."""
from os.path import dirname, join
from typing import Any, Dict, List, Optional

from ovos_bus_client.apis.gui import GUIInterface

GUI_DIR = join(dirname(__file__), "gui")


def ui_directories() -> Dict[str, str]:
    """The page folders by GUI framework, as GUIInterface takes them."""
    return {"qt5": join(GUI_DIR, "qt5"), "qt6": join(GUI_DIR, "qt6"), "all": join(GUI_DIR, "all")}


class PagesGUI(GUIInterface):
    """A GUIInterface that copies its page folders into ovos-gui's cache before its first page, not when made.

    GUIInterface copies every page file (some fifty) at construction, whether a page is ever shown or not; a
    device that never shows one (no screen, or online at every start) would pay that copy at each start.
    """

    def __init__(self, skill_id: str, bus: Any = None, config: Optional[dict] = None) -> None:
        """An interface for skill_id with this package's page folders, copied when the first page is shown."""
        self._copied = True  # GUIInterface.__init__ asks for the copy as its last step: not yet
        super().__init__(skill_id, bus=bus, config=config, ui_directories=ui_directories())
        self._copied = False

    def _cache_gui_files(self) -> None:
        """Copy the page folders into ovos-gui's cache once, before the first page goes out."""
        if self._copied:
            return
        self._copied = True
        super()._cache_gui_files()

    def show_pages(self, page_names: List[str], index: int = 0, override_idle: Any = None,
                   override_animations: bool = False, remove_others: bool = False) -> None:
        """GUIInterface.show_pages, after the page files are where ovos-gui looks for them."""
        self._cache_gui_files()
        super().show_pages(page_names, index=index, override_idle=override_idle,
                           override_animations=override_animations, remove_others=remove_others)
