"""Who may ask the setup page what: the network its stations come from, the connections one station may hold, the
no-JavaScript form's per-page token, the portal's own Origin, and the wait after a station's failed join."""
import base64
import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from typing import Any, Callable, Dict, Optional, Union

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

TOKEN_NONCE_BYTES = 16
TOKEN_MAC_BYTES = 16


def default_network(address: str) -> IPNetwork:
    """The stations a server bound to `address` serves: the hotspot address's /24 (an IPv6 address's /64), all of
    loopback for a loopback address, every address for an unspecified one (0.0.0.0, ::)."""
    bound = ipaddress.ip_address(address.strip("[]"))
    if bound.is_unspecified:
        return ipaddress.ip_network(f"{bound}/0")
    if bound.is_loopback:
        return ipaddress.ip_network("127.0.0.0/8" if bound.version == 4 else "::1/128")
    return ipaddress.ip_network(f"{bound}/{24 if bound.version == 4 else 64}", strict=False)


def peer_address(peer: Any) -> Optional[IPAddress]:
    """The address of an accepted socket's peer (an IPv4-mapped IPv6 address as the IPv4 one); None when it is none."""
    try:
        address = ipaddress.ip_address(peer[0] if isinstance(peer, tuple) else peer)
    except (ValueError, TypeError, IndexError):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class PeerSlots:
    """How many connections each peer address holds, at most `limit` each."""

    def __init__(self, limit: int):
        self._limit = limit
        self._held: Dict[str, int] = {}

    def take(self, peer: str) -> bool:
        """Count one more connection for `peer`; False (nothing counted) when it holds `limit` already."""
        held = self._held.get(peer, 0)
        if held >= self._limit:
            return False
        self._held[peer] = held + 1
        return True

    def give_back(self, peer: str) -> None:
        """One of `peer`'s connections closed."""
        held = self._held.get(peer, 0) - 1
        if held > 0:
            self._held[peer] = held
        else:
            self._held.pop(peer, None)


class FormTokens:
    """The form's per-page tokens: a random nonce and its MAC under this server's random key, bound to the peer
    address the page went to; nothing to store, so no flood of page loads can push a phone's token out."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def issue(self, peer: str) -> str:
        """A fresh token for a page going to `peer`."""
        nonce = secrets.token_urlsafe(TOKEN_NONCE_BYTES)
        return f"{nonce}.{self._mac(peer, nonce)}"

    def valid(self, peer: str, token: Any) -> bool:
        """True for a token this server issued to a page for `peer`."""
        if not isinstance(token, str) or token.count(".") != 1:
            return False
        nonce, mac = token.split(".")
        return bool(nonce) and hmac.compare_digest(mac, self._mac(peer, nonce))

    def _mac(self, peer: str, nonce: str) -> str:
        digest = hmac.new(self._key, f"{peer}|{nonce}".encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:TOKEN_MAC_BYTES]).decode("ascii").rstrip("=")


def portal_origin(portal_url: str) -> str:
    """The page's own Origin as a browser writes it: the portal's address without the trailing slash."""
    return portal_url.rstrip("/").lower()


def origin_allowed(origin: Optional[str], portal_url: str) -> bool:
    """True for a request naming no Origin or the portal's own (anything else, "null" too, is another site's)."""
    return origin is None or origin.strip().lower() == portal_origin(portal_url)


class JoinWaits:
    """The wait a station serves after its join failed: the server notes which peer started the join in flight and,
    on seeing the backend's status say "failed", starts that peer's wait (from then: the failure's own moment is
    the backend's to know; this is never earlier)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self._seconds = seconds
        self._clock = clock
        self._joiner: Optional[str] = None
        self._failed_at: Dict[str, float] = {}

    def started(self, peer: str) -> None:
        """`peer`'s join is in flight."""
        self._joiner = peer

    def observe(self, status: Dict[str, Any]) -> None:
        """The backend's status now: a join that is no longer in flight ended; a failed one starts its peer's wait."""
        state = status.get("state")
        if self._joiner is None or state == "connecting":
            return
        if state == "failed":
            self._failed_at[self._joiner] = self._clock()
        self._joiner = None

    def left(self, peer: str) -> float:
        """Seconds `peer` must still wait before its next join (0 when none)."""
        now = self._clock()
        for gone in [p for p, at in self._failed_at.items() if now - at >= self._seconds]:
            del self._failed_at[gone]
        at = self._failed_at.get(peer)
        return 0.0 if at is None else max(0.0, self._seconds - (now - at))


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds, rounded up."""
    return str(max(1, math.ceil(seconds)))
