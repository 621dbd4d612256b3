"""The setup page a phone opens on the device's own Wi-Fi network, and its small JSON API; asyncio streams only.

One request per connection (every answer says `Connection: close`), each bounded: the request line and headers at
most 8 KiB, a body at most `max_body` bytes with a Content-Length (no chunked bodies), the whole request within
`request_timeout`, at most `max_connections` connections at once (more are closed unanswered). The server answers
the page (GET /), the form the page posts without JavaScript (POST /connect), the API under /api/, and a redirect to
the page for anything else (captive-portal probes, other hosts). The page is rendered here from the backend's status
and networks in the backend's catalogue language; every network name is escaped, and a password is never written
into a page, an answer or a log line.
"""
import asyncio
import errno
import html
import json
import math
import re
import secrets
import socket
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Dict, List, Optional, Protocol, Set, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue, Words
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.methods.networks import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Busy, Refused

MAX_HEAD_BYTES = 8192          # request line and headers together
BACKLOG = 64
ACCEPT_RETRY_SECONDS = 0.5     # after running out of file descriptors
READ_CHUNK = 4096
LINGER_SECONDS = 1.0           # after answering, how long unread input is drained before closing
LINGER_BYTES = 65536
REFRESH_SECONDS = 3            # the page's meta refresh while connecting (without JavaScript)
POLL_MS = 1500                 # the script's /api/status polling
FETCH_TIMEOUT_MS = 5000
MAX_FORM_FIELDS = 16

TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
METHOD = re.compile(r"[A-Z]{1,16}")
DIGITS = re.compile(r"[0-9]{1,12}")
VERSIONS = ("HTTP/1.0", "HTTP/1.1")

# Paths the page's own API answers, and the methods each takes (HEAD goes with GET).
API_METHODS = {"/api/networks": ("GET", "HEAD"), "/api/status": ("GET", "HEAD"), "/api/connect": ("POST",)}
PAGE_METHODS = {"/": ("GET", "HEAD"), "/connect": ("POST",)}
FORM_TYPE = "application/x-www-form-urlencoded"


class Backend(Protocol):
    """What the page asks of the client that runs it."""

    @property
    def catalogue(self) -> Catalogue:
        """The texts in the device's language."""
        ...

    def networks(self) -> List[Dict[str, Any]]:
        """The networks to list, strongest first: [{"ssid": str, "security": str, "strength": int}]."""
        ...

    def status(self) -> Dict[str, Any]:
        """{"state": "waiting"|"connecting"|"connected"|"failed", "ssid"?: str, "error"?: text, "code"?: key}."""
        ...

    def connect(self, ssid: Any, password: Any) -> None:
        """Start joining a network and return at once; raise networks.Refused for bad input (400), networks.Busy
        while a join is in flight (409); never log the password."""
        ...


@dataclass
class Request:
    """One parsed request: what the routes need of it."""

    method: str
    path: str                    # percent-decoded, without the query
    host: Optional[str]          # the Host's name (lower case, no port), None when the request names none
    headers: Dict[str, str]      # names in lower case
    body: bytes = b""


@dataclass
class Response:
    """One answer, before it is written."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: List[Tuple[str, str]] = field(default_factory=list)
    nonce: Optional[str] = None  # the page's script/style nonce, for its Content-Security-Policy


class HttpError(Exception):
    """A request that gets an error answer before it reaches a route: its status and the catalogue key."""

    def __init__(self, status: int, key: str):
        super().__init__(f"{status} {key}")
        self.status = status
        self.key = key


class ClientGone(Exception):
    """The client closed its side before the request was complete."""


def json_bytes(value: Any) -> bytes:
    """A JSON answer body (UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encodable(value: Any) -> bool:
    """False for a string that has no UTF-8 form (a lone surrogate, which JSON's \\u escapes can carry)."""
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def script_json(value: Any) -> str:
    """JSON safe to put inside a <script> element: `<`, `>` and `&` written as escapes."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def esc(text: Any) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(text), quote=True)


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
        secured = security not in ("", "--")
        shown.append({"ssid": entry["ssid"], "security": security if secured else "", "strength": strength,
                      "secured": secured})
    return shown


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


# --------------------------------------------------------------------------------------------- the page
ICON_WIFI = ('<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="#fff" stroke-width="2.2" '
             'stroke-linecap="round" d="M2.5 9a14 14 0 0 1 19 0M5.8 12.4a9.2 9.2 0 0 1 12.4 0M9.1 15.8a4.4 4.4 0 0 1 '
             '5.8 0"/><circle cx="12" cy="19.2" r="1.6" fill="#fff"/></svg>')
ICON_DONE = ('<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="none" stroke="#fff" stroke-width="2.6" '
             'stroke-linecap="round" stroke-linejoin="round" d="M5 12.5l4.5 4.5L19 7.5"/></svg>')

STYLE = """
:root{color-scheme:dark;--bg:#1f2023;--card:#2b2c30;--line:#44464c;--text:#eef0f2;--muted:#b0b4ba;
--accent:#d63c33;--ok:#2f9e5b;--field:#17181a}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);
font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Ubuntu,Cantarell,sans-serif}
main{max-width:34rem;margin:0 auto;padding:20px 16px 48px}
header{display:flex;align-items:center;gap:14px;margin:4px 0 10px}
.logo{flex:none;width:48px;height:48px;border-radius:50%;background:var(--accent);display:flex;
align-items:center;justify-content:center}
.logo svg{width:28px;height:28px}
h1{font-size:1.35rem;line-height:1.25;margin:0}
.intro{color:var(--muted);margin:14px 0 22px}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend{font-weight:700;font-size:1.1rem;padding:0;margin:0 0 10px}
ul{list-style:none;margin:0;padding:0}
li{background:var(--card);border:2px solid transparent;border-radius:14px;margin:0 0 10px}
li.picked{border-color:var(--accent)}
li:has(input:checked){border-color:var(--accent)}
label.net{display:flex;align-items:center;gap:14px;min-height:68px;padding:10px 16px;cursor:pointer;
-webkit-tap-highlight-color:transparent}
input[type=radio]{flex:none;width:24px;height:24px;margin:0;accent-color:var(--accent)}
.text{flex:1;min-width:0}
.name{display:block;overflow-wrap:anywhere;font-weight:600;font-size:1.08rem}
.sec{display:block;font-weight:400;font-size:.92rem;color:var(--muted)}
.bars{flex:none;display:flex;align-items:flex-end;gap:3px;height:22px}
.bars i{display:block;width:5px;border-radius:2px;background:var(--line)}
.bars i:nth-child(1){height:30%}.bars i:nth-child(2){height:55%}.bars i:nth-child(3){height:78%}
.bars i:nth-child(4){height:100%}
.b1 i:nth-child(-n+1),.b2 i:nth-child(-n+2),.b3 i:nth-child(-n+3),.b4 i{background:var(--text)}
.details{padding:4px 0 0}
li .details{padding:0 16px 16px}
.pwlabel{display:block;font-size:.95rem;color:var(--muted);margin:0 0 6px}
.pw{display:flex;gap:8px}
.pw input{flex:1;min-width:0;height:54px;padding:0 14px;font:inherit;font-size:1.1rem;color:var(--text);
background:var(--field);border:2px solid var(--line);border-radius:12px}
.pw input:focus{outline:none;border-color:var(--accent)}
button{font:inherit;height:54px;padding:0 16px;color:var(--text);background:var(--card);
border:2px solid var(--line);border-radius:12px;cursor:pointer}
.pw button{flex:none;min-width:76px}
button.primary{display:block;width:100%;margin-top:14px;color:#fff;background:var(--accent);
border-color:var(--accent);font-weight:700;font-size:1.1rem}
button:disabled{opacity:.6}
form:has(input[data-secured="0"]:checked) #pw-row{display:none}
.error{margin:0 0 18px;padding:12px 16px;border-radius:12px;background:#46201e;border:1px solid var(--accent)}
.empty{padding:18px 16px;border-radius:14px;background:var(--card);color:var(--muted)}
.state{text-align:center;padding:44px 8px 8px}
.spinner{width:60px;height:60px;margin:0 auto 26px;border-radius:50%;border:6px solid var(--line);
border-top-color:var(--accent);animation:spin 1s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
@media (prefers-reduced-motion:reduce){.spinner{animation-duration:4s}}
.done{width:68px;height:68px;margin:0 auto 26px;border-radius:50%;background:var(--ok);display:flex;
align-items:center;justify-content:center}
.done svg{width:40px;height:40px}
.big{font-size:1.35rem;font-weight:700;line-height:1.3;margin:0 0 14px;overflow-wrap:anywhere}
.hint{color:var(--muted);margin:0}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
"""

# The page's behaviour with JavaScript: the form goes to /api/connect, the outcome comes from polling /api/status.
SCRIPT = """
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("page-data").textContent);
  var T = D.texts;
  function el(id) { return document.getElementById(id); }
  var form = el("form"), list = el("list"), empty = el("empty"), details = el("details"), pw = el("password"),
      pwRow = el("pw-row"), toggle = el("toggle"), submit = el("submit"), error = el("error");
  var timer = null, expecting = false;

  function fill(text, values) {
    Object.keys(values).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function view(name) {
    ["choose", "connecting", "connected"].forEach(function (v) { el(v).hidden = v !== name; });
  }
  function showError(text) {
    error.textContent = text || "";
    error.hidden = !text;
  }
  function picked() { return form.querySelector("input[name=ssid]:checked"); }
  function sync(focus) {
    var r = picked(), secured = !r || r.getAttribute("data-secured") === "1";
    Array.prototype.forEach.call(list.children, function (li) {
      li.classList.toggle("picked", !!r && li.contains(r));
    });
    var home = r ? r.closest("li") : form;
    if (details.parentNode !== home) { home.appendChild(details); }
    details.hidden = !r;
    pwRow.hidden = !secured;
    pw.disabled = !secured;
    pw.required = secured;
    pw.minLength = secured ? D.min : 0;
    if (focus && r && secured) { pw.focus(); }
  }
  function request(method, path, body) {
    var controller = new AbortController();
    var stop = setTimeout(function () { controller.abort(); }, D.fetchTimeout);
    var options = {method: method, cache: "no-store", signal: controller.signal, headers: {}};
    if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    return fetch(path, options).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        clearTimeout(stop);
        return {status: res.status, body: data};
      });
    }, function (e) { clearTimeout(stop); throw e; });
  }
  function item(n) {
    var li = document.createElement("li"), label = document.createElement("label");
    var input = document.createElement("input"), name = document.createElement("span");
    var sec = document.createElement("span"), meter = document.createElement("span");
    var words = document.createElement("span");
    label.className = "net";
    input.type = "radio";
    input.name = "ssid";
    input.value = n.ssid;
    input.setAttribute("data-secured", n.secured ? "1" : "0");
    name.className = "name";
    name.textContent = n.ssid;
    sec.className = "sec";
    sec.textContent = n.secured ? T.secured : T.open;
    words.className = "text";
    words.appendChild(name);
    words.appendChild(sec);
    var level = Math.max(0, Math.min(4, Math.floor((n.strength + 24) / 25)));
    meter.className = "bars b" + level;
    meter.setAttribute("role", "img");
    meter.setAttribute("aria-label", fill(T.signal, {strength: String(n.strength)}));
    for (var i = 0; i < 4; i++) { meter.appendChild(document.createElement("i")); }
    label.appendChild(input);
    label.appendChild(words);
    label.appendChild(meter);
    li.appendChild(label);
    return li;
  }
  function refreshList(keep) {
    request("GET", "/api/networks").then(function (res) {
      if (res.status !== 200 || !res.body || !Array.isArray(res.body.networks)) { return; }
      form.appendChild(details);
      while (list.firstChild) { list.removeChild(list.firstChild); }
      res.body.networks.forEach(function (n) {
        var li = item(n);
        if (n.ssid === keep) { li.querySelector("input").checked = true; }
        list.appendChild(li);
      });
      empty.hidden = list.children.length > 0;
      sync(false);
    }, function () {});
  }
  function poll() {
    clearTimeout(timer);
    timer = setTimeout(check, D.poll);
  }
  function connecting(ssid) {
    if (ssid) { el("connecting-text").textContent = fill(T.connecting, {ssid: ssid}); }
    view("connecting");
  }
  function check() {
    request("GET", "/api/status").then(function (res) {
      var s = res.body || {};
      if (res.status !== 200) { poll(); return; }
      if (s.state === "connecting") {
        expecting = false;
        connecting(s.ssid);
        poll();
      } else if (s.state === "connected") {
        el("connected-text").textContent = fill(T.connected, {ssid: s.ssid || ""});
        view("connected");
      } else if (s.state === "failed") {
        expecting = false;
        showError(s.error || T.internal);
        view("choose");
        refreshList(s.ssid);
      } else {
        if (expecting) { showError(T.noAnswer); }
        expecting = false;
        view("choose");
      }
    }, function () {
      poll();  // the device cannot be reached: the phone may have left the setup network for now
    });
  }

  form.noValidate = true;
  list.addEventListener("change", function (ev) {
    if (ev.target.name !== "ssid") { return; }  // the password field (moved into the list) changes too
    showError("");
    sync(true);
  });
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var shown = pw.type === "password";
    pw.type = shown ? "text" : "password";
    toggle.textContent = shown ? T.hide : T.show;
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var r = picked();
    if (!r) { showError(T.pickFirst); return; }
    var secured = r.getAttribute("data-secured") === "1";
    var password = secured ? pw.value : "";
    var length = Array.from(password).length;
    if (secured && length < D.min) { showError(T.tooShort); pw.focus(); return; }
    if (length > D.max) { showError(T.tooLong); pw.focus(); return; }
    showError("");
    submit.disabled = true;
    request("POST", "/api/connect", {ssid: r.value, password: password}).then(function (res) {
      submit.disabled = false;
      if (res.status === 202 || res.status === 200 || res.status === 409) {
        connecting(res.status === 409 ? "" : r.value);
        check();
      } else {
        showError((res.body && res.body.error) || T.internal);
      }
    }, function () {
      submit.disabled = false;
      expecting = true;  // the answer was lost: the status tells whether the device got the request
      connecting(r.value);
      poll();
    });
  });
  sync(false);
  if (D.state === "connecting") { connecting(D.ssid); poll(); }
})();
"""


def render_page(catalogue: Catalogue, status: Dict[str, Any], networks: List[Dict[str, Any]], nonce: str,
                error: Optional[str] = None, picked: Optional[str] = None) -> str:
    """The whole setup page for a status and the shaped networks; `error` (words already in the page's
    language) and `picked` (the SSID to check) for a refused form."""
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
        "min": MIN_PASSWORD_CHARS, "max": MAX_PASSWORD_CHARS,
        "texts": {"connecting": text("connecting"), "connected": text("hotspot_connected"),
                  "pickFirst": text("error_pick_first"), "tooShort": text("error_password_too_short"),
                  "tooLong": text("error_password_too_long"), "internal": text("error_internal"),
                  "noAnswer": text("hotspot_no_answer"), "show": text("show"), "hide": text("hide"),
                  "secured": text("secured"), "open": text("open"), "signal": text("hotspot_signal")},
    }

    def hidden(name: str) -> str:
        return "" if view == name else " hidden"

    items = []
    for network in networks:
        checked = " checked" if network["ssid"] == picked else ""
        picked_class = ' class="picked"' if checked else ""
        items.append(
            f'<li{picked_class}><label class="net"><input type="radio" name="ssid" value="{esc(network["ssid"])}" '
            f'data-secured="{1 if network["secured"] else 0}"{checked}><span class="text">'
            f'<span class="name">{esc(network["ssid"])}</span>'
            f'<span class="sec">{esc(text("secured") if network["secured"] else text("open"))}</span></span>'
            f'<span class="bars b{bars(network["strength"])}" role="img" '
            f'aria-label="{esc(text("hotspot_signal", strength=network["strength"]))}">'
            f'<i></i><i></i><i></i><i></i></span></label></li>')
    refresh = f'<noscript><meta http-equiv="refresh" content="{REFRESH_SECONDS}"></noscript>' \
        if view == "connecting" else ""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(catalogue.lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">',
        f"<title>{esc(text('hotspot_title'))}</title>{refresh}",
        f'<style nonce="{nonce}">{STYLE}</style></head><body><main>',
        f'<header><div class="logo">{ICON_WIFI}</div><h1>{esc(text("hotspot_title"))}</h1></header>',
        # connecting
        f'<section id="connecting" class="state" aria-live="polite"{hidden("connecting")}>'
        f'<div class="spinner" aria-hidden="true"></div>'
        f'<p class="big" id="connecting-text">{esc(text("connecting", ssid=ssid))}</p>'
        f'<p class="hint">{esc(text("hotspot_connecting_hint"))}</p></section>',
        # connected
        f'<section id="connected" class="state" aria-live="polite"{hidden("connected")}>'
        f'<div class="done">{ICON_DONE}</div>'
        f'<p class="big" id="connected-text">{esc(text("hotspot_connected", ssid=ssid))}</p></section>',
        # choose
        f'<section id="choose"{hidden("choose")}>',
        f'<p class="intro">{esc(text("hotspot_intro"))}</p>',
        f'<p id="error" class="error" role="alert"{"" if error else " hidden"}>{esc(error or "")}</p>',
        '<form id="form" method="post" action="/connect" autocomplete="off">',
        f'<fieldset><legend>{esc(text("networks_title"))}</legend><ul id="list">{"".join(items)}</ul>',
        f'<p id="empty" class="empty"{" hidden" if networks else ""}>{esc(text("hotspot_empty"))}</p></fieldset>',
        f'<div id="details" class="details"{"" if networks else " hidden"}>',
        f'<div id="pw-row"><label class="pwlabel" for="password">{esc(text("password_placeholder"))}</label>',
        f'<div class="pw"><input id="password" name="password" type="password" maxlength="{MAX_PASSWORD_CHARS}" '
        'autocomplete="off" autocapitalize="off" autocorrect="off" spellcheck="false" enterkeyhint="go">',
        f'<button type="button" id="toggle" hidden>{esc(text("show"))}</button></div></div>',
        f'<button type="submit" id="submit" class="primary">{esc(text("connect"))}</button></div>',
        "</form></section></main>",
        f'<script id="page-data" type="application/json">{script_json(data)}</script>',
        f'<script nonce="{nonce}">{SCRIPT}</script>',
        "</body></html>",
    ]
    return "".join(parts)


# --------------------------------------------------------------------------------------------- the server
def page_policy(nonce: Optional[str]) -> str:
    """The Content-Security-Policy: the page's own inline style and script (by nonce), fetches to its own origin,
    its form to itself; nothing else."""
    if nonce is None:
        return "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    return (f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; "
            "img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def host_name(value: str) -> str:
    """The name part of a Host header value (or of an absolute URL's authority): lower case, no port."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end > 0 else value
    name, _, port = value.rpartition(":")
    if name and DIGITS.fullmatch(port):
        value = name
    return value.rstrip(".")


class SetupServer:
    """The setup page and API on one address and port: a listening socket served on the running asyncio loop,
    bounded in every dimension."""

    def __init__(self, backend: Backend, address: str, port: int, *, max_body: int = 4096,
                 request_timeout: float = 10.0, max_connections: int = 32):
        self._backend = backend
        self._address = address
        self._port = port
        self._max_body = max_body
        self._request_timeout = request_timeout
        self._max_connections = max_connections
        self._listener: Optional[socket.socket] = None
        self._accepting: Optional["asyncio.Task[None]"] = None
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._sockets: Set[socket.socket] = set()     # accepted, not yet handed to a stream
        self._writers: Set[asyncio.StreamWriter] = set()

    @property
    def port(self) -> int:
        """The port listened on (once started, the one bound when the server was asked for port 0)."""
        return self._port

    @property
    def portal_url(self) -> str:
        """The page's address: http://{address}/, with the port when it is not 80."""
        host = f"[{self._address}]" if ":" in self._address else self._address
        return f"http://{host}/" if self.port == 80 else f"http://{host}:{self.port}/"

    async def start(self) -> None:
        """Bind address:port and start answering; OSError (EACCES, EADDRINUSE, EADDRNOTAVAIL) propagates."""
        if self._listener is not None:
            return
        # Our own listening socket and accept loop rather than asyncio.Server: Python 3.11's Server leaks a
        # connection accepted just before close(); here every accepted socket is ours to close.
        listener = socket.socket(socket.AF_INET6 if ":" in self._address else socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self._address, self._port))
            listener.listen(BACKLOG)
            listener.setblocking(False)
        except BaseException:
            listener.close()
            raise
        self._listener = listener
        self._port = int(listener.getsockname()[1])
        self._accepting = asyncio.get_running_loop().create_task(self._accept(listener))
        LOG.info(f"setup page listening on {self.portal_url}")

    async def stop(self) -> None:
        """Close the listener and every open connection; idempotent."""
        listener, self._listener = self._listener, None
        accepting, self._accepting = self._accepting, None
        if accepting is not None:
            accepting.cancel()
            await asyncio.gather(accepting, return_exceptions=True)
        if listener is not None:
            listener.close()
        for writer in list(self._writers):
            writer.close()
        tasks = [task for task in self._tasks if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for sock in list(self._sockets):  # accepted, but its task never ran
            sock.close()
        self._sockets.clear()

    # ---------------------------------------------------------------- connections
    async def _accept(self, listener: socket.socket) -> None:
        """Take each new connection: one task for it, or closed at once when max_connections are open."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                sock, _ = await loop.sock_accept(listener)
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    LOG.warning(f"setup page: cannot accept a connection now ({e.strerror})")
                    await asyncio.sleep(ACCEPT_RETRY_SECONDS)
                    continue
                if e.errno in (errno.ECONNABORTED, errno.EPROTO, errno.EINTR):
                    continue
                LOG.error(f"setup page: the listener failed ({e.strerror}); no more connections are taken")
                return
            if len(self._tasks) >= self._max_connections:
                sock.close()
                continue
            sock.setblocking(False)
            self._sockets.add(sock)
            task = loop.create_task(self._serve(sock))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve(self, sock: socket.socket) -> None:
        """Answer the one request of an accepted connection, then close it."""
        self._sockets.discard(sock)
        try:
            reader, writer = await asyncio.open_connection(sock=sock, limit=2 * READ_CHUNK)
        except OSError:
            sock.close()
            return
        self._writers.add(writer)
        try:
            await self._exchange(reader, writer)
        except (OSError, asyncio.IncompleteReadError, ClientGone):
            pass  # the client went away mid-answer
        except asyncio.TimeoutError:
            LOG.debug("setup page: a client did not read its answer in time")
        except Exception as e:
            LOG.error(f"setup page: a connection failed ({type(e).__name__})")
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read the request within the time allowed, answer it, drain what the client still sends, close."""
        head_only = False
        try:
            request = await asyncio.wait_for(self._read(reader, writer), self._request_timeout)
        except asyncio.TimeoutError:
            response = self._error(408, "error_request_timeout")
        except HttpError as e:
            response = self._error(e.status, e.key)
        else:
            head_only = request.method == "HEAD"
            try:
                response = self._answer(request)
            except Exception as e:
                LOG.error(f"setup page: answering {request.method} {request.path[:80]!r} failed ({type(e).__name__})")
                response = self._error(500, "error_internal")
        writer.write(self._serialize(response, head_only))
        await asyncio.wait_for(writer.drain(), self._request_timeout)
        await self._linger(reader, writer)

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Request:
        """One request: the head (at most MAX_HEAD_BYTES), then the body its Content-Length announces."""
        buffer = bytearray()
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(buffer) > MAX_HEAD_BYTES:
                raise HttpError(431, "error_request_too_large")
            chunk = await reader.read(READ_CHUNK)
            if not chunk:
                raise ClientGone()
            buffer += chunk
            while buffer.startswith(b"\r\n"):  # empty lines before a request line are allowed
                del buffer[:2]
        if end > MAX_HEAD_BYTES:
            raise HttpError(431, "error_request_too_large")
        head, rest = bytes(buffer[:end]), bytes(buffer[end + 4:])
        request = self._parse_head(head.decode("latin-1"))
        length = self._body_length(request)
        if length > len(rest):
            if request.headers.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                rest += await reader.readexactly(length - len(rest))
            except asyncio.IncompleteReadError:
                raise ClientGone() from None
        request.body = rest[:length]
        return request

    def _parse_head(self, head: str) -> Request:
        """The request line and headers; HttpError(400) for anything malformed."""
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not METHOD.fullmatch(parts[0]) or parts[2] not in VERSIONS:
            raise HttpError(400, "error_request_invalid")
        method, target, _ = parts
        if not target or any(ord(c) < 0x21 or ord(c) > 0x7e for c in target):
            raise HttpError(400, "error_request_invalid")
        headers: Dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not TOKEN.fullmatch(name):
                raise HttpError(400, "error_request_invalid")
            name, value = name.lower(), value.strip(" \t")
            if any(ord(c) < 0x20 and c != "\t" for c in value):
                raise HttpError(400, "error_request_invalid")
            if name in headers:
                if name in ("host", "content-length", "content-type", "transfer-encoding"):
                    raise HttpError(400, "error_request_invalid")
                headers[name] += ", " + value
            else:
                headers[name] = value
        host = host_name(headers["host"]) if "host" in headers else None
        if target.startswith("/"):
            path = target.split("?", 1)[0]
        elif target.lower().startswith(("http://", "https://")):
            url = urlsplit(target)
            host, path = host_name(url.netloc.rpartition("@")[2]), url.path or "/"
        else:
            raise HttpError(400, "error_request_invalid")
        return Request(method=method, path=unquote(path, errors="replace"), host=host, headers=headers)

    def _body_length(self, request: Request) -> int:
        """The body's length by its Content-Length; HttpError for a chunked body, a missing or malformed length
        (a POST must have one) or one over max_body."""
        if "transfer-encoding" in request.headers:
            raise HttpError(411, "error_request_invalid")
        value = request.headers.get("content-length")
        if value is None:
            if request.method == "POST":
                raise HttpError(411, "error_request_invalid")
            return 0
        if not DIGITS.fullmatch(value):
            raise HttpError(400, "error_request_invalid")
        length = int(value)
        if length > self._max_body:
            raise HttpError(413, "error_request_too_large")
        return length

    async def _linger(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Say the answer is complete and read what the client still sends (briefly, a bounded amount) before
        closing, so that closing with unread input does not reset the connection under the answer."""
        if writer.can_write_eof():
            writer.write_eof()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LINGER_SECONDS
        drained = 0
        while drained < LINGER_BYTES:
            left = deadline - loop.time()
            if left <= 0:
                break
            try:
                chunk = await asyncio.wait_for(reader.read(READ_CHUNK), left)
            except (asyncio.TimeoutError, OSError):
                break
            if not chunk:
                break
            drained += len(chunk)

    # ---------------------------------------------------------------- routes
    def _is_ours(self, host: Optional[str]) -> bool:
        """True when the request is for this server's own address (or names no host)."""
        return host is None or host == self._address.lower().strip("[]")

    def _answer(self, request: Request) -> Response:
        """The answer to a complete request."""
        if not self._is_ours(request.host):
            return self._redirect()
        path, method = request.path, request.method
        if path.startswith("/api/"):
            allowed = API_METHODS.get(path)
            if allowed is None:
                return self._error(404, "error_request_invalid")
            if method not in allowed:
                return self._error(405, "error_request_invalid", [("Allow", ", ".join(allowed))])
            if path == "/api/networks":
                return self._json(200, {"networks": shaped_networks(self._backend.networks())})
            if path == "/api/status":
                return self._json(200, self._status())
            return self._api_connect(request)
        allowed = PAGE_METHODS.get(path)
        if allowed is None:
            return self._redirect()
        if method not in allowed:
            return self._error(405, "error_request_invalid", [("Allow", ", ".join(allowed))])
        if path == "/":
            return self._page(200)
        return self._form_connect(request)

    def _status(self) -> Dict[str, Any]:
        """The backend's status, as a JSON object."""
        status = self._backend.status()
        return dict(status) if isinstance(status, dict) else {"state": "waiting"}

    def _api_connect(self, request: Request) -> Response:
        """POST /api/connect {ssid, password}: 202 {state: connecting, ssid}, or the refusal."""
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return self._error(400, "error_request_invalid")
        if not isinstance(data, dict) or not all(encodable(data.get(k)) for k in ("ssid", "password")):
            return self._error(400, "error_request_invalid")
        refused = self._connect(data.get("ssid"), data.get("password"))
        if refused is not None:
            return self._json(409 if isinstance(refused, Busy) else 400, self._words_error(refused.words))
        return self._json(202, {"state": "connecting", "ssid": data.get("ssid")})

    def _form_connect(self, request: Request) -> Response:
        """POST /connect, the page's form without JavaScript: 303 to the page, or the page with the refusal."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != FORM_TYPE:
            return self._page(400, error=self._backend.catalogue.text("error_request_invalid"))
        try:
            fields = parse_qs(request.body.decode("ascii"), keep_blank_values=True, strict_parsing=False,
                              encoding="utf-8", errors="strict", max_num_fields=MAX_FORM_FIELDS)
        except (UnicodeDecodeError, ValueError):
            return self._page(400, error=self._backend.catalogue.text("error_request_invalid"))
        if any(len(values) > 1 for values in fields.values()):
            return self._page(400, error=self._backend.catalogue.text("error_request_invalid"))
        ssid = fields.get("ssid", [None])[0]
        refused = self._connect(ssid, fields.get("password", [None])[0])
        if refused is not None and not isinstance(refused, Busy):
            picked = ssid if isinstance(ssid, str) else None
            return self._page(400, error=self._backend.catalogue.text(refused.words), picked=picked)
        # Busy too: the page shows the join in flight
        return Response(303, b"", "text/plain; charset=utf-8", [("Location", "/")])

    def _connect(self, ssid: Any, password: Any) -> Optional[Refused]:
        """Hand the request to the backend; its refusal, or None when the join started."""
        try:
            self._backend.connect(ssid, password)
        except Refused as e:
            return e
        return None

    def _page(self, status: int, error: Optional[str] = None, picked: Optional[str] = None) -> Response:
        """The page, rendered for the backend's state now."""
        nonce = secrets.token_urlsafe(16)
        page = render_page(self._backend.catalogue, self._status(), shaped_networks(self._backend.networks()),
                           nonce, error=error, picked=picked)
        return Response(status, page.encode("utf-8"), "text/html; charset=utf-8", nonce=nonce)

    def _redirect(self) -> Response:
        """302 to the page (captive-portal probes, other hosts, other paths)."""
        body = f'<!DOCTYPE html><a href="{esc(self.portal_url)}">{esc(self.portal_url)}</a>'.encode("utf-8")
        return Response(302, body, "text/html; charset=utf-8", [("Location", self.portal_url)])

    def _json(self, status: int, value: Any) -> Response:
        """A JSON answer."""
        return Response(status, json_bytes(value))

    def _words_error(self, words: Words) -> Dict[str, str]:
        """The JSON error for refused input: the words in the device's language and their key."""
        return {"error": self._backend.catalogue.text(words), "code": words.key}

    def _error(self, status: int, key: str, headers: Optional[List[Tuple[str, str]]] = None) -> Response:
        """A JSON error answer: {"error": text in the device's language, "code": key}."""
        try:
            text = self._backend.catalogue.text(key)
        except Exception:
            text = str(Words.of(key))
        return Response(status, json_bytes({"error": text, "code": key}), headers=list(headers or []))

    def _serialize(self, response: Response, head_only: bool) -> bytes:
        """The answer's bytes: status line, headers (the security ones on every answer), body."""
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            ("Connection", "close"),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", page_policy(response.nonce)),
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
            *response.headers,
        ]
        head = f"HTTP/1.1 {response.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        return head.encode("latin-1") + (b"" if head_only else response.body)
