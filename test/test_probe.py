"""The own internet check against loopback servers and a stand-in nameserver: answers, portals, closed ports,
silence, slowness, cancel, name lookup, and one deadline for all of it."""
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest
from dns_standin import TYPE_A, TYPE_AAAA, NameserverStandIn, Query, addresses, reply
from hypothesis import given, settings
from hypothesis import strategies as st
from loopback import CLOSED_URL, CheckServer, HangingListener, SilentListener, on_one_port

from ovos_PHAL_plugin_wifi_setup.manager import resolver
from ovos_PHAL_plugin_wifi_setup.manager.probe import Cancel, check_urls, http_ok, internet_reachable, resolve
from ovos_PHAL_plugin_wifi_setup.manager.scheduler import Scheduler
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings
from ovos_PHAL_plugin_wifi_setup.manager.watchdog import OwnChecks


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


# ---------------------------------------------------------------------- the whole check within one deadline
# Regression: names went to socket.getaddrinfo (neither bounded nor cancellable) and every resolved address got
# the full timeout, so a check could take several times check_timeout and shutdown() left its thread behind.
NAME = "check.wifi-setup.test"  # .test is reserved: no real nameserver could answer it anyway


class Tripwire:
    """The nameserver the module defaults point at during these tests: any query to it is a test gone astray,
    unless the test says it means to use the defaults."""

    def __init__(self, standin: NameserverStandIn, hosts_file: str):
        self.standin = standin
        self.hosts_file = hosts_file
        self.expected = False


@pytest.fixture(autouse=True)
def default_sources(tmp_path: Path, monkeypatch: Any) -> Iterator[Tripwire]:
    """Point the module's default hosts file, resolv.conf and DNS port at files and a stand-in of the test's
    own, so a lookup that forgets to inject its sources reaches no real nameserver; fail the test if one did."""
    standin = NameserverStandIn()
    hosts = tmp_path / "default-hosts"
    hosts.write_text("127.0.0.1 default-hosts-file.test\n")
    resolv = tmp_path / "default-resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    monkeypatch.setattr(resolver, "HOSTS_FILE", str(hosts))
    monkeypatch.setattr(resolver, "RESOLV_CONF", str(resolv))
    monkeypatch.setattr(resolver, "DNS_PORT", standin.address[1])
    tripwire = Tripwire(standin, str(hosts))
    yield tripwire
    standin.close()
    assert tripwire.expected or not standin.queries, f"a lookup used the default sources: {standin.queries}"


@pytest.fixture
def nameserver() -> Iterator[NameserverStandIn]:
    """A stand-in nameserver on 127.0.0.1 that answers nothing until told how."""
    standin = NameserverStandIn()
    yield standin
    standin.close()


@pytest.fixture
def no_hosts(tmp_path: Path) -> str:
    """An empty hosts file, so names go to the nameserver."""
    path = tmp_path / "hosts"
    path.write_text("# nothing here\n")
    return str(path)


def in_thread(call: Callable[[], Any]) -> "tuple[threading.Thread, list]":
    """Run call on a thread; its result lands in the returned list."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    return worker, result


def test_a_silent_nameserver_ends_the_check_within_its_timeout(nameserver: NameserverStandIn, no_hosts: str) -> None:
    """A nameserver that never answers: the check is offline once its timeout is up, not later."""
    started = time.monotonic()
    assert not internet_reachable([(f"http://{NAME}/", None)], 0.5, hosts_file=no_hosts,
                                  nameservers=nameserver.nameservers)
    assert time.monotonic() - started < 0.5 + 2  # generous bound around the 0.5 s timeout
    assert {(q.name, q.qtype) for q in nameserver.queries} == {(NAME, TYPE_A), (NAME, TYPE_AAAA)}


def test_cancel_ends_a_check_blocked_in_name_lookup(nameserver: NameserverStandIn, no_hosts: str) -> None:
    """cancel() from another thread ends a check waiting on a silent nameserver at once, not at its timeout."""
    cancel = Cancel()
    worker, result = in_thread(lambda: internet_reachable([(f"http://{NAME}/", None)], 30, cancel,
                                                          hosts_file=no_hosts, nameservers=nameserver.nameservers))
    assert nameserver.received.wait(5)
    cancel.cancel()
    worker.join(timeout=2)
    assert not worker.is_alive() and result == [False]


def test_stop_ends_an_own_check_blocked_in_name_lookup_and_leaves_no_thread(default_sources: Tripwire) -> None:
    """OwnChecks.stop() (what shutdown() calls) while the check waits on a silent nameserver: no thread is left,
    and no answer is given. The check uses the module defaults, i.e. this test's stand-in."""
    default_sources.expected = True
    scheduler = Scheduler()
    answers: List[bool] = []
    checks = OwnChecks(Settings(check_timeout=30), scheduler, ((f"http://{NAME}/", None),), threading.RLock(),
                       lambda online, network: answers.append(online))
    runner = threading.Thread(target=scheduler.run, daemon=True)
    runner.start()
    try:
        checks.plan(0)
        assert default_sources.standin.received.wait(5)
        checks.stop()
        assert checks.thread is not None and not checks.thread.is_alive()
        assert answers == []
    finally:
        scheduler.stop()
        runner.join(timeout=2)


def test_a_name_the_nameserver_answers_reaches_the_server(check_server: Any, no_hosts: str) -> None:
    """A name the nameserver resolves to 127.0.0.1 reaches the check server by that name."""
    standin = NameserverStandIn(addresses({NAME: ["127.0.0.1"]}))
    try:
        url = check_server.url.replace("127.0.0.1", NAME)
        assert http_ok(url, 2, "NetworkManager is online", hosts_file=no_hosts, nameservers=standin.nameservers)
        assert check_server.requests == 1
        assert {q.qtype for q in standin.queries} == {TYPE_A, TYPE_AAAA}
    finally:
        standin.close()


def test_resolv_conf_names_the_nameservers(tmp_path: Path, no_hosts: str, monkeypatch: Any) -> None:
    """Without a nameserver list, resolv.conf's nameserver lines are asked (on DNS_PORT); other lines are not."""
    standin = NameserverStandIn(addresses({NAME: ["127.0.0.1"]}))
    try:
        monkeypatch.setattr(resolver, "DNS_PORT", standin.address[1])
        conf = tmp_path / "resolv.conf"
        conf.write_text("# written by dhcp\nsearch lan\nnameserver not-an-address\noptions ndots:1\n"
                        "nameserver 127.0.0.1\n")
        assert resolve(NAME, 2, hosts_file=no_hosts, resolv_conf=str(conf)) == ["127.0.0.1"]
        assert standin.queries
    finally:
        standin.close()


def test_defaults_are_the_module_paths_read_at_call_time(default_sources: Tripwire) -> None:
    """With no sources given, the lookup reads HOSTS_FILE, then RESOLV_CONF's nameservers on DNS_PORT, as they
    are when it runs: so a test that patches them (as default_sources does) keeps every lookup on loopback."""
    assert resolve("default-hosts-file.test", 1) == ["127.0.0.1"]
    assert not default_sources.standin.queries
    default_sources.expected = True
    assert resolve(NAME, 0.3) == []
    assert default_sources.standin.queries


def test_names_in_the_hosts_file_need_no_nameserver(check_server: Any, nameserver: NameserverStandIn,
                                                    tmp_path: Path) -> None:
    """localhost-like names listed in the hosts file resolve from it, case-insensitively, without DNS traffic."""
    hosts = tmp_path / "hosts"
    hosts.write_text("# static names\n127.0.0.1\tlocalhost Check-Box.lan  # this box\n::1 localhost ip6-localhost\n"
                     "not-an-address broken.lan\n")
    sources = {"hosts_file": str(hosts), "nameservers": nameserver.nameservers}
    assert resolve("LOCALHOST.", 1, **sources) == ["127.0.0.1", "::1"]
    assert http_ok(check_server.url.replace("127.0.0.1", "check-box.lan"), 2, **sources)
    assert check_server.requests == 1
    assert nameserver.queries == []


def test_ip_literals_need_no_lookup(nameserver: NameserverStandIn, no_hosts: str) -> None:
    """An address in the url is used as is: no hosts file, no nameserver."""
    assert resolve("127.0.0.1", 1, hosts_file=no_hosts, nameservers=nameserver.nameservers) == ["127.0.0.1"]
    assert resolve("::1", 1, hosts_file=no_hosts, nameservers=nameserver.nameservers) == ["::1"]
    assert nameserver.queries == []


def test_a_name_that_does_not_exist_is_offline_at_once(nameserver: NameserverStandIn, no_hosts: str) -> None:
    """NXDOMAIN ends the lookup; the check does not wait out its timeout."""
    nameserver.answer = addresses({})
    worker, result = in_thread(lambda: resolve("missing.test", 30, hosts_file=no_hosts,
                                               nameservers=nameserver.nameservers))
    worker.join(timeout=5)  # generous bound, far below the 30 s timeout
    assert not worker.is_alive() and result == [[]]


def test_an_a_answer_does_not_wait_for_a_missing_aaaa_answer(nameserver: NameserverStandIn, no_hosts: str) -> None:
    """A nameserver (or middlebox) that drops AAAA queries does not hold up the IPv4 answer until the timeout."""
    table = addresses({NAME: ["127.0.0.1"]})
    nameserver.answer = lambda query: table(query) if query.qtype == TYPE_A else []
    worker, result = in_thread(lambda: resolve(NAME, 30, hosts_file=no_hosts, nameservers=nameserver.nameservers))
    worker.join(timeout=5)  # generous bound, far below the 30 s timeout
    assert not worker.is_alive() and result == [["127.0.0.1"]]


def test_the_next_nameserver_answers_when_the_first_is_silent(nameserver: NameserverStandIn, no_hosts: str) -> None:
    """With a silent first nameserver, the second is asked within the same timeout and its answer used."""
    second = NameserverStandIn(addresses({NAME: ["127.0.0.1", "::1"]}))
    try:
        found = resolve(NAME, 3, hosts_file=no_hosts, nameservers=nameserver.nameservers + second.nameservers)
        assert found == ["127.0.0.1", "::1"]
        assert nameserver.queries and second.queries
    finally:
        second.close()


# ---------------------------------------------------------------------- several addresses, several targets
def hosts_file_for(tmp_path: Path, name: str, hosts: List[str]) -> str:
    """A hosts file giving name these addresses, in order."""
    path = tmp_path / "hosts"
    path.write_text("".join(f"{host} {name}\n" for host in hosts))
    return str(path)


BLACKHOLES = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]


def test_addresses_that_never_take_the_connection_share_one_timeout(tmp_path: Path,
                                                                    nameserver: NameserverStandIn) -> None:
    """Four addresses of one name that all drop the connection: the check is offline after its one timeout,
    not four of them."""
    listeners = on_one_port([lambda port, host=host: HangingListener(host, port) for host in BLACKHOLES])
    try:
        hosts = hosts_file_for(tmp_path, NAME, BLACKHOLES)
        started = time.monotonic()
        assert not http_ok(f"http://{NAME}:{listeners[0].port}/", 1.0, hosts_file=hosts,
                           nameservers=nameserver.nameservers)
        assert time.monotonic() - started < 1.0 + 1  # generous bound; a timeout per address would be 4 s
    finally:
        for listener in listeners:
            listener.close()


def test_a_live_address_after_dead_ones_is_reached_in_time(tmp_path: Path, nameserver: NameserverStandIn) -> None:
    """Two addresses that drop the connection, then one that answers: the check is online within its timeout."""
    makers = [lambda port: CheckServer(host="127.0.0.4", port=port),
              lambda port: HangingListener("127.0.0.2", port), lambda port: HangingListener("127.0.0.3", port)]
    server, *dead = on_one_port(makers)
    try:
        hosts = hosts_file_for(tmp_path, NAME, ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        assert http_ok(f"http://{NAME}:{server.port}/check", 3, hosts_file=hosts, nameservers=nameserver.nameservers)
        assert server.requests == 1
    finally:
        server.close()
        for listener in dead:
            listener.close()


def test_silent_listeners_behind_one_name_take_one_timeout(tmp_path: Path, nameserver: NameserverStandIn) -> None:
    """Addresses that take the connection and never answer: offline after the one timeout."""
    listeners = on_one_port([lambda port, host=host: SilentListener(host, port) for host in BLACKHOLES[:2]])
    try:
        hosts = hosts_file_for(tmp_path, NAME, BLACKHOLES[:2])
        started = time.monotonic()
        assert not http_ok(f"http://{NAME}:{listeners[0].port}/", 0.5, hosts_file=hosts,
                           nameservers=nameserver.nameservers)
        assert time.monotonic() - started < 0.5 + 2  # generous bound around the 0.5 s timeout
    finally:
        for listener in listeners:
            listener.close()


def test_targets_share_one_timeout() -> None:
    """Four urls that all drop the connection: the whole check ends after its one timeout, not one per url."""
    listeners = [HangingListener(host) for host in BLACKHOLES]
    try:
        started = time.monotonic()
        assert not internet_reachable([(listener.url, None) for listener in listeners], 1.0)
        assert time.monotonic() - started < 1.0 + 1  # generous bound; a timeout per url would be 4 s
    finally:
        for listener in listeners:
            listener.close()


def test_a_live_url_after_a_dead_one_is_reached_in_time(check_server: Any) -> None:
    """web_url drops the connection, web_url_secondary answers: online within the one timeout, since the urls
    share it rather than the first using it all."""
    dead = HangingListener("127.0.0.2")
    try:
        assert internet_reachable([(dead.url, None), (check_server.url, None)], 2)
        assert check_server.requests == 1
    finally:
        dead.close()


def test_cancel_ends_a_check_blocked_in_connect() -> None:
    """cancel() from another thread ends a check waiting for a connection that is never taken."""
    listener = HangingListener("127.0.0.2")
    cancel = Cancel()
    try:
        worker, result = in_thread(lambda: internet_reachable([(listener.url, None)], 30, cancel))
        time.sleep(0.2)  # let it reach connect(); cancelling earlier must end it too
        cancel.cancel()
        worker.join(timeout=2)
        assert not worker.is_alive() and result == [False]
    finally:
        listener.close()


# ---------------------------------------------------------------------- replies that must not count
def _bad_replies(query: Query) -> List[bytes]:
    """Replies to query that are each wrong in one way; all give 127.0.0.9 (::9 for AAAA) where they give one."""
    wrong = "::9" if query.qtype == TYPE_AAAA else "127.0.0.9"
    good = reply(query, [wrong])
    question_end = len(query.raw)
    record = good[question_end:]
    header = good[:12]
    return [
        b"", good[:11],  # no header
        reply(query, [wrong], qid=(query.qid + 1) % 65536),  # another id
        reply(query, [wrong], flags=0x0180),  # a query, not a reply
        reply(query, [wrong], flags=0x8380),  # truncated (TC): no TCP fallback, not used
        reply(query, [wrong], rcode=2),  # SERVFAIL
        good[:4] + b"\x00\x02" + good[6:],  # two questions
        header + b"\x05other\x04test\x00" + query.raw[-4:] + record,  # another question
        header[:6] + b"\x00\x02" + header[8:] + good[12:],  # more records than sent
        header[:6] + b"\x00\x41" + header[8:] + good[12:] + record * 64,  # too many records
        good[:question_end] + b"\xc0" + bytes([question_end]) + record[2:],  # pointer to itself
        good[:question_end] + b"\xc0\xff" + record[2:],  # pointer forward, out of the packet
        good[:question_end] + b"\x41\x00" + record[2:],  # unknown label type
        good[:-len(record) + 10] + (len(record) - 11).to_bytes(2, "big") + record[12:] + b"\x00",  # wrong size
        good[:question_end] + (b"\x3f" + b"a" * 63) * 5 + b"\x00" + record[2:],  # a name over 255 bytes
    ] + [good[:size] for size in range(12, len(good))]  # cut short anywhere


def test_malformed_replies_are_dropped_and_the_real_answer_used(nameserver: NameserverStandIn,
                                                                 no_hosts: str) -> None:
    """Cut-short, wrong-id, looping, over-long and otherwise malformed replies, each sent before the real one,
    are dropped without an exception: the address is the real reply's."""
    table = addresses({NAME: ["127.0.0.1"]})
    nameserver.answer = lambda query: _bad_replies(query) + list(table(query))
    assert resolve(NAME, 3, hosts_file=no_hosts, nameservers=nameserver.nameservers) == ["127.0.0.1"]


def test_replies_from_another_port_are_ignored(nameserver: NameserverStandIn, no_hosts: str) -> None:
    """A reply with the right id from a port that was not asked (a spoofing attempt) is not used."""
    nameserver.spoof = lambda query: [reply(query, ["127.0.0.9"] if query.qtype == TYPE_A else [])]
    nameserver.answer = addresses({NAME: ["127.0.0.1"]})
    assert resolve(NAME, 3, hosts_file=no_hosts, nameservers=nameserver.nameservers) == ["127.0.0.1"]


def test_only_malformed_replies_mean_offline_by_the_timeout(nameserver: NameserverStandIn, no_hosts: str) -> None:
    """Nothing but malformed replies: the name does not resolve and the check is offline, within its timeout."""
    nameserver.answer = _bad_replies
    started = time.monotonic()
    assert not http_ok(f"http://{NAME}/", 0.5, hosts_file=no_hosts, nameservers=nameserver.nameservers)
    assert time.monotonic() - started < 0.5 + 2  # generous bound around the 0.5 s timeout


def test_aliases_are_followed_within_one_reply(nameserver: NameserverStandIn, no_hosts: str) -> None:
    """A reply giving the name as an alias (CNAME) of another, and that one's address, resolves to it; a record
    for a name the alias does not lead to is not used."""
    def answer(query: Query) -> List[bytes]:
        if query.qtype != TYPE_A:
            return [reply(query)]
        base = reply(query)
        target = b"\x04real\xc0\x0c"  # real.<asked name>
        cname = b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c" + len(target).to_bytes(2, "big") + target
        alias_at = len(base) + 12
        a_real = b"\xc0" + bytes([alias_at]) + b"\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01"
        a_other = b"\x05other\x00\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x09"
        return [base[:6] + b"\x00\x03" + base[8:] + cname + a_real + a_other]
    nameserver.answer = answer
    assert resolve(NAME, 3, hosts_file=no_hosts, nameservers=nameserver.nameservers) == ["127.0.0.1"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_as_a_reply_give_a_clean_outcome(tail: bytes) -> None:
    """Whatever a reply holds after its id, parsing ends in a result or a dropped reply, never an exception."""
    lookup = resolver._Lookup(resolver._labels(NAME))
    lookup.sent[0x1234] = (resolver.TYPE_A, ("127.0.0.1", 53))
    lookup.take(b"\x12\x34" + tail, ("127.0.0.1", 53))
    assert all(isinstance(a, str) for a in lookup.addresses)
