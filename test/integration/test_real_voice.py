"""Real stack, by voice: ovos-core 2.1.1's own intent service hears "set up wifi", "richte das WLAN ein" and the
like in every catalogue language, and setup launches; what people say to a speaker about anything else ("connect to
Spotify", "change the channel to cartoon network", "ändere meinen internet anbieter") launches nothing.

ovos-messagebus on 127.0.0.1; ovos-core started as the service it is (``python -m ovos_core``, from its own
folder in the venv: see ovos_core_service.py), with padatious and adapt in ovos-config 1.2.2's default
pipeline. The utterances arrive as the listener sends them: ``recognizer_loop:utterance`` with ``utterances``
and ``lang``. Padatious trains on this machine (fann2); nothing is downloaded.
"""
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import pytest
from ovos_bus_client import MessageBusClient
from ovos_bus_client.message import Message
from ovos_utils.lang import standardize_lang_tag

from stack import BusRecorder, Messagebus, StackHome, wait_until

from ovos_PHAL_plugin_wifi_setup.manager import voice
from ovos_PHAL_plugin_wifi_setup.manager.voice import INTENT_FILE, VoiceIntents, catalogue_lines

from .ovos_core_service import CORE_VERSION, OvosCore, core_dir

pytestmark = pytest.mark.integration

try:
    core_dir()
except FileNotFoundError as missing:
    pytest.skip(f"{missing} (fann2 builds from source: apt-get install swig libfann-dev first)",
                allow_module_level=True)

START_TIMEOUT = 90.0
EVENT_TIMEOUT = 60.0
UTTERANCE = "recognizer_loop:utterance"
NO_MATCH = "complete_intent_failure"
ACTIVE_SKILLS = "intent.service.active_skills.get"
ACTIVE_SKILLS_REPLY = "intent.service.active_skills.reply"
PADATIOUS_MANIFEST = "intent.service.padatious.manifest.get"
PADATIOUS_MANIFEST_REPLY = "intent.service.padatious.manifest"
ADAPT_MANIFEST = "intent.service.adapt.manifest.get"
ADAPT_MANIFEST_REPLY = "intent.service.adapt.manifest"
# A request in each catalogue language that its sentences do not hold, with a setup word and a network word.
PARAPHRASES = {
    "ca-es": "si us plau configura la meva wifi",
    "da-dk": "kan du konfigurere mit wifi",
    "de-de": "kannst du bitte mein WLAN einrichten",
    "en-us": "could you please set up my wifi",
    "es-es": "por favor configura mi wifi",
    "fr-fr": "peux-tu configurer mon wifi s'il te plaît",
    "it-it": "per favore configura il mio wifi",
    "nl-nl": "kun je mijn wifi instellen alsjeblieft",
    "pt-pt": "por favor configura o meu wifi",
}
# More requests adapt's keywords catch: a setup word and a Wi-Fi word, in words no sentence has.
MORE_PARAPHRASES = (
    ("please connect to a wifi network", "en-us"), ("i want to change the wifi network", "en-us"),
    ("can you configure the wireless network for me", "en-us"), ("join a wi-fi network please", "en-us"),
    ("choose another wifi network", "en-us"), ("bitte verbinde dich mit dem wlan netzwerk", "de-de"),
    ("ich möchte das wlan wechseln", "de-de"), ("kannst du das wlan konfigurieren", "de-de"),
)
# What people say to a speaker about anything but setting up its network: at least 50 in English, 20 in German, and
# some in each other catalogue language. Many have a setup word ("connect", "change", "join", "set up", "richte ...
# ein") or a network word ("network", "internet", "wifi"); those with both a setup word and "network" or "internet"
# launched setup through adapt while Network.voc held those two words.
NOT_SETUP: Dict[str, Tuple[str, ...]] = {
    "en-us": (
        "connect to spotify", "change the volume", "join the meeting", "what network am i on", "turn off the wifi",
        "is the internet down", "connect my headphones", "change the channel", "choose a song",
        "join my friend's game", "what is my ip address", "network news", "internet speed test",
        "what time is it", "connect to bluetooth", "change the language to french", "set up an alarm for seven",
        "set up a timer for ten minutes", "choose a movie for tonight", "join the call", "turn up the volume",
        "change the song", "connect me to mom", "how fast is my internet", "is the wifi working",
        "what is the wifi password", "switch off the wifi", "disconnect from the wifi", "restart the router",
        "forget the wifi network", "how strong is the wifi signal", "is the wireless network down",
        "how many devices are on my network", "connect the wireless headphones", "set up my wireless speaker",
        "choose a wireless charger", "who invented the internet", "what is a neural network", "play internet radio",
        "read the internet news",
        # a setup word and "network" or "internet"
        "set up a reminder to pay the internet bill", "change the channel to cartoon network",
        "connect to the internet radio", "join the network marketing webinar", "configure the network printer",
        "change my internet provider", "set up a meeting with the network team",
        "set up a video call over the internet", "connect to the network drive", "join the social network",
        "choose a network to watch", "change the network name on my phone", "connect to the internet archive",
        "search the internet for how to change a tire", "choose a song from the internet",
    ),
    "de-de": (
        "verbinde dich mit spotify", "ändere die lautstärke", "tritt dem meeting bei", "in welchem netzwerk bin ich",
        "schalte das wlan aus", "ist das internet ausgefallen", "verbinde meine kopfhörer", "wechsle den sender",
        "wähle ein lied", "wie ist meine ip adresse", "netzwerk nachrichten", "internet geschwindigkeitstest",
        "wie spät ist es", "stelle einen wecker auf sieben uhr", "richte einen timer für zehn minuten ein",
        "was ist das wlan passwort", "verbinde die kabellosen kopfhörer", "wie viele geräte sind in meinem netzwerk",
        # a setup word and "netzwerk" or "internet"
        "verbinde dich mit dem internet radio", "ändere meinen internet anbieter", "wechsle den internet anbieter",
        "konfiguriere den netzwerk drucker", "wähle einen sender im internet radio",
        "verbinde dich mit dem netzwerk laufwerk", "wechsle zum internet radio",
    ),
    "ca-es": ("connecta't a spotify", "canvia de canal", "apaga el wifi", "canvia el meu proveïdor d'internet",
              "configura la impressora de xarxa"),
    "da-dk": ("forbind til spotify", "skift kanal", "sluk for wifi", "skift internet udbyder",
              "vælg en kanal på internet radioen"),
    "es-es": ("conéctate a spotify", "cambia de canal", "apaga el wifi", "cambia mi proveedor de internet",
              "configura la impresora de red"),
    "fr-fr": ("connecte-toi à spotify", "change de chaîne", "éteins le wifi", "change mon fournisseur internet",
              "configure l'imprimante réseau"),
    "it-it": ("connettiti a spotify", "cambia canale", "spegni il wifi", "cambia il mio fornitore di internet",
              "configura la stampante di rete"),
    "nl-nl": ("verbind met spotify", "wissel van zender", "zet de wifi uit", "wijzig mijn internet provider",
              "kies een internet radio zender"),
    "pt-pt": ("conecta ao spotify", "muda de canal", "desliga o wifi", "muda o meu fornecedor de internet",
              "configura a impressora de rede"),
}
# The sweep (every request above, then the setup requests) must end within this, on a busy machine too: ovos-core
# answers an utterance in well under a tenth of a second.
SWEEP_BUDGET = 90.0
# The versions a process with the folder first on its path imports.
WHICH_VERSIONS = ("import importlib.metadata as m; "
                  "print(*(m.version(p) for p in ('ovos-core', 'ovos-workshop', 'watchdog')))")


class Launches:
    """The launch hook: every message it was called with, and a wait for the next one."""

    def __init__(self) -> None:
        self.calls: List[Message] = []
        self._cond = threading.Condition()

    def __call__(self, message: Message) -> None:
        """Record one launch."""
        with self._cond:
            self.calls.append(message)
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = EVENT_TIMEOUT) -> Message:
        """Wait until the hook was called ``count`` times; return that call's message."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.calls) >= count, timeout):
                raise TimeoutError(f"setup was launched {len(self.calls)} times, not {count}, within {timeout} s")
            return self.calls[count - 1]


def known_intents(probe: BusRecorder) -> Set[str]:
    """Which of our intents (setup, and repeat the password) ovos-core's padatious and adapt engines list now."""
    padatious = probe.request(PADATIOUS_MANIFEST, PADATIOUS_MANIFEST_REPLY, {}, timeout=EVENT_TIMEOUT)
    adapt = probe.request(ADAPT_MANIFEST, ADAPT_MANIFEST_REPLY, {}, timeout=EVENT_TIMEOUT)
    names = set(padatious.data["intents"]) | {intent["name"] for intent in adapt.data["intents"]}
    return names & set(voice.INTENT_TOPICS)


def wait_intents_known(probe: BusRecorder) -> None:
    """Wait until both engines list all our intents (the registrations come from a bus client of their own)."""
    wait_until(lambda: known_intents(probe) == set(voice.INTENT_TOPICS), EVENT_TIMEOUT, interval=0.2,
               what="both intents listed by ovos-core's padatious and adapt engines")


def say(probe: BusRecorder, text: str, lang: str, timeout: float = EVENT_TIMEOUT) -> Message:
    """Send one utterance as the listener does; return the intent service's answer: our intent, or no match."""
    since = probe.mark()
    probe.emit(UTTERANCE, {"utterances": [text], "lang": lang}, {"source": "audio", "destination": ["skills"]})
    wanted = {*voice.INTENT_TOPICS, NO_MATCH}
    return wait_until(lambda: next((m for m in probe.messages(since=since) if m.msg_type in wanted), None),
                      timeout, what=f"an answer to {text!r}: one of {sorted(wanted)}")


class VoiceStack:
    """ovos-messagebus, ovos-core, the test's recorder, and VoiceIntents on a bus client of its own."""

    def __init__(self, root: Path) -> None:
        # The device speaks every catalogue language: ovos-core builds intent engines for these only.
        others = [lang for lang in sorted(PARAPHRASES) if lang != "en-us"]
        self.home = StackHome.create(root, extra={"lang": "en-us", "secondary_langs": others})
        self.messagebus = Messagebus(self.home)
        self.core = OvosCore(self.home)
        self.probe = BusRecorder(self.home.port)
        self.launches = Launches()
        self.client: Optional[MessageBusClient] = None
        self._voice: Optional[VoiceIntents] = None

    @property
    def voice(self) -> VoiceIntents:
        """The plugin side: VoiceIntents on its own bus client (after ``start_bus``)."""
        assert self._voice is not None, "start_bus() first"
        return self._voice

    def start_bus(self) -> None:
        """Start ovos-messagebus and connect the recorder and the plugin side's client."""
        self.messagebus.start(START_TIMEOUT)
        self.probe.connect(START_TIMEOUT)
        self.client = MessageBusClient(host="127.0.0.1", port=self.home.port)
        self.client.run_in_thread()
        assert self.client.connected_event.wait(START_TIMEOUT), "the plugin side's bus client did not connect"
        self._voice = VoiceIntents(self.client, self.launches)

    def start_core(self) -> None:
        """Start ovos-core and wait until it announced that it is up (``mycroft.skills.initialized``)."""
        since = self.probe.mark()
        self.core.start()
        self.probe.wait_for(voice.CORE_READY, START_TIMEOUT, since=since)

    def known_intents(self) -> Set[str]:
        """Which of our intents ovos-core lists right now."""
        return known_intents(self.probe)

    def wait_intents_known(self) -> None:
        """Wait until ovos-core lists all our intents."""
        wait_intents_known(self.probe)

    def say(self, text: str, lang: str, timeout: float = EVENT_TIMEOUT) -> Message:
        """Send one utterance as the listener does; return the intent service's answer."""
        return say(self.probe, text, lang, timeout)

    def say_to_launch(self, text: str, lang: str, timeout: float = EVENT_TIMEOUT) -> Message:
        """Say what launches setup; return the intent service's answer once the plugin has asked to leave the
        active skills and ended the utterance (a person's next sentence comes later than that). When it launches
        nothing, return the no-match at once."""
        since = self.probe.mark()
        answer = say(self.probe, text, lang, timeout)
        if answer.msg_type != NO_MATCH:
            for topic in (voice.DEACTIVATE, voice.UTTERANCE_HANDLED):
                self.probe.wait_for(topic, timeout, since=since)
        return answer

    def active_skills(self) -> List[str]:
        """The skills ovos-core counts as active now."""
        reply = self.probe.request(ACTIVE_SKILLS, ACTIVE_SKILLS_REPLY, {}, timeout=EVENT_TIMEOUT)
        return list(reply.data["skills"])

    def stop(self) -> None:
        """Detach (as the plugin's shutdown does), then stop everything this stack started, by pid, the bus last."""
        if self._voice is not None:
            self._voice.detach()
        self.probe.close()
        if self.client is not None:
            self.client.close()
        self.core.stop()
        self.messagebus.stop()


@pytest.fixture
def voice_stack(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[VoiceStack]:
    """A private VoiceStack, stopped when the test ends (its logs printed when the test failed)."""
    stack = VoiceStack(tmp_path / "voice")
    yield stack
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for proc in (stack.core, stack.messagebus):
            print(f"--- {proc.name}\n{proc.tail(120)}")
    stack.stop()


def time_left(deadline: float) -> float:
    """What is left until ``deadline`` (time.monotonic), the sweep's end; an error once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"the intent service took more than {SWEEP_BUDGET} s for the sweep of utterances")
    return left


def everyday_requests_that_launch(stack: VoiceStack, deadline: float) -> List[Tuple[str, str, str]]:
    """Say every request of NOT_SETUP; return (lang, text, intent) of each that the intent service matched."""
    launched: List[Tuple[str, str, str]] = []
    for lang, texts in NOT_SETUP.items():
        for text in texts:
            answer = stack.say(text, lang, time_left(deadline))
            if answer.msg_type != NO_MATCH:
                launched.append((lang, text, answer.msg_type))
    return launched


def setup_requests_that_miss(stack: VoiceStack, deadline: float) -> Tuple[List[Tuple[str, str, str]], int]:
    """Say each sentence that names no Wi-Fi (padatious must match it) and each paraphrase (adapt must); return
    (lang, text, answer) of each that did not launch setup so, and how many were said."""
    paraphrases = [(paraphrase, lang) for lang, paraphrase in PARAPHRASES.items()] + list(MORE_PARAPHRASES)
    requests = [(sentence, lang, voice.PADATIOUS_INTENT)
                for lang in voice.voice_langs() for sentence in sentences_without_a_wifi_word(lang)]
    requests += [(paraphrase, lang, voice.ADAPT_INTENT) for paraphrase, lang in paraphrases]
    missed: List[Tuple[str, str, str]] = []
    for text, lang, intent in requests:
        answer = stack.say_to_launch(text, lang, time_left(deadline))
        if answer.msg_type != intent:
            missed.append((lang, text, answer.msg_type))
    return missed, len(requests)


def sentences_without_a_wifi_word(lang: str) -> List[str]:
    """The sentences of ``lang`` that hold no word of its Network.voc ("connect to a network"): adapt cannot catch
    them, only padatious launches setup for them."""
    words = catalogue_lines(lang, "Network.voc")
    return [sentence for sentence in catalogue_lines(lang, INTENT_FILE)
            if not any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", sentence) for word in words)]


def test_ovos_core_with_its_folder_first_on_the_path_has_every_requirement_met() -> None:
    """pip check, seeing the packages as ovos-core's process does, finds nothing broken but balena-wifi's stale pin."""
    env = {**os.environ, "PYTHONPATH": str(core_dir())}
    result = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "check"], env=env,
                            capture_output=True, text=True, timeout=120)
    broken = [line for line in result.stdout.splitlines()
              if line.strip() and not line.lower().startswith(("ovos-phal-plugin-balena-wifi ", "no broken"))]
    assert broken == [], result.stdout
    seen = subprocess.run([sys.executable, "-c", WHICH_VERSIONS], env=env, capture_output=True, text=True,
                          timeout=120, check=True).stdout.split()
    assert seen == [CORE_VERSION, "7.0.6", "2.3.1"], "ovos-core, and the ovos-workshop and watchdog it needs, " \
                                                     "come from the folder"


def test_setup_requests_in_every_catalogue_language_launch_setup_and_everyday_requests_launch_nothing(
        voice_stack: VoiceStack) -> None:
    """ovos-core runs, the plugin registers: "connect to spotify", "change my internet provider", "wechsle zum
    internet radio" and every other request of NOT_SETUP launch nothing; "set up wifi", "richte das WLAN ein", every
    sentence that names no Wi-Fi ("connect to a network") and the paraphrases launch setup, in every language."""
    stack = voice_stack
    stack.start_bus()
    stack.start_core()
    stack.voice.register()
    stack.wait_intents_known()

    # All in this one run of ovos-core, first, while nothing has launched yet.
    assert sorted(NOT_SETUP) == sorted(voice.voice_langs())
    assert len(NOT_SETUP["en-us"]) >= 50 and len(NOT_SETUP["de-de"]) >= 20
    deadline = time.monotonic() + SWEEP_BUDGET
    launched_by_mistake = everyday_requests_that_launch(stack, deadline)
    assert launched_by_mistake == [], "these launched setup:\n" + "\n".join(map(str, launched_by_mistake))
    assert stack.launches.calls == []

    assert stack.say_to_launch("set up wifi", "en-us").msg_type == voice.PADATIOUS_INTENT
    assert stack.launches.wait(1).data["lang"] == "en-US"
    assert stack.say_to_launch("richte das WLAN ein", "de-de").msg_type == voice.PADATIOUS_INTENT
    assert stack.launches.wait(2).data["lang"] == "de-DE"

    # In every catalogue language: its first sentence reaches padatious, a paraphrase adapt's keywords.
    for lang, paraphrase in PARAPHRASES.items():
        count = len(stack.launches.calls)
        sentence = catalogue_lines(lang, INTENT_FILE)[0]
        assert stack.say_to_launch(sentence, lang).msg_type == voice.PADATIOUS_INTENT, sentence
        assert stack.say_to_launch(paraphrase, lang).msg_type == voice.ADAPT_INTENT, paraphrase
        assert stack.launches.wait(count + 2).data["lang"] == standardize_lang_tag(lang)
    count = len(stack.launches.calls)
    missed, said = setup_requests_that_miss(stack, deadline)
    assert missed == [], "these did not launch setup as expected:\n" + "\n".join(map(str, missed))
    stack.launches.wait(count + said)
    launched = len(stack.launches.calls)
    assert launched == count + said

    # What asks for no setup launches nothing.
    for text, lang in (("turn off the wifi", "en-us"), ("what time is it", "en-us"),
                       ("schalte das WLAN aus", "de-de")):
        assert stack.say(text, lang).msg_type == NO_MATCH, text
    assert len(stack.launches.calls) == launched

    # The plugin is no conversational skill. ovos-core never hands it an utterance to converse, and every
    # time ovos-core still counted it as active and asked, it answered at once that it wants none.
    assert stack.probe.count(f"{voice.SKILL_ID}.converse.request") == 0
    pings = stack.probe.count(voice.CONVERSE_PING)
    pongs = [m.data for m in stack.probe.messages(voice.CONVERSE_PONG) if m.data.get("skill_id") == voice.SKILL_ID]
    assert len(pongs) == pings and all(p["can_handle"] is False for p in pongs)
    # And it does not stay among the active skills: ovos-core can lose a deactivation to an utterance it handles
    # at the same moment, but the next utterance's ping deactivates it again.
    def left_the_active_skills() -> bool:
        if voice.SKILL_ID not in stack.active_skills():
            return True
        assert stack.say("what time is it", "en-us").msg_type == NO_MATCH  # the next utterance, and its ping
        return False

    wait_until(left_the_active_skills, EVENT_TIMEOUT, interval=0.5, what="the plugin off ovos-core's active skills")

    # At shutdown the intents go: ovos-core lists neither, and the same sentence launches nothing any more.
    stack.voice.detach()
    wait_until(lambda: not stack.known_intents(), EVENT_TIMEOUT, interval=0.2, what="both intents detached")
    assert stack.say("set up wifi", "en-us").msg_type == NO_MATCH
    assert len(stack.launches.calls) == launched


def test_repeat_the_password_in_every_catalogue_language_asks_the_hotspot_to_say_it_again(
        voice_stack: VoiceStack) -> None:
    """ovos-core's intent service hears "repeat the password", "wiederhole das Passwort" and the first sentence of
    every language's repeat_password.intent (padatious), and "could you repeat the wifi password" (adapt's repeat
    and password words): each sends ovos.phal.wifi.plugin.hotspot.repeat and launches no setup."""
    from ovos_PHAL_plugin_wifi_setup import topics as T
    stack = voice_stack
    stack.start_bus()
    stack.start_core()
    stack.voice.register()
    stack.wait_intents_known()
    requests = [(catalogue_lines(lang, voice.REPEAT_INTENT_FILE)[0], lang, voice.PADATIOUS_REPEAT)
                for lang in voice.voice_langs()]
    requests += [("wiederhole das Passwort", "de-de", voice.PADATIOUS_REPEAT),
                 ("could you repeat the wifi password", "en-us", voice.ADAPT_REPEAT)]
    for text, lang, intent in requests:
        since = stack.probe.mark()
        assert stack.say_to_launch(text, lang).msg_type == intent, text
        stack.probe.wait_for(T.HOTSPOT_REPEAT, EVENT_TIMEOUT, since=since)
    assert stack.launches.calls == []


def test_intents_are_registered_again_when_ovos_core_starts_after_the_plugin_and_when_it_restarts(
        voice_stack: VoiceStack) -> None:
    """The plugin registers before ovos-core runs, and ovos-core restarts: the sentences launch setup each time."""
    stack = voice_stack
    stack.start_bus()
    stack.voice.register()  # nobody hears it: ovos-core is not running yet
    stack.start_core()
    stack.wait_intents_known()
    assert stack.say("set up wifi", "en-us").msg_type == voice.PADATIOUS_INTENT
    stack.launches.wait(1)

    # A restart forgets every registration; the plugin hears the new start and sends them again.
    stack.core.stop()
    stack.start_core()
    stack.wait_intents_known()
    assert stack.say("richte das WLAN ein", "de-de").msg_type == voice.PADATIOUS_INTENT
    stack.launches.wait(2)
    assert len(stack.launches.calls) == 2


def test_spoken_requests_open_a_setup_round_in_the_plugin_under_ovos_phal(real_stack: Any) -> None:
    """ovos_PHAL loads the plugin, then ovos-core starts: "set up wifi" and "richte das WLAN ein" each open a
    setup round; stopping ovos_PHAL (SIGTERM, as a service manager does) withdraws the intents."""
    from ovos_PHAL_plugin_wifi_setup import topics as T

    stack = real_stack(gui="never", voice=True)
    stack.home.extra.update({"lang": "en-us", "secondary_langs": ["de-de"]})
    stack.home.write_config()
    core = OvosCore(stack.home)
    try:
        stack.start_bus()
        stack.start_phal()
        since = stack.probe.mark()
        core.start()
        stack.probe.wait_for(voice.CORE_READY, START_TIMEOUT, since=since)
        wait_intents_known(stack.probe)
        for text, lang in (("set up wifi", "en-us"), ("richte das WLAN ein", "de-de")):
            since = stack.probe.mark()
            assert say(stack.probe, text, lang).msg_type == voice.PADATIOUS_INTENT
            stack.probe.wait_for(T.SETUP_LAUNCHED, EVENT_TIMEOUT, since=since)
            stack.probe.emit(T.SKIP_SETUP)
            stack.probe.wait_for(T.STOP_SETUP, EVENT_TIMEOUT, since=since)
        stack.phal.stop()
        wait_until(lambda: not known_intents(stack.probe), EVENT_TIMEOUT, interval=0.2, what="intents withdrawn")
    finally:
        core.stop()
