"""The setup page a phone opens on the device's own Wi-Fi network, and its small JSON API; asyncio streams, HTTP/1.1
by h11.

One request per connection (every answer says `Connection: close`), each bounded: the request line and headers at
most 8 KiB within `head_timeout`, a body at most `max_body` bytes with a Content-Length (no chunked bodies), the whole
request within `request_timeout`, at most `max_connections` connections at once and `max_per_peer` from one peer
address (more are closed unanswered). Only peers in `allowed_network` (by default the bind address's /24) are
served; any other is closed at once. The server answers the page (GET /), the form the page posts without
JavaScript (POST /connect), the API under /api/, and a redirect to the page for anything else (captive-portal
probes, other hosts). Every network name is escaped, and a password is never written into a page, an answer or a
log line.

A connect is taken only as the page sends it (guard.py): POST /api/connect as application/json with no Origin or the
portal's own, POST /connect with the per-page token of a page this peer was given; and a peer whose join failed waits
`failed_join_wait` seconds before its next (429). On an open setup network the backend also wants the code the device
said (presence.py): the page has a code field then, and a connect without the right code is a 403 that starts nothing.

HTTP/1.1 is h11's, read and written by exchange.py (HttpExchange): the bounds above on the request's head and body,
the page's stricter rules; this module has the connections, the guards and the routes.

The page itself is files (page/), rendered by render.py with the standard library's string.Template and html.escape
on every text value: `$name` placeholders and no logic in the files, so that nothing reaches the markup unescaped
but the markup render.py makes itself, with no template engine to install.
"""
import asyncio
import errno
import ipaddress
import json
import secrets
import socket
from typing import Any, Dict, List, Optional, Protocol, Set, Tuple, Union
from urllib.parse import parse_qs

from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue, Words
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.exchange import (READ_CHUNK, ClientGone, HttpError, HttpExchange,
                                                                Request, Response)
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.guard import (FormTokens, IPNetwork, JoinWaits, PeerSlots,
                                                             default_network, origin_allowed, peer_address,
                                                             retry_after)
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.presence import CodeRefused
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.render import render_page, render_redirect, shaped_networks
from ovos_PHAL_plugin_wifi_setup.methods.networks import Busy, Refused

BACKLOG = 64
ACCEPT_RETRY_SECONDS = 0.5     # after running out of file descriptors
LINGER_SECONDS = 1.0           # after answering, how long unread input is drained before closing
LINGER_BYTES = 65536
MAX_FORM_FIELDS = 16

# Paths the page's own API answers, and the methods each takes (HEAD goes with GET).
API_METHODS = {"/api/networks": ("GET", "HEAD"), "/api/status": ("GET", "HEAD"), "/api/connect": ("POST",),
               "/api/rescan": ("POST",)}
PAGE_METHODS = {"/": ("GET", "HEAD"), "/connect": ("POST",)}
FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


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

    @property
    def needs_code(self) -> bool:
        """True when a connect must carry the code the device said (the page then asks for it)."""
        ...

    def connect(self, ssid: Any, password: Any, code: Any = None, hidden: bool = False, security: Any = None) -> None:
        """Start joining a network (a listed one, or with `hidden` the one named, of `security`) and return at once;
        raise presence.CodeRefused for a missing or wrong code (403), networks.Refused for bad input (400),
        networks.Busy while a join is in flight (409); never log the password or the code."""
        ...

    def rescan(self) -> float:
        """Start a fresh scan (the new list at networks() once done) and return 0.0, or the seconds to wait before
        the next one; raise networks.Busy while a join is in flight."""
        ...



def json_bytes(value: Any) -> bytes:
    """A JSON answer body (UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def media_type(request: "Request") -> str:
    """The request's Content-Type without its parameters, in lower case ("" when it names none)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def encodable(value: Any) -> bool:
    """False for a string that has no UTF-8 form (a lone surrogate, which JSON's \\u escapes can carry)."""
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --------------------------------------------------------------------------------------------- the server
class SetupServer:
    """The setup page and API on one address and port: a listening socket served on the running asyncio loop,
    bounded in every dimension."""

    def __init__(self, backend: Backend, address: str, port: int, *, max_body: int = 4096,
                 request_timeout: float = 10.0, max_connections: int = 32, max_per_peer: int = 8,
                 head_timeout: float = 5.0, failed_join_wait: float = 10.0,
                 allowed_network: Optional[Union[str, IPNetwork]] = None):
        self._backend = backend
        self._allowed = (default_network(address) if allowed_network is None
                         else ipaddress.ip_network(allowed_network, strict=False))
        self._head_timeout = head_timeout
        self._peers = PeerSlots(max_per_peer)
        self._tokens = FormTokens()
        self._waits = JoinWaits(failed_join_wait)
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
        """Take each new connection: one task for it, or closed at once from a peer outside the allowed network,
        when max_connections are open, or when its peer holds max_per_peer."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                sock, peer = await loop.sock_accept(listener)
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    LOG.warning(f"setup page: cannot accept a connection now ({e.strerror})")
                    await asyncio.sleep(ACCEPT_RETRY_SECONDS)
                    continue
                if e.errno in (errno.ECONNABORTED, errno.EPROTO, errno.EINTR):
                    continue
                LOG.error(f"setup page: the listener failed ({e.strerror}); no more connections are taken")
                return
            address = peer_address(peer)
            if address is None or address not in self._allowed or len(self._tasks) >= self._max_connections:
                sock.close()
                continue
            who = str(address)
            if not self._peers.take(who):
                sock.close()
                continue
            sock.setblocking(False)
            self._sockets.add(sock)
            task = loop.create_task(self._serve(sock, who))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(lambda _, who=who: self._peers.give_back(who))

    async def _serve(self, sock: socket.socket, peer: str) -> None:
        """Answer the one request of an accepted connection, then close it."""
        self._sockets.discard(sock)
        try:
            reader, writer = await asyncio.open_connection(sock=sock, limit=2 * READ_CHUNK)
        except OSError:
            sock.close()
            return
        self._writers.add(writer)
        try:
            await self._exchange(reader, writer, peer)
        except (OSError, ClientGone):
            pass  # the client went away mid-answer
        except asyncio.TimeoutError:
            LOG.debug("setup page: a client did not read its answer in time")
        except Exception as e:
            LOG.error(f"setup page: a connection failed ({type(e).__name__})")
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str) -> None:
        """Read the request within the times allowed, answer it, drain what the client still sends, close."""
        exchange = HttpExchange(reader, writer, self._max_body)
        try:
            head_timeout = min(self._head_timeout, self._request_timeout)
            request = await asyncio.wait_for(exchange.read(head_timeout), self._request_timeout)
        except asyncio.TimeoutError:
            response = self._error(408, "error_request_timeout")
        except HttpError as e:
            response = self._error(e.status, e.key)
        else:
            request.peer = peer
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
            if path == "/api/rescan":
                return self._api_rescan(request)
            return self._api_connect(request)
        allowed = PAGE_METHODS.get(path)
        if allowed is None:
            return self._redirect()
        if method not in allowed:
            return self._error(405, "error_request_invalid", [("Allow", ", ".join(allowed))])
        if path == "/":
            return self._page(request, 200)
        return self._form_connect(request)

    def _status(self) -> Dict[str, Any]:
        """The backend's status, as a JSON object."""
        status = self._backend.status()
        status = dict(status) if isinstance(status, dict) else {"state": "waiting"}
        self._waits.observe(status)
        return status

    def _api_connect(self, request: Request) -> Response:
        """POST /api/connect {ssid, password, code, hidden?, security?} (`hidden: true` with a security word for a
        network not in the list): 202 {state: connecting, ssid}, or the refusal: 403 from another
        site or without the open network's code, 415 for a body not sent as JSON, 429 while the peer waits after its
        failed join."""
        if not origin_allowed(request.headers.get("origin"), self.portal_url):
            return self._error(403, "error_request_origin")
        if media_type(request) != JSON_TYPE:
            return self._error(415, "error_request_type")
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return self._error(400, "error_request_invalid")
        if not isinstance(data, dict) or not all(encodable(data.get(k)) for k in ("ssid", "password", "code",
                                                                                   "security")):
            return self._error(400, "error_request_invalid")
        if not isinstance(data.get("hidden", False), bool):  # 1 == True, "true": not the page's flag
            return self._error(400, "error_request_invalid")
        wait = self._wait_left(request.peer)
        if wait:
            return self._error(429, "error_request_too_soon", [("Retry-After", wait)])
        refused = self._connect(request.peer, data.get("ssid"), data.get("password"), data.get("code"),
                                data.get("hidden") is True, data.get("security"))
        if refused is not None:
            status = 403 if isinstance(refused, CodeRefused) else 409 if isinstance(refused, Busy) else 400
            return self._json(status, self._words_error(refused.words))
        return self._json(202, {"state": "connecting", "ssid": data.get("ssid")})

    def _api_rescan(self, request: Request) -> Response:
        """POST /api/rescan (JSON, as a connect: no other site's): 202 {"state": "scanning"}, the new list at
        /api/networks once /api/status no longer says "scanning"; 429 with Retry-After too soon after the last one,
        409 while a join is in flight."""
        if not origin_allowed(request.headers.get("origin"), self.portal_url):
            return self._error(403, "error_request_origin")
        if media_type(request) != JSON_TYPE:
            return self._error(415, "error_request_type")
        try:
            wait = self._backend.rescan()
        except Busy as e:
            return self._json(409, self._words_error(e.words))
        if wait > 0:
            return self._error(429, "error_rescan_too_soon", [("Retry-After", retry_after(wait))])
        return self._json(202, {"state": "scanning"})

    def _form_connect(self, request: Request) -> Response:
        """POST /connect, the page's form without JavaScript: 303 to the page, or the page with the refusal (403
        without this peer's page token or the open network's code, 429 while the peer waits after its failed
        join)."""
        text = self._backend.catalogue.text
        if media_type(request) != FORM_TYPE:
            return self._page(request, 400, error=text("error_request_invalid"))
        try:
            fields = parse_qs(request.body.decode("ascii"), keep_blank_values=True, strict_parsing=False,
                              encoding="utf-8", errors="strict", max_num_fields=MAX_FORM_FIELDS)
        except (UnicodeDecodeError, ValueError):
            return self._page(request, 400, error=text("error_request_invalid"))
        if any(len(values) > 1 for values in fields.values()):
            return self._page(request, 400, error=text("error_request_invalid"))
        ssid = fields.get("ssid", [None])[0]
        picked = ssid if isinstance(ssid, str) else None
        if not self._tokens.valid(request.peer, fields.get("token", [None])[0]):
            return self._page(request, 403, error=text("error_request_token"), picked=picked)
        wait = self._wait_left(request.peer)
        if wait:
            page = self._page(request, 429, error=text("error_request_too_soon"), picked=picked)
            page.headers.append(("Retry-After", wait))
            return page
        # "Other network" is the radio of no SSID, with the name and the security typed beside it.
        hidden = ssid == "" and "hidden_ssid" in fields
        refused = self._connect(request.peer, fields["hidden_ssid"][0] if hidden else ssid,
                                fields.get("password", [None])[0], fields.get("code", [None])[0], hidden,
                                fields.get("security", [None])[0])
        if refused is not None and not isinstance(refused, Busy):
            status = 403 if isinstance(refused, CodeRefused) else 400
            other = {"ssid": fields["hidden_ssid"][0], "security": fields.get("security", [None])[0]} if hidden \
                else None
            return self._page(request, status, error=text(refused.words), picked=picked, other=other)
        # Busy too: the page shows the join in flight
        return Response(303, b"", "text/plain; charset=utf-8", [("Location", "/")])

    def _wait_left(self, peer: str) -> Optional[str]:
        """The Retry-After while `peer` waits after its failed join (the backend's status read first, so that a
        failure not yet seen starts its wait), else None."""
        self._status()
        left = self._waits.left(peer)
        return retry_after(left) if left > 0 else None

    def _connect(self, peer: str, ssid: Any, password: Any, code: Any, hidden: bool = False,
                 security: Any = None) -> Optional[Refused]:
        """Hand the request to the backend (a listed network, or `hidden` the one named with its `security`); its
        refusal, or None when the join started (as `peer`'s)."""
        try:
            if hidden:
                self._backend.connect(ssid, password, code, hidden=True, security=security)
            else:
                self._backend.connect(ssid, password, code)
        except Refused as e:
            return e
        self._waits.started(peer)
        return None

    def _page(self, request: Request, status: int, error: Optional[str] = None,
              picked: Optional[str] = None, other: Optional[Dict[str, Any]] = None) -> Response:
        """The page, rendered for the backend's state now, its form's token for the request's peer (`other`: what a
        refused "Other network" form typed, never its password)."""
        nonce = secrets.token_urlsafe(16)
        page = render_page(self._backend.catalogue, self._status(), shaped_networks(self._backend.networks()),
                           nonce, error=error, picked=picked, token=self._tokens.issue(request.peer),
                           code=self._backend.needs_code, other=other)
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
