"""Where the pages live: the folders handed to GUIInterface, by GUI framework (the selection page and the
on-screen Wi-Fi method's page share them)."""
from os.path import dirname, join
from typing import Dict

GUI_DIR = join(dirname(__file__), "gui")


def ui_directories() -> Dict[str, str]:
    """The page folders by GUI framework, as GUIInterface takes them."""
    return {"qt5": join(GUI_DIR, "qt5"), "qt6": join(GUI_DIR, "qt6"), "all": join(GUI_DIR, "all")}
