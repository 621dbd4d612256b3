"""The plugin at home in OVOS, on FakeBus: the device's language on screen and in speech, the spoken way in, the
shell's status, every connectivity reporter's forms, and a status a fleet can read across restarts."""
import time
from datetime import datetime
from typing import Any, Callable

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.manager import voice
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue
from ovos_PHAL_plugin_wifi_setup.manager.plugin import WifiSetupPlugin

from helpers import NS, REMOTE, emit_raw, register, send, status, wait_until

ENGLISH = Catalogue("en-us").gui_texts()
GERMAN = Catalogue("de-de").gui_texts()


def page_texts(recorder: Any) -> dict:
    """The texts in the selection page's latest session data."""
    sets = [d for d in recorder.of("gui.value.set") if d.get("__from") == t.PLUGIN_ID and "texts" in d]
    return sets[-1]["texts"]


# --------------------------------------------------------------------- the device's language
def test_the_page_texts_follow_the_devices_language(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """mycroft.conf's lang de-DE: the selection page gets every text in German."""
    monkeypatch.setattr(WifiSetupPlugin, "_device_lang", lambda self: "de-DE")
    make_plugin(gui="always")
    send(bus, "user.activated")
    texts = page_texts(recorder)
    assert texts == GERMAN and texts["select_title"] != ENGLISH["select_title"]
    assert status(bus, recorder)["lang"] == "de-de"


def test_an_unknown_language_shows_english(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A language no catalogue has (zz) falls back to English."""
    monkeypatch.setattr(WifiSetupPlugin, "_device_lang", lambda self: "zz")
    make_plugin(gui="always")
    send(bus, "user.activated")
    assert page_texts(recorder) == ENGLISH


def test_a_language_change_at_run_time_re_sends_the_page_texts(bus: Any, recorder: Any,
                                                               make_plugin: Callable[..., Any]) -> None:
    """configuration.updated with a new lang: the page on screen gets its texts again, in the new language."""
    plugin = make_plugin(gui="always")
    send(bus, "user.activated")
    assert page_texts(recorder) == ENGLISH
    plugin.config_core = {"lang": "de-de"}  # what mycroft.conf now says
    emit_raw(bus, "configuration.updated", {})
    assert page_texts(recorder) == GERMAN
    assert status(bus, recorder)["lang"] == "de-de"


def test_the_on_screen_method_speaks_the_devices_language(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Its name on the selection page, its page's texts and its error words are German on a German device."""
    from nm_standin import NetworkManagerStandIn
    NetworkManagerStandIn(bus)
    monkeypatch.setattr(WifiSetupPlugin, "_device_lang", lambda self: "de-de")
    make_plugin(gui="always", screen_client="always")
    send(bus, "user.activated")
    record = [d for d in recorder.of(NS + "client.registered") if d["client"] == t.SCREEN_CLIENT_NAME][-1]
    assert record["display_text"] == GERMAN["screen_client"] != ENGLISH["screen_client"]
    send(bus, "client.select", {"client": t.SCREEN_CLIENT_NAME, "id": record["id"]})
    send(bus, "screen.connect", {"ssid": "Home", "password": "not the password"})
    data = [d for d in recorder.of("gui.value.set") if d.get("__from") == t.SCREEN_CLIENT_NAME][-1]
    assert data["texts"] == GERMAN
    assert data["error"] == Catalogue("de-de").text("error_wrong_password", ssid="Home")
    assert "Home" in data["error"] and data["error"] != Catalogue("en-us").text("error_wrong_password", ssid="Home")


# --------------------------------------------------------------------- the spoken way in
def test_intents_are_registered_in_every_language_and_detached_at_shutdown(bus: Any, recorder: Any,
                                                                          make_plugin: Callable[..., Any]) -> None:
    """At start the intent service hears every language's sentences; at shutdown it is told to forget them."""
    plugin = make_plugin(voice=True)
    assert wait_until(lambda: recorder.of("mycroft.skills.train"))  # registered on the plugin's own thread
    registered = {d["lang"].lower() for d in recorder.of("padatious:register_intent")}
    assert registered == {"en-us", "ca-es", "da-dk", "de-de", "es-es", "fr-fr", "it-it", "nl-nl", "pt-pt"}
    english = [d for d in recorder.of("padatious:register_intent") if d["lang"].lower() == "en-us"][0]
    assert "set up wifi" in english["samples"] and english["name"] == voice.PADATIOUS_INTENT
    plugin.shutdown()
    assert sorted(d["intent_name"] for d in recorder.of("detach_intent")) == sorted(voice.INTENT_TOPICS)
    assert recorder.of("detach_skill") == [{"skill_id": t.PLUGIN_ID}]


def test_a_spoken_request_launches_setup_as_the_wireless_button_does(bus: Any, recorder: Any,
                                                                    make_plugin: Callable[..., Any]) -> None:
    """The intent service's match opens a round and activates the client that needs no input, once."""
    make_plugin(gui="never", voice=True)
    assert wait_until(lambda: recorder.of("mycroft.skills.train"))
    cid = register(bus, recorder, REMOTE)
    send(bus, "fully.offline")  # "Never connect" does not stop a user who asks
    emit_raw(bus, voice.PADATIOUS_INTENT, {"utterance": "set up wifi", "lang": "en-us"})
    assert recorder.of(NS + "setup.launched") == [{}]
    assert recorder.topics().count(NS + f"activate.{cid}") == 1
    assert status(bus, recorder)["state"] == "active"


def test_without_voice_no_intent_is_registered(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """voice: false keeps the plugin out of the intent service."""
    make_plugin(voice=False)
    emit_raw(bus, voice.PADATIOUS_INTENT, {"utterance": "set up wifi", "lang": "en-us"})
    assert recorder.of("padatious:register_intent") == [] and recorder.of(NS + "setup.launched") == []


# --------------------------------------------------------------------- spoken feedback
def test_a_headless_failure_is_said_once_in_the_devices_language(bus: Any, recorder: Any,
                                                                make_plugin: Callable[..., Any],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """No screen, no client: setup.failed, and the device says so once, in German."""
    monkeypatch.setattr(WifiSetupPlugin, "_device_lang", lambda self: "de-de")
    make_plugin(gui="never", client_wait=0.05)
    send(bus, "user.activated")
    assert wait_until(lambda: recorder.of(NS + "setup.failed"))
    time.sleep(0.1)
    assert recorder.of("speak") == [{"utterance": Catalogue("de-de").dialog("setup_failed"), "lang": "de-de"}]


def test_a_completed_round_is_said_once(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """The internet comes up during a round: one spoken line, after the completion notices."""
    make_plugin(gui="never")
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "mycroft.internet.connected")
    send(bus, "mycroft.internet.connected")
    assert recorder.of("speak") == [{"utterance": Catalogue("en-us").dialog("setup_completed"), "lang": "en-us"}]


def test_nothing_is_said_with_speak_off_or_over_a_client_that_just_spoke(bus: Any, recorder: Any,
                                                                         make_plugin: Callable[..., Any]) -> None:
    """speak: false says nothing; and a client that announced the moment itself is not talked over."""
    make_plugin(gui="never", speak=False, client_wait=0)
    send(bus, "user.activated")
    assert wait_until(lambda: recorder.of(NS + "setup.failed"))
    assert recorder.of("speak") == []


def test_a_client_that_just_spoke_is_not_talked_over(bus: Any, recorder: Any,
                                                     make_plugin: Callable[..., Any]) -> None:
    """A client said "connected" a moment before the round completes: the plugin adds nothing."""
    make_plugin(gui="never", notice_window=5)
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    emit_raw(bus, "speak", {"utterance": "You are connected", "lang": "en-us"})
    send(bus, "mycroft.internet.connected")
    assert [d["utterance"] for d in recorder.of("speak")] == ["You are connected"]


# --------------------------------------------------------------------- the shell's status
def test_setup_started_once_per_round_and_status_ok_once(bus: Any, recorder: Any,
                                                         make_plugin: Callable[..., Any]) -> None:
    """ovos-shell's indicator: ovos.wifi.setup.started when a round opens, ovos.shell.status.ok when it closes,
    once each per round, even when the user asks again during the round."""
    make_plugin(gui="always")
    for _ in range(2):
        send(bus, "user.activated")
        send(bus, "user.activated")
        send(bus, "mycroft.internet.connected")
        send(bus, "mycroft.internet.disconnected")
    assert recorder.topics().count("ovos.wifi.setup.started") == 2
    assert recorder.topics().count("ovos.shell.status.ok") == 2


# --------------------------------------------------------------------- every reporter's forms
@pytest.mark.parametrize("online, offline", [({"state": "connected"}, {"state": "disconnected"}),
                                             ({"connected": True}, {"connected": False})])
def test_both_forms_of_internet_state_are_reports(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                  online: dict, offline: dict) -> None:
    """mycroft.internet.state as {state} or {connected}: offline wakes the notice, online completes a round."""
    make_plugin(gui="never", grace=60, grace_first_boot=60)
    register(bus, recorder, REMOTE)
    send(bus, "mycroft.internet.state", offline)
    assert status(bus, recorder)["connectivity"] == "offline"
    assert recorder.of("enclosure.notify.no_internet") == [{}]
    send(bus, "user.activated")
    send(bus, "mycroft.internet.state", online)
    assert recorder.of("ovos.wifi.setup.completed") == [{}]
    assert status(bus, recorder)["connectivity"] == "online"


def test_a_network_without_internet_is_a_state_of_its_own(bus: Any, recorder: Any,
                                                          make_plugin: Callable[..., Any]) -> None:
    """connectivity-events' answer with network_connected true and internet_connected false (a captive portal):
    status says "network"; no network at all says "offline"."""
    make_plugin(gui="never")
    send(bus, "ovos.PHAL.internet_check.response", {"internet_connected": False, "network_connected": True})
    answer = status(bus, recorder)
    assert answer["connectivity"] == "network" and answer["network"] is True and answer["internet"] is False
    send(bus, "mycroft.network.state", {"state": "disconnected"})
    assert status(bus, recorder)["connectivity"] == "offline"


def test_the_own_check_tells_a_captive_portal_apart(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                    check_server: Any) -> None:
    """Where nothing reports, an HTTP answer that is not the expected one (a portal's redirect) means a network
    without the internet."""
    check_server.status = 302
    make_plugin(gui="never", enable_watchdog=True, reporter_wait=0.05, network_tests=check_server.network_tests(),
                grace=60, grace_first_boot=60)
    assert wait_until(lambda: status(bus, recorder)["connectivity"] == "network", 10)
    assert status(bus, recorder)["internet"] is False


# --------------------------------------------------------------------- a status fleets can read
def test_status_names_the_protocol(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """A device-management agent learns which contract it talks to."""
    make_plugin()
    assert status(bus, recorder)["protocol"] == t.PROTOCOL_VERSION


def test_counters_and_times_survive_a_restart(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                              tmp_path: Any) -> None:
    """Rounds started, completed and failed, the last error with its time, the last time online and how long the
    last completed round took: all still in status after the plugin restarts."""
    state_file = str(tmp_path / "fleet.json")
    first = make_plugin(gui="never", state_file=state_file, client_wait=0.05)
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "mycroft.internet.connected")  # round 1 completes
    send(bus, "deregister.client", {"client": "remote"})
    send(bus, "mycroft.internet.disconnected")
    send(bus, "user.activated")  # round 2: nobody to run it
    assert wait_until(lambda: recorder.of(NS + "setup.failed"))
    first.shutdown()
    recorder.clear()
    make_plugin(gui="never", state_file=state_file)
    answer = status(bus, recorder)
    assert (answer["rounds_started"], answer["rounds_completed"], answer["rounds_failed"]) == (2, 1, 1)
    assert "no client that needs no input registered" in answer["last_error"]
    for key in ("last_error_at", "last_online_at"):
        assert datetime.fromisoformat(answer[key]).tzinfo is not None
    assert isinstance(answer["last_round_seconds"], float) and answer["last_round_seconds"] >= 0
    assert answer["internet"] is None  # what it knows now starts afresh; the history does not


def test_a_start_beside_a_client_while_the_intents_register_never_hangs(bus: Any, make_plugin: Callable[..., Any],
                                                                      tmp_path: Any) -> None:
    """The intents go out from the plugin's thread while its constructor still announces itself and a client
    answers `alive` inline (FakeBus): neither may wait for a lock the other holds."""
    import threading

    from ovos_PHAL_plugin_wifi_setup.methods.kit import NetworkSetupClient

    kit = NetworkSetupClient(bus, "test-kit-at-home", "Set up with the kit", client_type="Remote")
    kit.start()
    done = threading.Event()

    def starts() -> None:
        for i in range(15):
            plugin = make_plugin(voice=True, state_file=str(tmp_path / f"s{i}.json"))
            time.sleep(0.01)
            plugin.shutdown()
        done.set()

    worker = threading.Thread(target=starts, daemon=True)
    worker.start()
    try:
        assert done.wait(60), "a plugin start or shutdown hung"
    finally:
        kit.shutdown()
