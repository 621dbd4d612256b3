"""Concurrency over a real ovos-messagebus: 16 clients register, activate, end and deregister at once."""
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Tuple


from ovos_PHAL_plugin_wifi_setup import topics as t
from robust_support import LivePlugin, SessionTracker, capture_logs, check_plugin, is_uuid4
from stack import BusRecorder, Messagebus, StackHome

CLIENTS = 16
LOOPS = 8
WAIT = 30.0  # generous: a reply that takes this long is lost, not slow
RUN_BOUND = 150.0  # the whole run must end within this, or something is deadlocked
# Operations of the last run, for the README's figures.
FIGURES: Dict[str, int] = {}


class HammerClient(threading.Thread):
    """One network client on its own bus connection, going through its whole life LOOPS times."""

    def __init__(self, port: int, index: int):
        super().__init__(name=f"hammer-{index}", daemon=True)
        self.name_on_bus = f"hammer-{index}-{'é' * (index % 3)}"
        self.bus = BusRecorder(port)
        self.requests: List[Tuple[str, str, Tuple[str, ...]]] = []  # (tag, topic, reply topics)
        self.ids: List[str] = []
        self.errors: List[str] = []
        self.operations = 0

    def request(self, topic: str, data: Dict[str, Any], replies: Tuple[str, ...]) -> Any:
        """Send one tagged request and wait for its reply (one of replies) when replies are given."""
        tag = f"{self.name_on_bus}/{uuid.uuid4()}"
        since = self.bus.mark()
        self.operations += 1
        self.bus.emit(topic, data, {"tag": tag})
        if not replies:
            return None
        self.requests.append((tag, topic, replies))
        return self.bus.wait_for(replies[0], WAIT, since=since,
                                 where=lambda m: m.msg_type in replies and m.context.get("tag") == tag)

    def run(self) -> None:
        """Register (twice on odd loops: idempotent), activate, end the session, deregister."""
        try:
            for loop in range(LOOPS):
                record = {t.K_CLIENT: self.name_on_bus, t.K_TYPE: t.TYPE_REMOTE,
                          t.K_DISPLAY_TEXT: f"Hammer {loop}", t.K_REQUIRES_INPUT: True}
                reply = self.request(t.REGISTER_CLIENT, record, (t.CLIENT_REGISTERED,))
                client_id = reply.data[t.K_ID]
                if loop % 2:
                    again = self.request(t.REGISTER_CLIENT, record, (t.CLIENT_REGISTERED,))
                    if again.data[t.K_ID] != client_id:
                        self.errors.append(f"re-registration changed the id {client_id} -> {again.data[t.K_ID]}")
                self.ids.append(client_id)
                since = self.bus.mark()
                self.request(t.SET_ACTIVE_CLIENT, {t.K_REQ_CLIENT: self.name_on_bus, t.K_REQ_ID: client_id}, ())
                self.bus.wait_for(t.activate_topic(client_id), WAIT, since=since)
                self.request(t.REMOVE_ACTIVE_CLIENT, {t.K_ID_LONG: client_id}, ())
                self.request(t.DEREGISTER_CLIENT, {t.K_ID_LONG: client_id}, (t.CLIENT_DEREGISTERED,))
        except Exception as e:  # the thread boundary: the test reads errors
            self.errors.append(f"{type(e).__name__}: {e}")


def test_sixteen_clients_at_once_lose_nothing(tmp_path: Path, monkeypatch: Any) -> None:
    """16 clients hammer the plugin while status is polled: every request gets exactly one reply, no
    registration is lost or doubled, sessions never overlap, every session ends, and the run ends in its bound."""
    log = capture_logs(monkeypatch)
    home = StackHome.create(tmp_path)
    with Messagebus(home):
        observer = BusRecorder(home.port).connect()
        live = LivePlugin(home.port, {"gui": "never", "enable_watchdog": False, "verify_timeout": 3600,
                                      "state_file": str(tmp_path / "state.json"),
                                      "network_tests": {"web_url": f"http://127.0.0.1:{_closed_port()}/"}})
        clients = [HammerClient(home.port, n) for n in range(CLIENTS)]
        for client in clients:
            client.bus.connect()
        polls: List[dict] = []
        poll_errors: List[str] = []
        stop = threading.Event()

        def poll() -> None:
            """Ask for status over and over; every answer must be a consistent picture."""
            while not stop.is_set():
                try:
                    answer = observer.request(t.STATUS, t.STATUS_RESPONSE, timeout=WAIT).data
                    names = [c[t.K_CLIENT] for c in answer["clients"]]
                    assert len(names) == len(set(names)), f"a name twice: {names}"
                    assert all(is_uuid4(c[t.K_ID]) for c in answer["clients"])
                    active = answer["active_client"]
                    assert active is None or active in answer["clients"], active
                    polls.append(answer)
                    check_plugin(live.plugin)
                except Exception as e:  # the thread boundary: the test reads poll_errors
                    poll_errors.append(f"{type(e).__name__}: {e}")
                    return

        poller = threading.Thread(target=poll, daemon=True)
        started = time.monotonic()
        poller.start()
        for client in clients:
            client.start()
        for client in clients:
            client.join(max(0.0, RUN_BOUND - (time.monotonic() - started)))
        elapsed = time.monotonic() - started
        stop.set()
        poller.join(WAIT)
        assert not [c.name for c in clients if c.is_alive()], f"clients still running after {RUN_BOUND} s"
        time.sleep(0.5)  # a duplicate reply would arrive about now
        final = observer.request(t.STATUS, t.STATUS_RESPONSE).data

        errors = [f"{c.name_on_bus}: {e}" for c in clients for e in c.errors] + poll_errors
        assert not errors, errors
        for client in clients:
            for tag, topic, replies in client.requests:
                got = [m for m in observer.messages() if m.msg_type in replies and m.context.get("tag") == tag]
                assert len(got) == 1, f"{topic} {tag} got {len(got)} replies"
        topics = Counter(observer.topics())
        all_ids = [cid for c in clients for cid in c.ids]
        assert len(all_ids) == len(set(all_ids)) == CLIENTS * LOOPS, "an id was issued twice"
        for client_id in all_ids:
            assert topics[t.activate_topic(client_id)] == 1, client_id
            assert topics[t.deactivate_topic(client_id)] == 1, f"session of {client_id} ended {topics[t.deactivate_topic(client_id)]} times"
        sessions = SessionTracker()
        for topic in observer.topics():
            sessions.feed(topic)
        assert sessions.open == [] and final["clients"] == [] and final["active_client"] is None
        assert topics[t.ACTIVATION_FAILURE] == 0 and topics[t.DEREGISTRATION_FAILURE] == 0
        assert not log.escaped(), log.escaped()
        FIGURES.update(operations=sum(c.operations for c in clients), polls=len(polls), seconds=int(elapsed))
        print(f"\nhammered: {FIGURES['operations']} operations by {CLIENTS} clients and {len(polls)} status "
              f"polls in {elapsed:.1f} s")
        for client in clients:
            client.bus.close()
        live.close()
        observer.close()


def _closed_port() -> int:
    """A loopback port nobody listens on, for the plugin's own check."""
    from stack import free_port
    return free_port()
