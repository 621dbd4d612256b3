"""The catalogues and the language they are picked in, with plain objects: what a user of each language reads and
hears.

The completeness checks read the files on their own (json, plain lines), so a fault in the reader in i18n.py cannot
hide a missing text; the behaviour checks go through Catalogue, best_lang and Words as the plugin does.
"""
import json
import os
import re
import string
from pathlib import Path
from typing import Dict, Iterator, List, Set

import pytest

from ovos_PHAL_plugin_wifi_setup import i18n
from ovos_PHAL_plugin_wifi_setup.i18n import LOCALE_DIR, Catalogue, Words, best_lang, fill

ENGLISH = "en-us"
# The languages the issue asks for besides English, as OVOS names its locale folders.
TRANSLATED = ("ca-es", "da-dk", "de-de", "es-es", "fr-fr", "it-it", "nl-nl", "pt-pt")
DIALOGS = ("setup_failed.dialog", "setup_completed.dialog", "hotspot_instructions_passphrase.dialog",
           "hotspot_instructions_label.dialog", "hotspot_instructions_code.dialog", "hotspot_repeat_passphrase.dialog",
           "hotspot_repeat_code.dialog", "hotspot_repeat_label.dialog", "hotspot_repeat_none.dialog",
           "hotspot_address_dot.dialog", "hotspot_address_port.dialog", "hotspot_type_address.dialog",
           "hotspot_join_failed_wrong_password.dialog", "hotspot_join_failed_out_of_reach.dialog",
           "hotspot_join_failed_timeout.dialog", "hotspot_join_failed.dialog", "hotspot_setup_network_back.dialog",
           "hotspot_joined.dialog")
INTENT_FILES = ("setup_wifi.intent", "SetUp.voc", "Network.voc", "repeat_password.intent", "Repeat.voc",
                "Password.voc")
# Page texts a language rightly writes as English does (Dutch says "Open" too); anything else equal to the English
# is an untranslated copy.
SAME_AS_ENGLISH = {("nl-nl", "open")}


def folders() -> List[str]:
    """Every language folder the package ships."""
    return sorted(name for name in os.listdir(LOCALE_DIR) if os.path.isdir(os.path.join(LOCALE_DIR, name)))


def gui_file(lang: str) -> Dict[str, str]:
    """One language's gui.json as stored."""
    with open(os.path.join(LOCALE_DIR, lang, "gui.json"), encoding="utf-8") as f:
        return json.load(f)


def lines(lang: str, filename: str) -> List[str]:
    """A catalogue file's entries: stripped non-empty lines that are not comments."""
    with open(os.path.join(LOCALE_DIR, lang, filename), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.strip().startswith("#")]


def placeholders(template: str) -> Set[str]:
    """The names a template's `{placeholders}` use (a template str.format cannot parse fails the test)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as e:
        pytest.fail(f"{template!r} is not a valid template: {e}")


@pytest.fixture
def locale_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A temporary LOCALE_DIR for made-up catalogues; the readers' caches are emptied before and after."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", str(tmp_path))
    i18n._gui_texts.cache_clear()
    i18n.catalogue_lines.cache_clear()
    yield str(tmp_path)
    i18n._gui_texts.cache_clear()
    i18n.catalogue_lines.cache_clear()


def write_catalogue(root: str, lang: str, gui: Dict[str, str], dialogs: Dict[str, str]) -> None:
    """One made-up language folder: its gui.json and `<name>.dialog` files."""
    os.makedirs(os.path.join(root, lang), exist_ok=True)
    with open(os.path.join(root, lang, "gui.json"), "w", encoding="utf-8") as f:
        json.dump(gui, f)
    for name, line in dialogs.items():
        with open(os.path.join(root, lang, f"{name}.dialog"), "w", encoding="utf-8") as f:
            f.write(line + "\n")


# --- the catalogues as shipped ---


def test_the_package_ships_english_and_the_eight_languages() -> None:
    """A folder for English and each of ca, da, de, es, fr, it, nl, pt, and none for pt-br (pt-br reads pt-pt)."""
    assert set(folders()) >= {ENGLISH, *TRANSLATED}
    assert "pt-br" not in folders()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_page_text_exists_in_each_language_with_the_same_placeholders(lang: str) -> None:
    """Each gui.json has exactly the English keys, every text non-empty, with exactly the English placeholders."""
    english, texts = gui_file(ENGLISH), gui_file(lang)
    assert sorted(set(english) - set(texts)) == [], f"{lang} lacks these texts"
    assert sorted(set(texts) - set(english)) == [], f"{lang} has texts English has not"
    for key, template in english.items():
        assert isinstance(texts[key], str) and texts[key].strip(), f"{lang}/{key} is empty"
        assert placeholders(texts[key]) == placeholders(template), f"{lang}/{key}: {texts[key]!r}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_page_text_is_an_untranslated_copy_of_the_english(lang: str) -> None:
    """A text equal to its English is a forgotten translation, bar the few a language writes the same."""
    english, texts = gui_file(ENGLISH), gui_file(lang)
    copied = {key for key in english if texts.get(key) == english[key]}
    assert copied == {key for code, key in SAME_AS_ENGLISH if code == lang}


@pytest.mark.parametrize("lang", (ENGLISH, *TRANSLATED))
def test_every_spoken_line_exists_in_each_language_with_the_same_placeholders(lang: str) -> None:
    """Every dialog (setup failed, setup completed, the hotspot's instructions): present, not empty, placeholders as in
    English."""
    for name in DIALOGS:
        said, english = lines(lang, name), lines(ENGLISH, name)
        assert said, f"{lang}/{name} is empty"
        for line in said:
            assert placeholders(line) == placeholders(english[0]), f"{lang}/{name}: {line!r}"


@pytest.mark.parametrize("lang", (ENGLISH, *TRANSLATED))
def test_the_failure_line_tells_a_sentence_that_starts_setup_in_that_language(lang: str) -> None:
    """The quoted sentence in setup_failed is one of that language's setup_wifi.intent sentences."""
    quoted = re.findall(r'"([^"]+)"', Catalogue(lang).dialog("setup_failed"))
    assert len(quoted) == 1, f"{lang}: the failure line quotes no single sentence"
    assert quoted[0].lower() in [s.lower() for s in lines(lang, "setup_wifi.intent")]


@pytest.mark.parametrize("lang", (ENGLISH, *TRANSLATED))
def test_the_hotspot_lines_tell_a_sentence_that_repeats_the_password_in_that_language(lang: str) -> None:
    """The quoted sentence in the instructions with a passphrase or a code is one of that language's
    repeat_password.intent sentences; the one in "no setup network is open" starts setup."""
    for name in ("hotspot_instructions_passphrase", "hotspot_instructions_code"):
        quoted = re.findall(r'"([^"]+)"', Catalogue(lang).dialog(name, ssid="S", passphrase="1", code="2"))  # noqa: S106
        assert len(quoted) == 1, f"{lang}/{name} quotes no single sentence"
        assert quoted[0].lower() in lines(lang, "repeat_password.intent"), f"{lang}/{name}: {quoted[0]!r}"
    quoted = re.findall(r'"([^"]+)"', Catalogue(lang).dialog("hotspot_repeat_none"))
    assert len(quoted) == 1 and quoted[0].lower() in [s.lower() for s in lines(lang, "setup_wifi.intent")], lang


@pytest.mark.parametrize("lang", (ENGLISH, *TRANSLATED))
def test_a_printed_passphrase_is_never_a_placeholder_of_a_spoken_line(lang: str) -> None:
    """The lines said with a label's passphrase name the network only: no line has a place for that passphrase."""
    for name in ("hotspot_instructions_label.dialog", "hotspot_repeat_label.dialog"):
        assert all(placeholders(line) == {"ssid"} for line in lines(lang, name)), f"{lang}/{name}"


def test_every_language_folder_holds_the_same_files() -> None:
    """gui.json, the dialogs and the intent files, in English and in every other language alike."""
    expected = sorted(("gui.json", *DIALOGS, *INTENT_FILES))
    for lang in folders():
        assert sorted(os.listdir(os.path.join(LOCALE_DIR, lang))) == expected, lang


# --- picking the language ---


@pytest.mark.parametrize("asked, folder", [
    ("de-de", "de-de"), ("de-DE", "de-de"), ("de", "de-de"), ("de_DE", "de-de"), (" DE-de ", "de-de"),
    ("pt-br", "pt-pt"), ("pt-BR", "pt-pt"), ("pt", "pt-pt"),
    ("en", "en-us"), ("en-gb", "en-us"), ("ca", "ca-es"), ("da", "da-dk"), ("nl-BE", "nl-nl"), ("fr-CA", "fr-fr"),
    ("zz", "en-us"), ("zz-ZZ", "en-us"), ("", "en-us"), ("   ", "en-us"), (None, "en-us"), (42, "en-us"),
    (["de-de"], "en-us"),
])
def test_the_configured_language_picks_the_best_catalogue(asked: object, folder: str) -> None:
    """mycroft.conf's `lang`, however written, picks the closest folder; English when none fits."""
    assert best_lang(asked) == folder
    assert Catalogue(asked).lang == folder


def test_a_german_device_reads_the_selection_page_in_german() -> None:
    """Catalogue('de-DE') gives the German title and buttons, not the English."""
    texts = Catalogue("de-DE").gui_texts()
    assert texts["select_title"] == "Netzwerk einrichten"
    assert texts["connect_later"] == "Später verbinden"
    assert texts["never_connect"] == "Nie verbinden"
    assert set(texts) == set(gui_file(ENGLISH))


def test_a_brazilian_device_reads_portuguese_not_english() -> None:
    """pt-BR has no folder of its own and gets pt-pt's texts and spoken lines."""
    catalogue = Catalogue("pt-BR")
    assert catalogue.gui_texts() == gui_file("pt-pt")
    assert catalogue.dialog("setup_completed") == lines("pt-pt", "setup_completed.dialog")[0]


def test_an_unknown_language_reads_english() -> None:
    """A language with no catalogue gets the English page texts and spoken lines."""
    catalogue = Catalogue("zz-ZZ")
    assert catalogue.gui_texts() == gui_file(ENGLISH)
    assert catalogue.dialog("setup_failed") == lines(ENGLISH, "setup_failed.dialog")[0]


# --- falling back, filling in ---


def test_a_text_missing_in_a_language_is_shown_in_english(locale_dir: str) -> None:
    """A key only English has, and a dialog only English has, come out in English under German; the rest German."""
    write_catalogue(locale_dir, ENGLISH, {"title": "Set up", "only_en": "Only in English, {ssid}"},
                    {"done": "Done.", "only_en": "Spoken only in English."})
    write_catalogue(locale_dir, "de-de", {"title": "Einrichten"}, {"done": "Fertig."})
    german = Catalogue("de-DE")
    assert german.lang == "de-de"
    assert german.text("title") == "Einrichten"
    assert german.text("only_en", ssid="Home") == "Only in English, Home"
    assert german.text(Words.of("only_en", ssid="Home")) == "Only in English, Home"
    assert german.gui_texts() == {"title": "Einrichten", "only_en": "Only in English, {ssid}"}
    assert german.dialog("done") == "Fertig."
    assert german.dialog("only_en") == "Spoken only in English."


def test_an_empty_text_in_a_language_is_shown_in_english(locale_dir: str) -> None:
    """A translator's empty string does not blank the button: its English shows."""
    write_catalogue(locale_dir, ENGLISH, {"rescan": "Rescan"}, {})
    write_catalogue(locale_dir, "de-de", {"rescan": ""}, {})
    assert Catalogue("de-de").text("rescan") == "Rescan"


def test_placeholders_are_filled_from_words_and_from_arguments() -> None:
    """{ssid} and {seconds} take the values given, in English and in German."""
    words = Words.of("error_timeout", ssid="Home", seconds="30")
    assert Catalogue(ENGLISH).text(words) == gui_file(ENGLISH)["error_timeout"].format(ssid="Home", seconds="30")
    assert Catalogue("de-de").text(words) == \
        "Home hat nicht innerhalb von 30 Sekunden geantwortet. Versuche es noch einmal oder wähle ein anderes Netzwerk."
    assert Catalogue("fr-fr").text("connecting", ssid="Maison") == "Connexion à Maison…"


def test_a_network_name_with_braces_is_shown_as_written() -> None:
    """An SSID like '{seconds}' or '{0}{x.y}' is put in literally, never read as a template itself."""
    words = Words.of("error_timeout", ssid="{seconds}", seconds="30")
    assert Catalogue(ENGLISH).text(words).startswith("{seconds} did not answer within 30 seconds.")
    for ssid in ("{0}", "{x.y}", "{ssid}", "}{", "{", "{seconds:>99}"):
        assert Catalogue("de-de").text("connected", ssid=ssid) == f"Mit {ssid} verbunden"
        assert fill("{ssid}", {"ssid": ssid}) == ssid


def test_a_placeholder_nobody_filled_stays_as_written() -> None:
    """A text naming a value not given shows the placeholder rather than failing."""
    assert Catalogue(ENGLISH).text("connected") == gui_file(ENGLISH)["connected"]


@pytest.mark.parametrize("template", [
    "Broken {", "Broken }", "{}", "{0}", "{ssid!z}", "{ssid:q}", "{ssid.upper.x}", "{ssid[x]}", "{missing[x]}",
    "{missing.attr}", "{ssid:{seconds}x}", "{{ssid}", "{ssid[0}",
])
def test_a_malformed_template_is_shown_instead_of_raising(template: str) -> None:
    """A translator's broken template never raises: the page and the spoken line show some text."""
    shown = fill(template, {"ssid": "Home", "seconds": "30"})
    assert isinstance(shown, str) and shown


def test_a_malformed_catalogue_text_reaches_the_page_without_raising(locale_dir: str) -> None:
    """Through Catalogue too: a broken text in a catalogue file is shown, the other texts are unaffected."""
    write_catalogue(locale_dir, ENGLISH, {"connected": "Connected to {ssid[x]}", "back": "Back"},
                    {"setup_failed": "Failed {"})
    catalogue = Catalogue(ENGLISH)
    assert catalogue.text("connected", ssid="Home")
    assert catalogue.text("back") == "Back"
    assert catalogue.dialog("setup_failed", ssid="Home") == "Failed {"


def test_words_read_as_english_where_no_language_applies() -> None:
    """str(Words) — for logs, the command line, exception messages — is the English text, filled in."""
    words = Words.of("error_wrong_password", ssid="Home")
    assert str(words) == gui_file(ENGLISH)["error_wrong_password"].replace("{ssid}", "Home")
    assert "Home" in str(words)


def test_the_wrong_password_error_reads_in_german_with_the_network_name() -> None:
    """Catalogue('de-de') turns the same Words into the German sentence naming the network."""
    words = Words.of("error_wrong_password", ssid="Home")
    german = Catalogue("de-de").text(words)
    assert german == "Das Passwort für Home wurde nicht akzeptiert. Prüfe es und versuche es noch einmal."
    assert german != str(words)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_language_speaks_its_own_lines(lang: str) -> None:
    """Catalogue.dialog gives that language's own line, which is not the English one."""
    for name in DIALOGS:
        said = Catalogue(lang).dialog(name[:-len(".dialog")])
        assert said == lines(lang, name)[0]
        assert said != lines(ENGLISH, name)[0]
