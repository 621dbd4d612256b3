"""Every text the plugin shows or says, from catalogues in OVOS's layout, in the device's language; no bus.

`locale/<lang>/gui.json` holds the pages' texts (key → text with `{placeholders}`), `locale/<lang>/<name>.dialog`
the spoken lines (one variant per line; the first is used), `locale/<lang>/<name>.intent` the sentences of the
voice intents. A language picks the best folder (`de-DE` and `de` → `de-de`, `pt-br` → `pt-pt` when there is no
`pt-br`), English when none fits; a text missing in a language falls back to its English.
"""
import json
import os
from functools import lru_cache
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")
DEFAULT_LANG = "en-us"
GUI_FILE = "gui.json"


class Words(NamedTuple):
    """A text not yet put in a language: its catalogue key and the values of its placeholders (a NamedTuple: cheap
    to make at import)."""

    key: str
    values: Tuple[Tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, key: str, **values: Any) -> "Words":
        """Words for `key`, with placeholder values."""
        return cls(key, tuple(sorted(values.items())))

    def __str__(self) -> str:
        """The English text (for logs, the command line, exception messages)."""
        return Catalogue(DEFAULT_LANG).text(self)


def available_langs() -> List[str]:
    """The languages the catalogues exist for, as their folder names."""
    try:
        return sorted(name for name in os.listdir(LOCALE_DIR) if os.path.isdir(os.path.join(LOCALE_DIR, name)))
    except OSError:
        return [DEFAULT_LANG]


def best_lang(lang: Any, available: Optional[List[str]] = None) -> str:
    """The catalogue folder for a language code: the exact one, else one of the same language (its own region
    first: `de` → `de-de`), else English."""
    langs = available if available is not None else available_langs()
    if not isinstance(lang, str) or not lang.strip():
        return DEFAULT_LANG
    wanted = lang.strip().lower().replace("_", "-")
    if wanted in langs:
        return wanted
    primary = wanted.split("-")[0]
    same = [name for name in langs if name.split("-")[0] == primary]
    if not same:
        return DEFAULT_LANG
    return f"{primary}-{primary}" if f"{primary}-{primary}" in same else same[0]


@lru_cache(maxsize=32)
def _gui_texts(lang: str) -> Dict[str, str]:
    """One language's page texts as stored (cached: the files ship with the package)."""
    try:
        with open(os.path.join(LOCALE_DIR, lang, GUI_FILE), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) \
        else {}


@lru_cache(maxsize=64)
def catalogue_lines(lang: str, name: str) -> Tuple[str, ...]:
    """The entries of one catalogue file (a .dialog, .intent or .voc): blank lines and `#` comments left out;
    none when the file is missing (cached: the files ship with the package)."""
    try:
        with open(os.path.join(LOCALE_DIR, lang, name), encoding="utf-8") as f:
            return tuple(line.strip() for line in f if line.strip() and not line.strip().startswith("#"))
    except OSError:
        return ()


class _Values(dict):
    """Placeholder values; one the text names but nobody gave stays as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Put the values into the template's `{placeholders}` (the values themselves are not read as templates)."""
    try:
        return template.format_map(_Values(values))
    except (ValueError, LookupError, AttributeError, TypeError):
        return template  # a malformed template is shown as written, never an exception


class Catalogue:
    """The texts of one language, English where that language has none."""

    def __init__(self, lang: Any = DEFAULT_LANG):
        self.lang = best_lang(lang)

    def gui_texts(self) -> Dict[str, str]:
        """Every page text of this language (English where it has none), placeholders left in."""
        texts = dict(_gui_texts(DEFAULT_LANG))
        texts.update(_gui_texts(self.lang))
        return texts

    def text(self, words: "Words | str", **values: Any) -> str:
        """One page text, its placeholders filled."""
        if isinstance(words, Words):
            key, values = words.key, {**dict(words.values), **values}
        else:
            key = words
        template = _gui_texts(self.lang).get(key) or _gui_texts(DEFAULT_LANG).get(key) or key
        return fill(template, values)

    def dialog(self, name: str, **values: Any) -> str:
        """A spoken line (`<name>.dialog`), its placeholders filled."""
        lines = catalogue_lines(self.lang, f"{name}.dialog") or catalogue_lines(DEFAULT_LANG, f"{name}.dialog")
        return fill(lines[0], values) if lines else ""
