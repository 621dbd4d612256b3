"""HTTP/1.1 for the setup page by h11: one connection's request, read within the page's bounds, and its one
answer.

h11 is a small, well-kept sans-I/O parser and writer in pure Python: it reads the request line, the headers and the
body its Content-Length frames, and writes every answer (HttpExchange feeds it the socket's bytes). This module adds
what h11 leaves to a server: the head within 8 KiB and its own time, the body within `max_body`, the page's stricter
rules (methods in capitals, HTTP/1.0 and 1.1 only, no transfer coding at all). h11's own rules stand too: an HTTP/1.1
request names its Host (400 without one), and a second Content-Length must equal the first (400 otherwise).
"""
import asyncio
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote, urlsplit

import h11

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.render import page_policy

MAX_HEAD_BYTES = 8192          # request line and headers together
HEAD_LIMIT = MAX_HEAD_BYTES + len(b"\r\n\r\n")  # what h11 is given, at most, before the head must be complete
READ_CHUNK = 4096

METHOD = re.compile(r"[A-Z]{1,16}")
DIGITS = re.compile(r"[0-9]{1,12}")
VERSIONS = (b"1.0", b"1.1")
# Headers a request may have once: a second is refused (h11 itself refuses a second Host and a Content-Length
# that differs from the first; an equal one it takes as one).
SINGLE_HEADERS = ("content-type",)
# h11's hints for what it refuses, as the page answers them: 501 is a transfer coding other than chunked, and the
# page takes none at all (411, as for chunked).
H11_REFUSALS = {431: (431, "error_request_too_large"), 501: (411, "error_request_invalid")}


@dataclass
class Request:
    """One parsed request: what the routes need of it."""

    method: str
    path: str                    # percent-decoded, without the query
    host: Optional[str]          # the Host's name (lower case, no port), None when the request names none
    headers: Dict[str, str]      # names in lower case
    body: bytes = field(default=b"", repr=False)  # a connect's body holds the Wi-Fi password: never in a repr
    peer: str = ""               # the peer's address, as the server counts it


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

    async def read(self, head_timeout: float) -> Request:
        """The whole request, its head within `head_timeout` seconds (408 after); HttpError for one the page
        refuses before a route sees it, ClientGone when the client closes its side first."""
        try:
            head = await asyncio.wait_for(self._head(), head_timeout)
        except asyncio.TimeoutError:
            raise HttpError(408, "error_request_timeout") from None
        request = self._request(head)
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
