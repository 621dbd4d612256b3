"""The own internet check against loopback servers: answers, portals, closed ports, silence, slowness, cancel."""
import threading
import time
from typing import Any

from loopback import CLOSED_URL
from ovos_PHAL_plugin_wifi_setup.probe import Cancel, check_urls, http_ok, internet_reachable


def test_online_answer(check_server: Any) -> None:
    """A 200 with the expected text is online."""
    assert http_ok(check_server.url, 2, "NetworkManager is online")
    assert check_server.requests == 1


def test_captive_portal_text_mismatch(check_server: Any) -> None:
    """A 200 without the expected text (a captive portal's login page) is not online."""
    check_server.body = "<html>Please log in</html>"
    assert not http_ok(check_server.url, 2, "NetworkManager is online")
    assert http_ok(check_server.url, 2)


def test_error_status_is_offline(check_server: Any) -> None:
    """A 5xx or a redirect is not online."""
    check_server.status = 503
    assert not http_ok(check_server.url, 2)
    check_server.status = 302
    assert not http_ok(check_server.url, 2)


def test_closed_port_is_offline() -> None:
    """Connection refused is offline, at once."""
    assert not http_ok(CLOSED_URL, 2)


def test_silence_ends_by_the_timeout(silent_listener: Any) -> None:
    """A listener that never answers costs the timeout, not more."""
    started = time.monotonic()
    assert not http_ok(silent_listener.url, 0.3)
    assert time.monotonic() - started < 2  # generous bound around the 0.3 s timeout


def test_slow_answer_past_the_timeout_is_offline(check_server: Any) -> None:
    """An answer that comes after the deadline does not count."""
    check_server.delay = 1.0
    assert not http_ok(check_server.url, 0.3)


def test_cancel_wakes_a_blocked_check(silent_listener: Any) -> None:
    """cancel() from another thread ends a check blocked on a silent server at once."""
    cancel = Cancel()
    result: list = []
    worker = threading.Thread(target=lambda: result.append(internet_reachable([(silent_listener.url, None)], 30,
                                                                              cancel)))
    worker.start()
    deadline = time.monotonic() + 5
    while not silent_listener.accepted and time.monotonic() < deadline:
        time.sleep(0.01)
    cancel.cancel()
    worker.join(timeout=2)
    assert not worker.is_alive() and result == [False]


def test_non_http_urls_are_skipped() -> None:
    """Only http(s) urls are tried; others are refused without I/O."""
    assert not http_ok("ftp://127.0.0.1/x", 1)
    assert not http_ok("not a url", 1)


def test_check_urls_from_network_tests(check_server: Any) -> None:
    """web_url and web_url_secondary are tried in order; the portal text applies to the portal url only."""
    targets = check_urls({"web_url": "http://a/", "web_url_secondary": "http://b/", "captive_portal_url": "http://a/",
                          "captive_portal_text": "ok", "dns_primary": "1.1.1.1"})
    assert targets == (("http://a/", "ok"), ("http://b/", None))
    assert check_urls({}) == ()
    assert internet_reachable([(CLOSED_URL, None), (check_server.url, None)], 2)
