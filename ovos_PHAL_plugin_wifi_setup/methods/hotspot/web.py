"""The setup page a phone opens on the device's own Wi-Fi network, and its small JSON API; asyncio streams, HTTP/1.1
by h11.

One request per connection (every answer says `Connection: close`), each bounded: the request line and headers at
most 8 KiB, a body at most `max_body` bytes with a Content-Length (no chunked bodies), the whole request within
`request_timeout`, at most `max_connections` connections at once (more are closed unanswered). The server answers
the page (GET /), the form the page posts without JavaScript (POST /connect), the API under /api/, and a redirect to
the page for anything else (captive-portal probes, other hosts). Every network name is escaped, and a password is
never written into a page, an answer or a log line.

HTTP/1.1 is h11's, a small, well-kept sans-I/O parser and writer in pure Python: it reads the request line, the
headers and the body its Content-Length frames, and writes every answer (HttpExchange feeds it the socket's bytes).
This module adds what h11 leaves to a server: the bounds above, the page's stricter rules (methods in capitals,
HTTP/1.0 and 1.1 only, no transfer coding at all), and the routes. h11's own rules stand too: an HTTP/1.1 request
names its Host (400 without one), and a second Content-Length must equal the first (400 otherwise).

The page itself is files (page/), rendered by render.py with the standard library's string.Template and html.escape
on every text value: `$name` placeholders and no logic in the files, so that nothing reaches the markup unescaped
but the markup render.py makes itself, with no template engine to install.
"""
import asyncio
import errno
import json
import re
import secrets
import socket
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Dict, List, Optional, Protocol, Set, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import h11

from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue, Words
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.render import (page_policy, render_page, render_redirect,
                                                              shaped_networks)
from ovos_PHAL_plugin_wifi_setup.methods.networks import Busy, Refused

MAX_HEAD_BYTES = 8192          # request line and headers together
HEAD_LIMIT = MAX_HEAD_BYTES + len(b"\r\n\r\n")  # what h11 is given, at most, before the head must be complete
BACKLOG = 64
ACCEPT_RETRY_SECONDS = 0.5     # after running out of file descriptors
READ_CHUNK = 4096
LINGER_SECONDS = 1.0           # after answering, how long unread input is drained before closing
LINGER_BYTES = 65536
MAX_FORM_FIELDS = 16

METHOD = re.compile(r"[A-Z]{1,16}")
DIGITS = re.compile(r"[0-9]{1,12}")
VERSIONS = (b"1.0", b"1.1")
# Headers a request may have once: a second is refused (h11 itself refuses a second Host and a Content-Length
# that differs from the first; an equal one it takes as one).
SINGLE_HEADERS = ("content-type",)
# h11's hints for what it refuses, as the page answers them: 501 is a transfer coding other than chunked, and the
# page takes none at all (411, as for chunked).
H11_REFUSALS = {431: (431, "error_request_too_large"), 501: (411, "error_request_invalid")}

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


# --------------------------------------------------------------------------------------------- HTTP by h11
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


class HttpExchange:
    """One connection's request and its one answer, framed by h11: the head within HEAD_LIMIT bytes, the body its
    Content-Length announces (at most `max_body`), a 100 Continue for a client that waits for one."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, max_body: int):
        self._reader = reader
        self._writer = writer
        self._max_body = max_body
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=HEAD_LIMIT)
        self.method: Optional[str] = None  # the request's, once h11 has read its head

    async def read(self) -> Request:
        """The whole request; HttpError for one the page refuses before a route sees it, ClientGone when the
        client closes its side first."""
        request = self._request(await self._head())
        self._check_body(request)
        body = bytearray()
        while True:
            event = self._next()
            if event is h11.NEED_DATA:
                if self._h11.they_are_waiting_for_100_continue:
                    self._writer.write(self._send(h11.InformationalResponse(status_code=100, headers=[],
                                                                            reason=b"Continue")))
                self._h11.receive_data(await self._receive())
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                request.body = bytes(body)
                return request
            else:  # h11 has nothing else for a request that is still arriving
                raise ClientGone()

    def answer(self, response: Response) -> bytes:
        """The answer's bytes, as h11 writes them: the status line, the headers (the security ones on every
        answer), the body (none for HEAD)."""
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
        data = self._send(h11.Response(status_code=response.status, headers=headers, reason=reason))
        if response.body and self.method != "HEAD":
            data += self._send(h11.Data(data=response.body))
        return data + self._send(h11.EndOfMessage())

    async def _head(self) -> h11.Request:
        """Give h11 what the client sends until it has the request line and headers: at most HEAD_LIMIT bytes
        (431 past them); what was read beyond them is given next, as the body's start."""
        fed = 0
        held = b""
        while True:
            event = self._next()
            if isinstance(event, h11.Request):
                if held:
                    self._h11.receive_data(held)
                self.method = event.method.decode("ascii")
                return event
            if event is not h11.NEED_DATA:  # h11 has nothing else before a request's head
                raise ClientGone()
            if fed >= HEAD_LIMIT:
                raise HttpError(431, "error_request_too_large")
            data = await self._receive()
            if not fed:
                data = data.lstrip(b"\r\n")  # empty lines before a request line are allowed (h11 refuses them)
            take, held = data[:HEAD_LIMIT - fed], data[HEAD_LIMIT - fed:]
            if take:  # h11 reads empty data as the end of the input
                self._h11.receive_data(take)
                fed += len(take)

    @staticmethod
    def _request(event: h11.Request) -> Request:
        """What the routes need of h11's request; HttpError(400) for what h11 takes and the page does not: a method
        not in capitals, an HTTP version but 1.0 or 1.1, a second Content-Type, a target neither a path nor an
        absolute http(s) URL."""
        method = event.method.decode("ascii")  # h11 took it as a token: ASCII
        if not METHOD.fullmatch(method) or event.http_version not in VERSIONS:
            raise HttpError(400, "error_request_invalid")
        headers: Dict[str, str] = {}
        for name, value in event.headers:  # names in lower case
            key, text = name.decode("ascii"), value.decode("latin-1")
            if key not in headers:
                headers[key] = text
            elif key in SINGLE_HEADERS:
                raise HttpError(400, "error_request_invalid")
            else:
                headers[key] += ", " + text
        target = event.target.decode("ascii")  # visible ASCII only, as h11 checked
        host = host_name(headers["host"]) if "host" in headers else None
        if target.startswith("/"):
            path = target.split("?", 1)[0]
        elif target.lower().startswith(("http://", "https://")):
            try:
                url = urlsplit(target)
            except ValueError:  # an authority that is no address, such as an unclosed "[" in it
                raise HttpError(400, "error_request_invalid") from None
            host, path = host_name(url.netloc.rpartition("@")[2]), url.path or "/"
        else:
            raise HttpError(400, "error_request_invalid")
        return Request(method=method, path=unquote(path, errors="replace"), host=host, headers=headers)

    def _check_body(self, request: Request) -> None:
        """HttpError for a body the page does not take: chunked (411), none announced for a POST (411), or one over
        max_body (413: not read). h11 has refused a malformed or conflicting Content-Length already."""
        if "transfer-encoding" in request.headers:
            raise HttpError(411, "error_request_invalid")
        length = request.headers.get("content-length")
        if length is None:
            if request.method == "POST":
                raise HttpError(411, "error_request_invalid")
        elif int(length) > self._max_body:
            raise HttpError(413, "error_request_too_large")

    def _next(self) -> Any:
        """h11's next event; HttpError for what it refuses (400 but for its hints in H11_REFUSALS)."""
        try:
            return self._h11.next_event()
        except h11.RemoteProtocolError as e:
            raise HttpError(*H11_REFUSALS.get(e.error_status_hint, (400, "error_request_invalid"))) from None

    def _send(self, event: Any) -> bytes:
        """The bytes h11 writes for one event of the answer."""
        return self._h11.send(event) or b""

    async def _receive(self) -> bytes:
        """The next bytes from the client; ClientGone at the end of its input."""
        chunk = await self._reader.read(READ_CHUNK)
        if not chunk:
            raise ClientGone()
        return chunk


# --------------------------------------------------------------------------------------------- the server
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
        except (OSError, ClientGone):
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
        exchange = HttpExchange(reader, writer, self._max_body)
        try:
            request = await asyncio.wait_for(exchange.read(), self._request_timeout)
        except asyncio.TimeoutError:
            response = self._error(408, "error_request_timeout")
        except HttpError as e:
            response = self._error(e.status, e.key)
        else:
            try:
                response = self._answer(request)
            except Exception as e:
                LOG.error(f"setup page: answering {request.method} {request.path[:80]!r} failed ({type(e).__name__})")
                response = self._error(500, "error_internal")
        writer.write(exchange.answer(response))
        await asyncio.wait_for(writer.drain(), self._request_timeout)
        await self._linger(reader, writer)

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
        body = render_redirect(self.portal_url).encode("utf-8")
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
