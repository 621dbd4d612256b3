"""The spoken way in: "set up Wi-Fi" and the like, and "repeat the password", registered with the OVOS intent
service over the bus.

The intent service (ovos-core 2.x) is a peer on the bus, talked to through its own messages only, as an
OVOSSkill's intent interface does (nothing of ovos-workshop is imported):

- padatious (and padacioso, which hears the same messages) gets ``padatious:register_intent`` once per
  catalogue language with the sentences of ``locale/<lang>/setup_wifi.intent``; it matches these sentences,
  and its match is the message ``ovos-PHAL-plugin-wifi-setup:setup_wifi.intent``;
- adapt gets ``register_vocab`` for every word of ``locale/<lang>/SetUp.voc`` and ``Network.voc`` and one
  ``register_intent`` that requires a word of each; it catches what the sentences do not ("please set up my
  wifi"), and its match is the message ``ovos-PHAL-plugin-wifi-setup:setup_wifi``.

"Repeat the password" is registered the same way: padatious hears ``locale/<lang>/repeat_password.intent``
(``ovos-PHAL-plugin-wifi-setup:repeat_password.intent``), adapt a word of ``Repeat.voc`` and one of
``Password.voc`` (``ovos-PHAL-plugin-wifi-setup:repeat_password``). A match sends
``ovos.phal.wifi.plugin.hotspot.repeat`` in the utterance's context; the hotspot method answers it (this module
imports no method).

ovos-core keeps the registrations of the languages it has engines for (mycroft.conf's ``lang`` and
``secondary_langs``). ovos-config's default pipeline tries padatious only at high confidence (above 0.95:
in practice the sentences as written) and adapt at every level after it, so the two together answer the
sentences and their paraphrases; adapt needs a setup word and a network word, so "turn off the wifi"
launches nothing.

Quirks of the intent service this module lives with:

- It keeps registrations in memory only and comes up in any order with ovos_PHAL: what it did not hear
  is sent again when it announces ``mycroft.skills.initialized`` (once per ovos-core start).
- It asks padatious to train only after it loaded skills of its own (padatious 1.4 would otherwise train
  at the first utterance): every registration ends with ``mycroft.skills.train``, so that the first spoken
  request need not wait for the training.
- A match makes the intent's owner an "active skill", which ovos-core then asks before every utterance for
  five minutes whether it wants to converse, waiting up to half a second for the answers: after a launch the
  plugin asks to be deactivated (``intent.service.skills.deactivate``). Asked all the same
  (``{skill_id}.converse.ping``: ovos-core can lose a deactivation to an utterance it handles meanwhile), it
  answers at once that it wants no conversation and asks to be deactivated again. It also says that
  the utterance was handled (``ovos.utterance.handled``), as a skill's intent handler does: the GUI and
  ovos-bus-client's query API wait for it.
- Adapt forgets vocabulary only with ``detach_skill``; ``detach_intent`` drops the intent alone. Shutdown
  sends ``detach_intent`` for both intents and then ``detach_skill``.
- Intents left registered outlive their owner: ovos-core would match "set up wifi" and nobody would answer.
  ovos_PHAL 0.2.12 ends on SIGTERM without calling any plugin's ``shutdown()``, so ``register()`` also has
  the detach run when the interpreter exits (``atexit``), unless ``detach()`` ran first.
"""
import atexit
import os
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from ovos_bus_client.message import Message
from ovos_utils.lang import standardize_lang_tag

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.i18n import LOCALE_DIR, available_langs, catalogue_lines
from ovos_PHAL_plugin_wifi_setup.log import LOG

SKILL_ID = t.PLUGIN_ID
INTENT_FILE = "setup_wifi.intent"
ADAPT_INTENT_NAME = "setup_wifi"
# The adapt keywords the intent requires, one vocabulary file each: a setup word and a network word.
VOCABULARIES = ("SetUp", "Network")
# "Repeat the password": its sentences, and its adapt intent's two keywords (a repeat word and a password word).
REPEAT_INTENT_FILE = "repeat_password.intent"
REPEAT_ADAPT_NAME = "repeat_password"
REPEAT_VOCABULARIES = ("Repeat", "Password")

# What the intent service emits when it matched one of them (the intent's name is its message type).
PADATIOUS_INTENT = f"{SKILL_ID}:{INTENT_FILE}"
ADAPT_INTENT = f"{SKILL_ID}:{ADAPT_INTENT_NAME}"
PADATIOUS_REPEAT = f"{SKILL_ID}:{REPEAT_INTENT_FILE}"
ADAPT_REPEAT = f"{SKILL_ID}:{REPEAT_ADAPT_NAME}"
SETUP_TOPICS = (PADATIOUS_INTENT, ADAPT_INTENT)
REPEAT_TOPICS = (PADATIOUS_REPEAT, ADAPT_REPEAT)
INTENT_TOPICS = (*SETUP_TOPICS, *REPEAT_TOPICS)
# Each intent: its sentences file, its padatious name, its adapt name and the vocabularies adapt requires.
INTENTS = ((INTENT_FILE, PADATIOUS_INTENT, ADAPT_INTENT, VOCABULARIES),
           (REPEAT_INTENT_FILE, PADATIOUS_REPEAT, ADAPT_REPEAT, REPEAT_VOCABULARIES))

# The intent service's messages.
PADATIOUS_REGISTER = "padatious:register_intent"
ADAPT_REGISTER_VOCAB = "register_vocab"
ADAPT_REGISTER_INTENT = "register_intent"
DETACH_INTENT = "detach_intent"
DETACH_SKILL = "detach_skill"
TRAIN = "mycroft.skills.train"
CORE_READY = "mycroft.skills.initialized"
DEACTIVATE = "intent.service.skills.deactivate"
# ovos-core asks every active skill before each utterance, and waits up to half a second for the answers.
CONVERSE_PING = f"{SKILL_ID}.converse.ping"
CONVERSE_PONG = "skill.converse.pong"
UTTERANCE_HANDLED = "ovos.utterance.handled"

Launch = Callable[[Message], None]
Handler = Callable[[Message], None]


def adapt_keyword(vocabulary: str) -> str:
    """The name adapt knows a vocabulary by: the skill id in letters and digits, then the vocabulary's name.

    The prefix is what adapt's ``detach_skill`` looks for when it drops a skill's vocabulary.
    """
    return "".join(c if c.isalnum() else "_" for c in SKILL_ID) + vocabulary


def voice_langs() -> List[str]:
    """The catalogue languages (folder names) that have the intent's sentences."""
    return [lang for lang in available_langs() if catalogue_lines(lang, INTENT_FILE)]


class VoiceIntents:
    """Registers the setup intents in every catalogue language and calls ``launch`` when one is matched; a match of
    "repeat the password" sends the hotspot method's repeat topic instead.

    ``register()`` starts listening and sends the registrations (again at every ovos-core start);
    ``detach()`` withdraws them and stops listening. ``launch`` gets the intent service's message of each
    match, once; an exception it raises is logged, never passed on. Bus handlers may run on a thread pool.
    """

    def __init__(self, bus: Any, launch: Launch):
        self.bus = bus
        self._launch = launch
        self._lock = threading.Lock()
        self._registered = False
        self._handlers: List[Tuple[str, Handler]] = [(topic, self.handle_intent) for topic in INTENT_TOPICS]
        self._handlers.append((CORE_READY, self.handle_core_ready))
        self._handlers.append((CONVERSE_PING, self.handle_converse_ping))

    # ------------------------------------------------------------------ lifecycle
    def register(self) -> None:
        """Listen for the intents and for ovos-core's start, and send every registration."""
        with self._lock:
            if self._registered:
                return
            self._registered = True
        for topic, handler in self._handlers:
            self.bus.on(topic, handler)
        atexit.register(self._detach_at_exit)
        self._send_registrations()

    def detach(self) -> None:
        """Withdraw every intent (and adapt's vocabulary) from the intent service and stop listening."""
        with self._lock:
            if not self._registered:
                return
            self._registered = False
        atexit.unregister(self._detach_at_exit)
        for topic, handler in self._handlers:
            self.bus.remove(topic, handler)
        for name in INTENT_TOPICS:
            self._emit(DETACH_INTENT, {"intent_name": name})
        self._emit(DETACH_SKILL, {"skill_id": SKILL_ID})

    def _detach_at_exit(self) -> None:
        """The interpreter exits while the intents are still registered: withdraw them now."""
        try:
            self.detach()
        except Exception:  # at exit the bus may be half gone; the exit must go on
            LOG.exception("could not withdraw the voice intents at exit")

    # ------------------------------------------------------------------ handlers
    def handle_intent(self, message: Message) -> None:
        """A match of one of our intents: launch setup once (or ask the hotspot method to say its password again),
        then leave the active skills and end the utterance."""
        if not self._registered:
            return
        problem = _problem_with(message)
        if problem:
            LOG.warning(f"ignored {message.msg_type}: {problem}")
            return
        data = message.data
        if message.msg_type in REPEAT_TOPICS:
            LOG.info(f"the setup network's password asked for again by voice ({message.msg_type})")
            self.bus.emit(message.forward(t.HOTSPOT_REPEAT, {}))
        else:
            LOG.info(f"setup asked for by voice ({message.msg_type}, lang {data.get('lang', '?')})")
            try:
                self._launch(message)
            except Exception:  # the plugin's code behind a bus handler: nothing may escape to the bus client
                LOG.exception(f"launching setup for {message.msg_type} failed")
        self.bus.emit(message.forward(DEACTIVATE, {"skill_id": SKILL_ID}))
        self.bus.emit(message.forward(UTTERANCE_HANDLED, {}))

    def handle_converse_ping(self, message: Message) -> None:
        """{skill_id}.converse.ping: ovos-core still counts the plugin as active (its deactivation can be lost to an
        utterance ovos-core handles at the same time). Answer at once that it wants no conversation, so the
        utterance does not wait for it, and ask again to be deactivated, in this utterance's session."""
        if not self._registered:
            return
        self.bus.emit(message.reply(CONVERSE_PONG, {"skill_id": SKILL_ID, "can_handle": False}))
        self.bus.emit(message.forward(DEACTIVATE, {"skill_id": SKILL_ID}))

    def handle_core_ready(self, message: Message) -> None:
        """mycroft.skills.initialized: ovos-core (re)started and knows none of our intents; send them again."""
        if self._registered:
            self._send_registrations()

    # ------------------------------------------------------------------ messages
    def registration_messages(self) -> List[Message]:
        """Every message one registration sends, in order: padatious per language and intent, adapt's vocabulary
        and its intents, then the training (none when no catalogue holds the sentences)."""
        messages: List[Message] = []
        vocab: List[Dict[str, Any]] = []
        adapt: List[Tuple[str, Tuple[str, ...]]] = []
        for intent_file, padatious_name, adapt_name, vocabularies in INTENTS:
            langs = [lang for lang in voice_langs() if catalogue_lines(lang, intent_file)]
            for lang in langs:
                tag = standardize_lang_tag(lang)
                messages.append(self._message(PADATIOUS_REGISTER, {
                    "name": padatious_name,
                    "file_name": os.path.join(LOCALE_DIR, lang, intent_file),
                    "samples": list(catalogue_lines(lang, intent_file)),
                    "lang": tag,
                    "blacklisted_words": [],
                }))
                for vocabulary in vocabularies:
                    for word in catalogue_lines(lang, f"{vocabulary}.voc"):
                        vocab.append({"entity_value": word, "entity_type": adapt_keyword(vocabulary), "lang": tag})
            if langs:
                adapt.append((adapt_name, vocabularies))
        messages.extend(self._message(ADAPT_REGISTER_VOCAB, data) for data in vocab)
        for adapt_name, vocabularies in adapt if vocab else ():
            # Adapt keeps one intent for all languages; each language's vocabulary makes it match there.
            required = [[adapt_keyword(v), adapt_keyword(v)] for v in vocabularies]
            messages.append(self._message(ADAPT_REGISTER_INTENT, {
                "name": adapt_name, "requires": required, "at_least_one": [], "optional": [], "excludes": []}))
        if messages:
            messages.append(self._message(TRAIN, {}))
        return messages

    def _send_registrations(self) -> None:
        """Send every registration message (a warning when no catalogue holds the sentences)."""
        messages = self.registration_messages()
        if not messages:
            LOG.warning(f"no {INTENT_FILE} in {LOCALE_DIR}: nothing can be said to start setup")
        for message in messages:
            self.bus.emit(message)

    def _emit(self, topic: str, data: Dict[str, Any]) -> None:
        """Send one message to the intent service, marked as ours."""
        self.bus.emit(self._message(topic, data))

    @staticmethod
    def _message(topic: str, data: Dict[str, Any]) -> Message:
        """A message as a skill's intent interface sends it: the skill id in the context."""
        return Message(topic, data, {"skill_id": SKILL_ID, "source": SKILL_ID})


def _problem_with(message: Any) -> Optional[str]:
    """Why an intent message is not a match the intent service could have sent, or None when it is one."""
    data = getattr(message, "data", None)
    if not isinstance(data, dict):
        return f"its data is {type(data).__name__}, not an object"
    for key in ("utterance", "lang"):
        if key in data and not isinstance(data[key], str):
            return f"'{key}' is {type(data[key]).__name__}, not text"
    return None
