"""The `ovos-wifi-setup` command against a real ovos-messagebus: each command's output and exit code."""
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from loopback import LOOPBACK_NETWORK_TESTS

from stack import LOOPBACK, BIN_DIR, Messagebus, StackHome, free_port, wait_until

from ovos_PHAL_plugin_wifi_setup import topics

CLI = [sys.executable, "-m", "ovos_PHAL_plugin_wifi_setup"]
SCRIPT = [str(BIN_DIR / "ovos-wifi-setup")]
RUN_LIMIT = 60.0  # a generous wall for one command; the no-bus tests measure their own bound
REMOTE, ON_DEVICE = "cli-remote", "cli-on-device"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackHome]:
    """One real ovos-messagebus for the module, on a free loopback port named in mycroft.conf."""
    stack_home = StackHome.create(tmp_path_factory.mktemp("cli-stack"))
    with Messagebus(stack_home):
        yield stack_home


class Manager:
    """Our plugin and two kit clients on one real bus connection, as ovos-PHAL would hold them."""

    def __init__(self, port: int, state_file: Path) -> None:
        """Connect, load the plugin headless with the watchdog off, start both clients."""
        from ovos_bus_client import MessageBusClient

        from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
        from ovos_PHAL_plugin_wifi_setup.client import NetworkSetupClient

        self.bus = MessageBusClient(host=LOOPBACK, port=port)
        self.bus.run_in_thread()
        assert self.bus.connected_event.wait(30), "no connection to the test bus"
        self.plugin = WifiSetupPlugin(bus=self.bus, config={
            "enable_watchdog": False, "gui": "never", "activation_timeout": 0,
            "network_tests": LOOPBACK_NETWORK_TESTS, "state_file": str(state_file)})
        self.remote = NetworkSetupClient(self.bus, REMOTE, "Connect from your phone",
                                         client_type=topics.TYPE_REMOTE)
        self.on_device = NetworkSetupClient(self.bus, ON_DEVICE, "Set up on this screen",
                                            client_type=topics.TYPE_ON_DEVICE, has_gui=True, requires_input=True)
        try:
            self.remote.start()
            self.on_device.start()
            wait_until(lambda: len(self.plugin.status()["clients"]) == 2, 30, what="both clients registered")
        except BaseException:
            # A kit holds its name in this process until shut down: a failed start must not block later tests.
            self.close()
            raise

    def close(self) -> None:
        """Stop the clients, the plugin and the connection."""
        self.remote.shutdown()
        self.on_device.shutdown()
        self.plugin.shutdown()
        self.bus.close()


@pytest.fixture
def manager(home: StackHome, tmp_path: Path) -> Iterator[Manager]:
    """A fresh plugin per test, its kept choices in the test's own folder."""
    running = Manager(home.port, tmp_path / "state.json")
    yield running
    running.close()


def run(home: StackHome, *args: str, command: Optional[List[str]] = None) -> subprocess.CompletedProcess:
    """Run the command in the stack's environment (mycroft.conf names the bus)."""
    return subprocess.run((command or CLI) + list(args), env=home.env(), capture_output=True, text=True,
                          timeout=RUN_LIMIT, stdin=subprocess.DEVNULL)


def status_of(home: StackHome) -> Dict[str, Any]:
    """The plugin's status as `status --json` prints it."""
    done = run(home, "status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_clients_lists_every_registered_client(home: StackHome, manager: Manager) -> None:
    """`clients` prints a table with one row per client, its type and whether it needs input."""
    done = run(home, "clients")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["CLIENT", "TYPE", "INPUT"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {REMOTE, ON_DEVICE}
    assert "Remote" in rows[REMOTE] and "no input" in rows[REMOTE]
    assert "onDevice" in rows[ON_DEVICE] and "needs input" in rows[ON_DEVICE]
    assert '"Set up on this screen"' in rows[ON_DEVICE]


def test_clients_json_gives_the_records_in_both_spellings(home: StackHome, manager: Manager) -> None:
    """`clients --json` prints the plugin's records, ids included, for scripts."""
    done = run(home, "clients", "--json")
    assert done.returncode == 0, done.stderr
    records = {r["client"]: r for r in json.loads(done.stdout)}
    assert records[REMOTE]["id"] == records[REMOTE]["client_id"] == manager.remote.client_id
    assert records[ON_DEVICE]["client_plugin_requires_input"] is True


def test_status_reads_host_and_port_from_mycroft_conf(home: StackHome, manager: Manager) -> None:
    """`status` with no --host/--port finds the bus through mycroft.conf and shows state and clients."""
    done = run(home, "status")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"ws://{LOOPBACK}:{home.port}/core" in out
    assert "state:" in out and "idle" in out
    assert "active client: none" in out
    assert "clients (2):" in out


def test_launch_opens_a_round_and_status_shows_it(home: StackHome, manager: Manager) -> None:
    """`launch` sends user.activated: headless, the client that needs no input becomes active."""
    done = run(home, "launch", "--host", LOOPBACK, "--port", str(home.port), command=SCRIPT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "setup launched"
    status = status_of(home)
    assert status["in_setup"] is True and status["state"] == "active"
    assert status["active_client"]["client"] == REMOTE
    # The activation follows within registration_settle of the client's registration.
    wait_until(lambda: manager.remote.is_active, 10, what="the remote client active")
    again = run(home, "launch")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("setup already running (state: active)")


def test_select_hands_the_session_to_the_named_client(home: StackHome, manager: Manager) -> None:
    """`select NAME` resolves the id, the plugin activates that client, and the command says so."""
    done = run(home, "select", ON_DEVICE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{ON_DEVICE} activated"
    wait_until(lambda: manager.on_device.is_active, 10, what="the on-device client active")
    assert status_of(home)["active_client"]["id"] == manager.on_device.client_id


def test_select_the_client_already_in_session_says_so_and_exits_0(home: StackHome, manager: Manager) -> None:
    """`select NAME` for the client whose session runs prints "NAME already active" at once and exits 0;
    the session goes on untouched."""
    assert run(home, "launch").returncode == 0
    wait_until(lambda: manager.remote.is_active, 10, what="the remote client active")
    done = run(home, "select", REMOTE, "--timeout", "20")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{REMOTE} already active"
    assert done.stderr == ""
    status = status_of(home)
    assert status["state"] == "active" and status["active_client"]["id"] == manager.remote.client_id
    assert manager.remote.is_active and not manager.on_device.is_active


def test_select_passes_by_an_already_active_answer_about_another_client(home: StackHome) -> None:
    """An already-active answer naming another client's id is not taken for the selected client's outcome."""
    from stack import BusRecorder

    ours = {"client": "picked", "id": "11111111-1111-4111-8111-111111111111", "type": "Remote",
            "display_text": "Picked", "requires_input": False, "has_gui": False}
    other = dict(ours, client="other", id="22222222-2222-4222-8222-222222222222", display_text="Other")
    with BusRecorder(home.port) as responder:
        def clients(message: Any) -> None:
            """Answer the client list like the plugin."""
            responder.emit(topics.REGISTERED_CLIENTS, {"clients": [ours, other]})

        def select(message: Any) -> None:
            """First someone else's already-active answer, then our client's activation."""
            responder.emit(topics.CLIENT_ALREADY_ACTIVE,
                           {"client": other["client"], "id": other["id"], "client_id": other["id"]})
            responder.emit(topics.activate_topic(ours["id"]), {})

        responder.client.on(topics.GET_REGISTERED_CLIENTS, clients)
        responder.client.on(topics.CLIENT_SELECT, select)
        done = run(home, "select", "picked", "--timeout", "20")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "picked activated"


def test_select_an_unknown_name_fails_and_lists_the_known_ones(home: StackHome, manager: Manager) -> None:
    """`select` of a name nobody registered exits 1 and names the registered clients."""
    done = run(home, "select", "nobody")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "no client named 'nobody'" in done.stderr
    assert REMOTE in done.stderr and ON_DEVICE in done.stderr


def test_skip_ends_setup_for_now(home: StackHome, manager: Manager) -> None:
    """`skip` ("Connect later") ends the round and the plugin reports the skipped state."""
    assert run(home, "launch").returncode == 0
    done = run(home, "skip")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("setup skipped")
    status = status_of(home)
    assert status["state"] == "skipped" and status["in_setup"] is False
    wait_until(lambda: not manager.remote.is_active, 10, what="the remote client's session ended")


def test_never_turns_setup_off_until_launch(home: StackHome, manager: Manager) -> None:
    """`never` ("Never connect") switches the watchdog off; `launch` brings setup back."""
    done = run(home, "never")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("setup off for good")
    status = status_of(home)
    assert status["state"] == "never" and status["watchdog_active"] is False
    assert run(home, "launch").stdout.strip() == "setup launched"


def test_watch_prints_setup_messages_until_ctrl_c(home: StackHome, manager: Manager) -> None:
    """`watch` prints setup and connectivity messages, not others, and exits 0 on Ctrl-C."""
    from stack import BusRecorder

    watcher = subprocess.Popen(CLI + ["watch"], env=home.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, stdin=subprocess.DEVNULL)
    lines: List[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(watcher.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_until(lambda: any(line.startswith("watching") for line in lines), RUN_LIMIT, what="watch started")
        with BusRecorder(home.port) as probe:
            probe.emit("some.unrelated.topic")
            probe.emit(topics.INTERNET_DISCONNECTED)
            probe.emit(topics.USER_ACTIVATED)
            wait_until(lambda: any(topics.activate_topic(str(manager.remote.client_id)[:8]) in line
                                   for line in lines), 30, what="the activation in the watch output")
    finally:
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(RUN_LIMIT)
        reader.join(10)
    text = "".join(lines)
    assert code == 0, watcher.stderr.read()
    assert topics.INTERNET_DISCONNECTED in text
    assert topics.USER_ACTIVATED in text and topics.SETUP_LAUNCHED in text
    assert "some.unrelated.topic" not in text
    assert "Traceback" not in watcher.stderr.read()


def test_a_bus_without_the_plugin_is_reported(home: StackHome) -> None:
    """With a bus but no plugin on it, `status` exits 1 and says that the plugin did not answer."""
    done = run(home, "status", "--timeout", "1")
    assert done.returncode == 1
    assert done.stderr.strip().startswith("ovos-wifi-setup: no answer from the wifi-setup plugin within 1 s")


def test_no_bus_fails_fast_with_one_line(home: StackHome) -> None:
    """Nothing listening: one line on stderr, exit 2, long before the timeout and without a traceback."""
    started = time.monotonic()
    done = run(home, "clients", "--host", LOOPBACK, "--port", str(free_port()), "--timeout", "5")
    elapsed = time.monotonic() - started
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "no messagebus at ws://127.0.0.1:" in done.stderr and "connection refused" in done.stderr
    assert elapsed < 5 + 10  # generous: the bound is the timeout, plus interpreter start-up


def test_a_silent_listener_times_out_within_the_timeout(home: StackHome) -> None:
    """A port that accepts but never answers the handshake ends in exit 2 after --timeout, not the client's hang."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind((LOOPBACK, 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        started = time.monotonic()
        done = run(home, "status", "--port", str(port), "--timeout", "2", command=SCRIPT)
        elapsed = time.monotonic() - started
    assert done.returncode == 2
    expected = f"ovos-wifi-setup: no messagebus at ws://{LOOPBACK}:{port}/core (no answer within 2 s)"
    assert done.stderr.strip() == expected
    assert 2 <= elapsed < 2 + 10  # the wait is the timeout; the margin covers interpreter start-up


@pytest.mark.parametrize("value, says", [
    ("nan", "'nan' is not a positive, finite number of seconds"),
    ("inf", "'inf' is not a positive, finite number of seconds"),
    ("0", "'0' is not a positive, finite number of seconds"),
    ("-1", "'-1' is not a positive, finite number of seconds"),
    ("soon", "'soon' is not a number of seconds"),
])
def test_a_timeout_that_is_not_a_positive_finite_number_is_a_one_line_usage_error(home: StackHome, value: str,
                                                                                says: str) -> None:
    """`--timeout nan|inf|0|-1|soon` with a bus up: exit 2 and one line naming the value, never a traceback."""
    done = run(home, "status", f"--timeout={value}")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"ovos-wifi-setup status: error: argument --timeout: {says} " \
                          "(see ovos-wifi-setup status --help)\n"


def test_no_command_prints_help_and_exits_2(home: StackHome) -> None:
    """Without a command the usage is shown, naming every command."""
    done = run(home)
    assert done.returncode == 2
    for command in ("demo", "status", "clients", "launch", "select", "skip", "never", "watch"):
        assert command in done.stdout
