"""The setup page from its files in page/ (index.html, one network's list item in network.html with its lookalike
warning in lookalike.html and its note in note.html, the open network's code field in code.html, refresh.html,
redirect.html, page.css, page.js), filled for the backend's status and networks in the catalogue's language.

The files are package data, read once, and filled by the standard library's string.Template with html.escape applied
to every text value (fill(); a number goes in as its digits). string.Template because it is the simplest template
there is, `$name` and nothing else: the files hold no logic (the conditions and the list stay here, where the tests
reach them), and nothing but escaped text reaches the markup unless it is Markup, which only this module makes: the
list's items (filled the same way), the boolean attributes, the CSS and the script from our own files, and the
page's data as JSON escaped for a script element. The CSS and the script go inline under the
Content-Security-Policy's per-page nonce (page_policy), so that the page loads nothing from anywhere.
"""
import functools
import html
import json
import math
from importlib import resources
from string import Template
from typing import Any, Dict, List, Optional

from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.choice import HIDDEN_SECURITY, MAX_PAGE_KEY_CHARS
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm_dbus import OPEN_WORD, UNJOINABLE
from ovos_PHAL_plugin_wifi_setup.methods.networks import MAX_SSID_BYTES, MIN_PASSWORD_CHARS
from ovos_PHAL_plugin_wifi_setup.readable import visible

REFRESH_SECONDS = 3            # the page's meta refresh while connecting (without JavaScript)
POLL_MS = 1500                 # the script's /api/status polling
FETCH_TIMEOUT_MS = 5000

# The page's files: package data in page/, beside this module.
PAGE_PACKAGE = __name__.rpartition(".")[0]
PAGE_FILES = ("index.html", "network.html", "lookalike.html", "note.html", "code.html", "refresh.html", "redirect.html",
              "other.html", "option.html", "page.css", "page.js")
# The security words of a network joined without a password (nm_dbus.PASSWORDLESS, as the page has them).
PASSWORDLESS_WORDS = ("", "--", "OWE")
# The shortest password the page lets through by the security's first word (choice.py has the whole rules).
MIN_KEY_CHARS = {"WEP": 5, "WPA3": 1}
NOTES = tuple(UNJOINABLE.values())
# The code field takes the digits with the spaces a user may type between groups.
MAX_CODE_CHARS = 12


class Markup(str):
    """Text that is markup already (made by this module, or one of the page's own files): fill() puts it in as
    it is."""


def esc(text: Any) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(text), quote=True)


def fill(template: Template, **values: Any) -> Markup:
    """`template` with every value HTML-escaped, but Markup as it is and a number as its digits (nothing in them to
    escape); KeyError for a placeholder given no value."""
    return Markup(template.substitute({k: v if isinstance(v, (Markup, int)) else esc(v) for k, v in values.items()}))


def flag(name: str, on: bool) -> Markup:
    """A boolean attribute (` hidden`, ` checked`) when `on`, nothing otherwise."""
    return Markup(f" {name}" if on else "")


@functools.lru_cache(maxsize=None)
def page_file(name: str) -> str:
    """One of PAGE_FILES as text, read from the package once."""
    return (resources.files(PAGE_PACKAGE) / "page" / name).read_text(encoding="utf-8").rstrip("\n")


@functools.lru_cache(maxsize=None)
def page_template(name: str) -> Template:
    """One of the page's HTML files as a template."""
    return Template(page_file(name))


def script_json(value: Any) -> str:
    """JSON safe to put inside a <script> element: `<`, `>` and `&` written as escapes."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def shaped_networks(raw: Any) -> List[Dict[str, Any]]:
    """The backend's networks as the page and the API show them; malformed entries left out."""
    shown: List[Dict[str, Any]] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("ssid"), str) or not entry["ssid"]:
            continue
        security = entry.get("security") if isinstance(entry.get("security"), str) else ""
        strength = entry.get("strength")
        numeric = isinstance(strength, (int, float)) and not isinstance(strength, bool) and math.isfinite(strength)
        strength = max(0, min(100, int(strength))) if numeric else 0
        security = security.strip()
        words = security.split()
        secured = (words[0] if words else "") not in PASSWORDLESS_WORDS
        # A name shown as it is could hide what tells it apart ("Home\u200b" beside "Home"): the backend's display
        # form (every unseen character escaped) and its lookalike flag go to the page; the radio keeps the SSID.
        display = entry.get("display") if isinstance(entry.get("display"), str) and entry["display"] else None
        network = {"ssid": entry["ssid"], "security": security if secured or words[:1] == ["OWE"] else "",
                   "strength": strength, "secured": secured, "display": display or visible(entry["ssid"]),
                   "lookalike": entry.get("lookalike") is True}
        if entry.get("joinable") is False:
            # Listed with why it cannot be joined from here (an 802.1X sign-in, WEP beside open).
            network.update(joinable=False, note=entry.get("note") if entry.get("note") in NOTES else NOTES[0])
        shown.append(network)
    return shown


def security_text(catalogue: Catalogue, network: Dict[str, Any]) -> str:
    """What the list says of a network's security: its words, as the on-screen list does ("WPA2", "WPA3 WPA2"
    where its access points differ, "WPA2 Open"; "Open" and OWE's "Enhanced open" in the page's language), or
    Open."""
    if not network["secured"] and not network["security"]:
        return catalogue.text("open")
    named = {OPEN_WORD: catalogue.text("open"), "OWE": catalogue.text("enhanced_open")}
    return " ".join(named.get(word, word) for word in network["security"].split())


def min_key(network: Dict[str, Any]) -> int:
    """The shortest password the page lets through for a shaped network (0 where it takes none)."""
    if not network["secured"]:
        return 0
    return MIN_KEY_CHARS.get(network["security"].split()[0], MIN_PASSWORD_CHARS)


def bars(strength: int) -> int:
    """How many of the four signal bars a strength (0..100) lights."""
    return max(0, min(4, (strength + 24) // 25))


def status_error(catalogue: Catalogue, status: Dict[str, Any]) -> str:
    """The words of a failed status: its text, else its key's text."""
    if isinstance(status.get("error"), str) and status["error"].strip():
        return status["error"]
    code = status.get("code")
    ssid = status.get("ssid") if isinstance(status.get("ssid"), str) else ""
    if isinstance(code, str) and code.startswith("error_"):
        return catalogue.text(code, ssid=ssid)
    return catalogue.text("error_internal")


def render_networks(catalogue: Catalogue, networks: List[Dict[str, Any]], picked: Optional[str]) -> Markup:
    """The shaped networks as the list's items: each a radio valued by its SSID (checked for `picked`), its name as
    the backend displays it (with a warning where it looks like another's), its security words, the signal's
    bars."""
    template = page_template("network.html")
    warning = fill(page_template("lookalike.html"), text=catalogue.text("hotspot_lookalike"))
    notes = {key: fill(page_template("note.html"), text=catalogue.text(f"hotspot_note_{key}")) for key in NOTES}
    return Markup("".join(
        fill(template, picked=Markup("picked" if n["ssid"] == picked else ""), ssid=n["ssid"], name=n["display"],
             lookalike=warning if n["lookalike"] else Markup(""), secured=int(n["secured"]), min=min_key(n),
             checked=flag("checked", n["ssid"] == picked), disabled=flag("disabled", "note" in n),
             note=notes[n["note"]] if "note" in n else Markup(""), security=security_text(catalogue, n),
             bars=bars(n["strength"]), signal=catalogue.text("hotspot_signal", strength=n["strength"]))
        for n in networks))


def render_other(catalogue: Catalogue, typed: Optional[str], security: Optional[str]) -> Markup:
    """The list's last item, "Other network": a radio of no SSID with the fields of a hidden network's name and its
    security (HIDDEN_SECURITY's words, in the list's wording); checked, with what was typed, for a refused form."""
    named = {OPEN_WORD: catalogue.text("open"), "OWE": catalogue.text("enhanced_open")}
    options = Markup("".join(fill(page_template("option.html"), value=word, text=named.get(word, word),
                                  selected=flag("selected", word == security)) for word in HIDDEN_SECURITY))
    return fill(page_template("other.html"), picked=Markup("picked" if typed is not None else ""),
                checked=flag("checked", typed is not None), other=catalogue.text("hotspot_other"),
                name_label=catalogue.text("hotspot_other_name"), typed=typed or "",
                security_label=catalogue.text("hotspot_other_security"), options=options)


def render_page(catalogue: Catalogue, status: Dict[str, Any], networks: List[Dict[str, Any]], nonce: str,
                error: Optional[str] = None, picked: Optional[str] = None, token: str = "",
                code: bool = False, other: Optional[Dict[str, Any]] = None) -> str:
    """The whole setup page for a status and the shaped networks; `error` (words already in the page's
    language) and `picked` (the SSID to check) for a refused form, or `other` ({"ssid", "security"}: what a refused
    "Other network" form had typed); `token`, the form's per-page token (a hidden field the form sends back);
    `code`, whether the form asks for the code the device said (an open network)."""
    text = catalogue.text
    state = status.get("state") if isinstance(status.get("state"), str) else "waiting"
    ssid = status.get("ssid") if isinstance(status.get("ssid"), str) else ""
    view = state if state in ("connecting", "connected") and error is None else "choose"
    if error is None and state == "failed":
        error = status_error(catalogue, status)
        picked = picked or ssid
    names = {n["ssid"] for n in networks}
    if picked not in names:
        picked = None
    data = {
        "state": view, "ssid": ssid, "poll": POLL_MS, "fetchTimeout": FETCH_TIMEOUT_MS,
        "min": MIN_PASSWORD_CHARS, "max": MAX_PAGE_KEY_CHARS, "minBy": MIN_KEY_CHARS, "code": code,
        "texts": {"connecting": text("connecting"), "connected": text("hotspot_connected"),
                  "pickFirst": text("error_pick_first"), "tooShort": text("error_password_too_short"),
                  "tooLong": text("error_password_too_long"), "internal": text("error_internal"),
                  "noAnswer": text("hotspot_no_answer"), "show": text("show"), "hide": text("hide"),
                  "open": text("open"), "signal": text("hotspot_signal"),
                  "codeNeeded": text("error_code_needed"), "lookalike": text("hotspot_lookalike"),
                  "enhancedOpen": text("enhanced_open"), "tooShortFor": text("error_key_too_short"),
                  "notes": {key: text(f"hotspot_note_{key}") for key in NOTES},
                  "rescanning": text("hotspot_rescanning"), "rescanNote": text("hotspot_rescan_drops"),
                  "hiddenName": text("error_hidden_name"), "ssidTooLong": text("error_ssid_too_long")},
        "maxSsid": MAX_SSID_BYTES, "passwordless": [OPEN_WORD, "OWE"],
    }
    typed = other.get("ssid") if other is not None and isinstance(other.get("ssid"), str) else None
    security = other.get("security") if other is not None and isinstance(other.get("security"), str) else None
    items = Markup(render_networks(catalogue, networks, None if typed is not None else picked)
                   + render_other(catalogue, typed, security))
    refresh = fill(page_template("refresh.html"), seconds=REFRESH_SECONDS) if view == "connecting" else Markup("")
    code_field = fill(page_template("code.html"), code_label=text("code_label"), max_code=MAX_CODE_CHARS) if code \
        else Markup("")
    return fill(
        page_template("index.html"), lang=catalogue.lang, title=text("hotspot_title"), refresh=refresh, nonce=nonce,
        # our own files, inline in their elements; the script's data is JSON escaped for a script element (whose
        # text HTML escapes would garble)
        style=Markup(page_file("page.css")), script=Markup(page_file("page.js")), page_data=Markup(script_json(data)),
        connecting_hidden=flag("hidden", view != "connecting"), connecting_text=text("connecting", ssid=ssid),
        connecting_hint=text("hotspot_connecting_hint"),
        connected_hidden=flag("hidden", view != "connected"), connected_text=text("hotspot_connected", ssid=ssid),
        choose_hidden=flag("hidden", view != "choose"), intro=text("hotspot_intro"),
        error_hidden=flag("hidden", not error), error=error or "",
        networks_title=text("networks_title"), networks=items,
        empty_hidden=flag("hidden", bool(networks)), empty=text("hotspot_empty"),
        rescan=text("rescan"), rescan_note=text("hotspot_rescan_drops"), password_label=text("password_placeholder"),
        max_password=MAX_PAGE_KEY_CHARS, show=text("show"), connect=text("connect"), token=token,
        code_field=code_field)


def render_redirect(url: str) -> str:
    """The body of a redirect to the page: a link to it."""
    return fill(page_template("redirect.html"), url=url)


def page_policy(nonce: Optional[str]) -> str:
    """The Content-Security-Policy: the page's own inline style and script (by nonce), fetches to its own origin,
    its form to itself; nothing else (and nothing at all for an answer that is not the page)."""
    if nonce is None:
        return "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    return (f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; "
            "img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
