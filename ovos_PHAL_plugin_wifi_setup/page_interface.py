"""The GUI interface that hands this package's pages to ovos-gui (imported only once a page is wanted)."""
from typing import Any, List, Optional

from ovos_bus_client.apis.gui import GUIInterface

from ovos_PHAL_plugin_wifi_setup.pages import ui_directories


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
