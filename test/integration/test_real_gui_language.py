"""The selection page in the device's language on the real stack: ovos-messagebus, ovos_PHAL with our plugin,
and the real ovos-gui, with mycroft.conf's `lang` set to de-de.

A stand-in for the mycroft-gui shell connects to ovos-gui's GUI websocket as a Qt5 and as a Qt6 screen and
keeps what ovos-gui sends it: the page it is told to load, and the session data that page reads its texts
from (the pages ship no Qt catalogue; under ovos-gui mycroft-gui would not find one anyway).
"""
import json
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T
from ovos_PHAL_plugin_wifi_setup.i18n import LOCALE_DIR

from .harness import START_TIMEOUT, RealStack, screen_pages, screen_session

pytest.importorskip("ovos_gui", reason="ovos-gui is not installed beside the stack")
pytest.importorskip("websocket", reason="websocket-client is not installed")

pytestmark = pytest.mark.integration

GUI = Path(__file__).resolve().parents[2] / "ovos_PHAL_plugin_wifi_setup" / "gui"
FRAMEWORKS = ("qt5", "qt6")


def _catalogue(lang: str) -> Dict[str, str]:
    """One language's page texts exactly as its gui.json has them."""
    return dict(json.loads((Path(LOCALE_DIR) / lang / "gui.json").read_text(encoding="utf-8")))


def _selection_shown(received: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The selection page's session data once it holds its page type, its texts and the on-screen method's tile."""
    data = screen_session(received, T.PLUGIN_ID)
    clients = data.get(T.SESSION_CLIENTS) or []
    ready = (data.get(T.SESSION_PAGE_TYPE) == T.PAGE_TYPE_SELECT and data.get(T.SESSION_TEXTS)
             and any(c.get(T.K_CLIENT) == T.SCREEN_CLIENT_NAME for c in clients))
    return data if ready else {}


def test_selection_page_reaches_the_screen_in_german(real_stack: Callable[..., RealStack]) -> None:
    """With `lang: de-de` the page ovos-gui hands a Qt5 and a Qt6 screen is our loader, and the session data it
    reads carries de-de/gui.json's texts, the on-screen method's tile text in German too."""
    stack = real_stack(gui="always", screen_client="always")
    stack.set_core_config(lang="de-de")
    stack.start_bus()
    stack.start_gui_service()
    stack.start_phal()
    screens = {framework: stack.connect_screen(f"screen-{framework}", framework) for framework in FRAMEWORKS}

    stack.probe.emit(T.USER_ACTIVATED)
    german, english = _catalogue("de-de"), _catalogue("en-us")
    for framework, screen in screens.items():
        session = screen.wait_until(_selection_shown, f"the selection page's texts on the {framework} screen",
                                    timeout=START_TIMEOUT)
        pages = screen.wait_until(lambda received: screen_pages(received, T.PLUGIN_ID),
                                  f"the selection page on the {framework} screen")
        assert [entry["page"] for entry in pages] == [T.GUI_PAGE]
        served = Path(pages[0]["url"])
        assert served == stack.root / "cache" / "ovos_gui" / T.PLUGIN_ID / framework / "WifiSetupLoader.qml"
        assert served.read_bytes() == (GUI / framework / "WifiSetupLoader.qml").read_bytes()
        for beside in ("ClientSelection.qml", "NetworkSetup.qml", "PageButton.qml"):
            assert (served.parent / beside).read_bytes() == (GUI / framework / beside).read_bytes(), beside

        texts = session[T.SESSION_TEXTS]
        assert texts == {**english, **german}
        assert {k: texts[k] for k in ("select_title", "select_subtitle", "connect_later", "never_connect")} == {
            "select_title": "Netzwerk einrichten",
            "select_subtitle": "Wähle aus, wie dieses Gerät verbunden werden soll",
            "connect_later": "Später verbinden",
            "never_connect": "Nie verbinden",
        }
        tile = [c for c in session[T.SESSION_CLIENTS] if c[T.K_CLIENT] == T.SCREEN_CLIENT_NAME]
        assert [c[T.K_DISPLAY_TEXT] for c in tile] == [german["screen_client"]]


def test_a_language_change_at_run_time_reaches_the_screen(real_stack: Callable[..., RealStack]) -> None:
    """The selection page is up in German; mycroft.conf's `lang` becomes fr-fr and `configuration.updated` goes
    out on the bus: the screen's session data then carries fr-fr/gui.json's texts, the page still up."""
    stack = real_stack(gui="always", screen_client="always")
    stack.set_core_config(lang="de-de")
    stack.start_bus()
    stack.start_gui_service()
    stack.start_phal()
    screen = stack.connect_screen("screen-qt5", "qt5")
    stack.probe.emit(T.USER_ACTIVATED)
    german, french, english = _catalogue("de-de"), _catalogue("fr-fr"), _catalogue("en-us")
    shown = screen.wait_until(_selection_shown, "the selection page's texts", timeout=START_TIMEOUT)
    assert shown[T.SESSION_TEXTS]["select_title"] == german["select_title"]

    stack.set_core_config(lang="fr-fr")
    stack.probe.emit("configuration.updated")

    def in_french(received: List[Dict[str, Any]]) -> Dict[str, Any]:
        data = _selection_shown(received)
        return data if data and data[T.SESSION_TEXTS] == {**english, **french} else {}

    session = screen.wait_until(in_french, "the selection page's texts in French")
    assert session[T.SESSION_PAGE_TYPE] == T.PAGE_TYPE_SELECT
    assert french["select_title"] != german["select_title"]
