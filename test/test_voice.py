"""The spoken way in on FakeBus: what is registered with the intent service, a match, garbage, and detaching.

The test plays the intent service: it reads the registrations VoiceIntents sends and sends the messages
ovos-core sends when it matched an utterance. The real ovos-core is in integration/test_real_voice.py.
"""
import json
import logging
import os
from typing import Any, Dict, List, Tuple

import pytest
from ovos_bus_client.message import Message

from helpers import emit_raw

from ovos_PHAL_plugin_wifi_setup.manager import voice
from ovos_PHAL_plugin_wifi_setup.i18n import LOCALE_DIR
from ovos_PHAL_plugin_wifi_setup.manager.voice import VoiceIntents

# The languages the issue asks for, as OVOS names its locale folders, with the tag the intent service gets.
LANGS = {"en-us": "en-US", "ca-es": "ca-ES", "da-dk": "da-DK", "de-de": "de-DE", "es-es": "es-ES",
         "fr-fr": "fr-FR", "it-it": "it-IT", "nl-nl": "nl-NL", "pt-pt": "pt-PT"}
INTENT_FILES = ("setup_wifi.intent", "SetUp.voc", "Network.voc", "repeat_password.intent", "Repeat.voc",
                "Password.voc")
SETUP_KEYWORD = "ovos_PHAL_plugin_wifi_setupSetUp"
NETWORK_KEYWORD = "ovos_PHAL_plugin_wifi_setupNetwork"
REPEAT_KEYWORD = "ovos_PHAL_plugin_wifi_setupRepeat"
PASSWORD_KEYWORD = "ovos_PHAL_plugin_wifi_setupPassword"  # noqa: S105 - a keyword's name
# Each language's words for any network, for the internet and for "wireless" (headphones, chargers). Alone in
# Network.voc, any setup word before them launches setup for what is no Wi-Fi setup ("change my internet provider",
# "configure the network printer", "connect the wireless headphones").
NOT_WIFI_ALONE = {
    "en-us": {"network", "internet", "wireless"}, "ca-es": {"xarxa", "internet", "sense fils"},
    "da-dk": {"netværk", "netværket", "internet", "internettet", "trådløs", "trådløst"},
    "de-de": {"netzwerk", "netz", "internet", "drahtlos"}, "es-es": {"red", "internet", "inalámbrica"},
    "fr-fr": {"réseau", "internet", "sans fil"}, "it-it": {"rete", "internet", "wireless", "senza fili"},
    "nl-nl": {"netwerk", "internet", "draadloos"}, "pt-pt": {"rede", "internet", "sem fios"},
}


def entries(lang: str, filename: str) -> List[str]:
    """A catalogue file's entries, read here on their own: stripped non-empty lines that are not comments."""
    with open(os.path.join(LOCALE_DIR, lang, filename), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.strip().startswith("#")]


class Wire:
    """Every message on the bus as it would travel: (type, data, context)."""

    def __init__(self, bus: Any) -> None:
        self.messages: List[Tuple[str, Any, Dict[str, Any]]] = []
        bus.on("message", self._record)

    def _record(self, serialized: str) -> None:
        parsed = json.loads(serialized)
        self.messages.append((parsed["type"], parsed.get("data"), parsed.get("context") or {}))

    def of(self, topic: str) -> List[Tuple[Any, Dict[str, Any]]]:
        """(data, context) of every message of ``topic``."""
        return [(data, context) for seen, data, context in self.messages if seen == topic]

    def topics(self) -> List[str]:
        """Every topic, in order."""
        return [seen for seen, _, _ in self.messages]


class Launches:
    """The launch hook: the messages it was called with."""

    def __init__(self) -> None:
        self.calls: List[Message] = []

    def __call__(self, message: Message) -> None:
        self.calls.append(message)


@pytest.fixture
def wire(bus: Any) -> Wire:
    """Records the test's bus with contexts."""
    return Wire(bus)


@pytest.fixture
def launches() -> Launches:
    """A fresh launch hook."""
    return Launches()


@pytest.fixture
def intents(bus: Any, launches: Launches) -> Any:
    """VoiceIntents on the test's bus, registered; detached at the end."""
    made = VoiceIntents(bus, launches)
    made.register()
    yield made
    made.detach()


def matched(topic: str, utterance: str = "set up wifi", lang: str = "en-US") -> Message:
    """The message ovos-core sends for a match: the utterance's data, the match, our skill id and a session."""
    return Message(topic, {"utterances": [utterance], "lang": lang, "utterance": utterance},
                   {"skill_id": voice.SKILL_ID, "source": "audio", "destination": ["skills"],
                    "session": {"session_id": "default", "active_skills": [[voice.SKILL_ID, 0.0]]}})


# ---------------------------------------------------------------------- catalogues
def test_every_catalogue_language_has_the_same_intent_files() -> None:
    """Each locale folder holds the sentences and both keyword lists, none empty, no entry twice."""
    folders = sorted(name for name in os.listdir(LOCALE_DIR) if os.path.isdir(os.path.join(LOCALE_DIR, name)))
    assert set(LANGS) <= set(folders), f"languages without a folder: {sorted(set(LANGS) - set(folders))}"
    english = sorted(f for f in os.listdir(os.path.join(LOCALE_DIR, "en-us")) if f.endswith((".intent", ".voc")))
    assert english == sorted(INTENT_FILES)
    for lang in folders:
        found = sorted(f for f in os.listdir(os.path.join(LOCALE_DIR, lang)) if f.endswith((".intent", ".voc")))
        assert found == english, lang
        for filename in found:
            lines = entries(lang, filename)
            assert lines, f"{lang}/{filename} is empty"
            assert len(lines) == len(set(line.lower() for line in lines)), f"{lang}/{filename} repeats an entry"
            assert all(line == line.lower() for line in lines), f"{lang}/{filename}: write entries in lower case"


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_adapt_hears_a_wifi_word_never_a_bare_network_or_internet(lang: str) -> None:
    """Network.voc names Wi-Fi ("wifi", "wlan", "wireless network"), never "network", "internet" or "wireless" on
    their own: those stay in the full sentences of setup_wifi.intent ("connect to a network")."""
    assert sorted(set(entries(lang, "Network.voc")) & NOT_WIFI_ALONE[lang]) == []
    sentences = " ".join(entries(lang, "setup_wifi.intent"))
    assert any(word in sentences for word in NOT_WIFI_ALONE[lang]), f"{lang} has no sentence for any network"


def test_the_examples_of_the_issue_are_sentences_in_english_and_german() -> None:
    """"set up wifi", "connect to a network", "change the wifi network", "configure wireless" and "richte das wlan ein"
    are written out."""
    english = entries("en-us", "setup_wifi.intent")
    for sentence in ("set up wifi", "connect to a network", "change the wifi network", "configure wireless"):
        assert sentence in english
    assert "richte das wlan ein" in entries("de-de", "setup_wifi.intent")


# ---------------------------------------------------------------------- registration
def test_register_sends_the_sentences_of_every_language_to_padatious(bus: Any, wire: Wire, intents: Any) -> None:
    """One padatious:register_intent per language and intent, named <skill_id>:setup_wifi.intent and
    <skill_id>:repeat_password.intent, with that file's lines."""
    every = wire.of(voice.PADATIOUS_REGISTER)
    assert {data["name"] for data, _ in every} == {"ovos-PHAL-plugin-wifi-setup:setup_wifi.intent",
                                                   "ovos-PHAL-plugin-wifi-setup:repeat_password.intent"}
    for filename in ("setup_wifi.intent", "repeat_password.intent"):
        sent = [(data, context) for data, context in every if data["name"] == f"{voice.SKILL_ID}:{filename}"]
        by_lang = {data["lang"]: (data, context) for data, context in sent}
        assert len(sent) == len(by_lang) >= len(LANGS)
        for folder, tag in LANGS.items():
            data, context = by_lang[tag]
            assert data["samples"] == entries(folder, filename)
            assert data["file_name"] == os.path.join(LOCALE_DIR, folder, filename)
            assert context["skill_id"] == "ovos-PHAL-plugin-wifi-setup"


def test_register_sends_adapt_every_keyword_of_every_language_and_one_intent_each(bus: Any, wire: Wire,
                                                                                  intents: Any) -> None:
    """register_vocab per word and language under the skill's keyword names; one intent requiring a setup and a
    network word, one requiring a repeat and a password word."""
    vocab = wire.of(voice.ADAPT_REGISTER_VOCAB)
    for folder, tag in LANGS.items():
        for filename, keyword in (("SetUp.voc", SETUP_KEYWORD), ("Network.voc", NETWORK_KEYWORD),
                                  ("Repeat.voc", REPEAT_KEYWORD), ("Password.voc", PASSWORD_KEYWORD)):
            words = [d["entity_value"] for d, _ in vocab if d["lang"] == tag and d["entity_type"] == keyword]
            assert words == entries(folder, filename), f"{folder}/{filename}"
    assert all(context["skill_id"] == voice.SKILL_ID for _, context in vocab)
    [(intent, context), (repeat, repeat_context)] = wire.of(voice.ADAPT_REGISTER_INTENT)
    assert intent == {"name": "ovos-PHAL-plugin-wifi-setup:setup_wifi",
                      "requires": [[SETUP_KEYWORD, SETUP_KEYWORD], [NETWORK_KEYWORD, NETWORK_KEYWORD]],
                      "at_least_one": [], "optional": [], "excludes": []}
    assert context["skill_id"] == voice.SKILL_ID
    assert repeat == {"name": "ovos-PHAL-plugin-wifi-setup:repeat_password",
                      "requires": [[REPEAT_KEYWORD, REPEAT_KEYWORD], [PASSWORD_KEYWORD, PASSWORD_KEYWORD]],
                      "at_least_one": [], "optional": [], "excludes": []}
    assert repeat_context["skill_id"] == voice.SKILL_ID


def test_register_asks_for_training_after_the_registrations(bus: Any, wire: Wire, intents: Any) -> None:
    """mycroft.skills.train is the last message of a registration, sent once."""
    topics = wire.topics()
    assert topics.count(voice.TRAIN) == 1
    assert topics[-1] == voice.TRAIN
    assert topics.index(voice.ADAPT_REGISTER_INTENT) < topics.index(voice.TRAIN)


def test_register_twice_registers_once(bus: Any, wire: Wire, intents: Any, launches: Launches) -> None:
    """A second register() sends nothing and binds no second listener: a match still launches once."""
    before = len(wire.messages)
    intents.register()
    assert len(wire.messages) == before
    bus.emit(matched(voice.PADATIOUS_INTENT))
    assert len(launches.calls) == 1


def test_ovos_core_starting_gets_every_registration_again(bus: Any, wire: Wire, intents: Any) -> None:
    """mycroft.skills.initialized (ovos-core started, knowing nothing of ours) repeats the whole registration."""
    first = [(topic, data) for topic, data, _ in wire.messages]
    del wire.messages[:]
    bus.emit(Message(voice.CORE_READY))
    again = [(topic, data) for topic, data, _ in wire.messages if topic != voice.CORE_READY]
    assert again == first


def test_without_catalogues_nothing_is_registered_and_the_log_says_so(bus: Any, wire: Wire, launches: Launches,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """A package installed without its locale folder sends no empty registration and warns once per attempt."""
    monkeypatch.setattr(voice, "available_langs", lambda: [])
    intents = VoiceIntents(bus, launches)
    with caplog.at_level(logging.WARNING):
        intents.register()
    assert wire.messages == []
    assert any("nothing can be said to start setup" in r.getMessage() for r in caplog.records)
    intents.detach()


# ---------------------------------------------------------------------- a match
@pytest.mark.parametrize("topic", [voice.PADATIOUS_INTENT, voice.ADAPT_INTENT])
def test_a_matched_intent_launches_setup_once_and_ends_the_utterance(bus: Any, wire: Wire, intents: Any,
                                                                     launches: Launches, topic: str) -> None:
    """The hook gets ovos-core's message once; the plugin leaves the active skills and says the utterance is done."""
    del wire.messages[:]
    bus.emit(matched(topic, "richte das wlan ein", "de-DE"))
    assert [m.msg_type for m in launches.calls] == [topic]
    assert launches.calls[0].data["lang"] == "de-DE"
    assert wire.topics() == [topic, voice.DEACTIVATE, voice.UTTERANCE_HANDLED]
    [(deactivate, context)] = wire.of(voice.DEACTIVATE)
    assert deactivate == {"skill_id": voice.SKILL_ID}
    # Forwarded: the session of the utterance and its routing stay, so ovos-core updates the right session.
    assert context["session"]["session_id"] == "default" and context["destination"] == ["skills"]
    assert wire.of(voice.UTTERANCE_HANDLED)[0][1]["session"]["session_id"] == "default"


@pytest.mark.parametrize("topic", [voice.PADATIOUS_REPEAT, voice.ADAPT_REPEAT])
def test_repeat_the_password_asks_the_hotspot_method_to_say_it_again_and_ends_the_utterance(
        bus: Any, wire: Wire, intents: Any, launches: Launches, topic: str) -> None:
    """"Repeat the password": no launch; ovos.phal.wifi.plugin.hotspot.repeat in the utterance's context (so the
    answer is spoken to the same session), then the plugin leaves the active skills and ends the utterance."""
    del wire.messages[:]
    bus.emit(matched(topic, "repeat the password"))
    assert launches.calls == []
    assert wire.topics() == [topic, "ovos.phal.wifi.plugin.hotspot.repeat", voice.DEACTIVATE, voice.UTTERANCE_HANDLED]
    [(data, context)] = wire.of("ovos.phal.wifi.plugin.hotspot.repeat")
    assert data == {} and context["session"]["session_id"] == "default"


def test_the_repeat_sentences_are_written_out_in_english_and_german() -> None:
    """"repeat the password" and "wiederhole das passwort" are sentences of repeat_password.intent."""
    assert "repeat the password" in entries("en-us", "repeat_password.intent")
    assert "wiederhole das passwort" in entries("de-de", "repeat_password.intent")


def test_a_converse_ping_is_answered_at_once_with_no_and_a_new_deactivation(bus: Any, wire: Wire, intents: Any,
                                                                          launches: Launches) -> None:
    """ovos-core still counts the plugin as active and asks it before an utterance: the plugin answers at once
    that it wants no conversation (so the utterance does not wait half a second for it), asks to be deactivated
    in that utterance's session, and launches nothing."""
    del wire.messages[:]
    ping = Message(voice.CONVERSE_PING, {"utterances": ["what time is it"], "lang": "en-US",
                                         "skill_id": voice.SKILL_ID},
                   {"source": "audio", "destination": ["skills"],
                    "session": {"session_id": "default", "active_skills": [[voice.SKILL_ID, 0.0]]}})
    bus.emit(ping)
    assert wire.topics() == [voice.CONVERSE_PING, voice.CONVERSE_PONG, voice.DEACTIVATE]
    [(pong, _)] = wire.of(voice.CONVERSE_PONG)
    assert pong == {"skill_id": voice.SKILL_ID, "can_handle": False}
    [(deactivate, context)] = wire.of(voice.DEACTIVATE)
    assert deactivate == {"skill_id": voice.SKILL_ID} and context["session"]["session_id"] == "default"
    assert launches.calls == []


def test_after_detach_a_converse_ping_gets_no_answer(bus: Any, wire: Wire, intents: Any) -> None:
    """Detached, the plugin is no skill of ovos-core's any more: it answers nothing."""
    intents.detach()
    del wire.messages[:]
    bus.emit(Message(voice.CONVERSE_PING, {"skill_id": voice.SKILL_ID}))
    assert wire.topics() == [voice.CONVERSE_PING]


@pytest.mark.parametrize("data", [
    ["set up wifi"],
    "set up wifi",
    42,
    {"utterance": 7, "lang": "en-US"},
    {"utterance": "set up wifi", "lang": None},
    {"utterance": "set up wifi", "lang": ["en-US"]},
])
def test_a_garbled_intent_message_changes_nothing(bus: Any, wire: Wire, intents: Any, launches: Launches,
                                                  data: Any, caplog: pytest.LogCaptureFixture) -> None:
    """An intent message ovos-core could not have sent launches nothing, sends nothing and says why in the log."""
    del wire.messages[:]
    with caplog.at_level(logging.WARNING):
        emit_raw(bus, voice.PADATIOUS_INTENT, data)
    assert launches.calls == []
    assert [t for t in wire.topics() if t != voice.PADATIOUS_INTENT] == []
    assert any("ignored" in r.getMessage() and voice.PADATIOUS_INTENT in r.getMessage() for r in caplog.records)


def test_an_empty_intent_message_still_launches(bus: Any, intents: Any, launches: Launches) -> None:
    """A match without utterance or lang (sent by hand, e.g. from the bus CLI) is a request like any other."""
    bus.emit(Message(voice.ADAPT_INTENT))
    assert len(launches.calls) == 1


def test_a_launch_that_fails_is_logged_and_the_utterance_still_ends(bus: Any, wire: Wire,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """The hook's exception never reaches the bus client; the utterance is still marked handled."""
    def broken(message: Message) -> None:
        raise RuntimeError("boom")

    intents = VoiceIntents(bus, broken)
    intents.register()
    del wire.messages[:]
    with caplog.at_level(logging.ERROR):
        intents.handle_intent(matched(voice.PADATIOUS_INTENT))  # directly: FakeBus would swallow an exception
    assert voice.UTTERANCE_HANDLED in wire.topics() and voice.DEACTIVATE in wire.topics()
    assert any("launching setup" in r.getMessage() for r in caplog.records)
    intents.detach()


# ---------------------------------------------------------------------- detaching
def test_detach_withdraws_every_intent_and_the_vocabulary(bus: Any, wire: Wire, intents: Any) -> None:
    """detach_intent for each intent name, then detach_skill with the skill id (adapt's vocabulary goes with it)."""
    del wire.messages[:]
    intents.detach()
    assert wire.topics() == [voice.DETACH_INTENT] * 4 + [voice.DETACH_SKILL]
    assert [d["intent_name"] for d, _ in wire.of(voice.DETACH_INTENT)] == [
        "ovos-PHAL-plugin-wifi-setup:setup_wifi.intent", "ovos-PHAL-plugin-wifi-setup:setup_wifi",
        "ovos-PHAL-plugin-wifi-setup:repeat_password.intent", "ovos-PHAL-plugin-wifi-setup:repeat_password"]
    [(data, context)] = wire.of(voice.DETACH_SKILL)
    assert data == {"skill_id": voice.SKILL_ID} and context["skill_id"] == voice.SKILL_ID


def test_after_detach_nothing_is_heard_or_sent_again(bus: Any, wire: Wire, intents: Any,
                                                     launches: Launches) -> None:
    """Once detached: a match launches nothing, ovos-core's start gets nothing, a second detach sends nothing."""
    intents.detach()
    del wire.messages[:]
    bus.emit(matched(voice.PADATIOUS_INTENT))
    bus.emit(Message(voice.CORE_READY))
    intents.detach()
    assert launches.calls == []
    assert wire.topics() == [voice.PADATIOUS_INTENT, voice.CORE_READY]
    for topic in (*voice.INTENT_TOPICS, voice.CORE_READY):
        assert intents.handle_intent not in bus.ee.listeners(topic)
        assert intents.handle_core_ready not in bus.ee.listeners(topic)


def test_an_exit_without_shutdown_still_withdraws_the_intents(bus: Any, wire: Wire, launches: Launches,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """ovos_PHAL 0.2.12 exits without calling shutdown(): the detach registered with atexit runs, once."""
    at_exit: List[Any] = []
    monkeypatch.setattr(voice.atexit, "register", at_exit.append)
    monkeypatch.setattr(voice.atexit, "unregister", lambda fn: at_exit.remove(fn) if fn in at_exit else None)
    intents = VoiceIntents(bus, launches)
    intents.register()
    assert len(at_exit) == 1
    del wire.messages[:]
    at_exit[0]()  # what the interpreter does at exit
    assert wire.topics() == [voice.DETACH_INTENT] * 4 + [voice.DETACH_SKILL]
    assert at_exit == [], "detach() took its exit hook back"


def test_detach_takes_back_the_exit_hook(bus: Any, launches: Launches, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a shutdown that detached, the exit sends nothing more (and holds no reference to the plugin)."""
    at_exit: List[Any] = []
    monkeypatch.setattr(voice.atexit, "register", at_exit.append)
    monkeypatch.setattr(voice.atexit, "unregister", lambda fn: at_exit.remove(fn) if fn in at_exit else None)
    intents = VoiceIntents(bus, launches)
    intents.register()
    intents.detach()
    assert at_exit == []


def test_register_after_detach_registers_again(bus: Any, wire: Wire, intents: Any, launches: Launches) -> None:
    """A plugin restarted in the same process registers anew and hears its intents again."""
    intents.detach()
    del wire.messages[:]
    intents.register()
    assert wire.topics().count(voice.PADATIOUS_REGISTER) >= len(LANGS)
    bus.emit(matched(voice.ADAPT_INTENT))
    assert len(launches.calls) == 1
