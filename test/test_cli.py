"""The `ovos-wifi-setup` command against a real ovos-messagebus: each command's output and exit code."""
import fcntl
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

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
        from ovos_PHAL_plugin_wifi_setup.methods.kit import NetworkSetupClient

        self.bus = MessageBusClient(host=LOOPBACK, port=port)
        self.bus.run_in_thread()
        assert self.bus.connected_event.wait(30), "no connection to the test bus"
        self.plugin = WifiSetupPlugin(bus=self.bus, config={
            "enable_watchdog": False, "gui": "never", "activation_timeout": 0,
            "network_tests": LOOPBACK_NETWORK_TESTS, "state_file": str(state_file)})
        assert self.plugin.started.wait(10)
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

    def remote_round_completes(self) -> None:
        """A round with the remote client, to completion: launched, the client done, the internet up."""
        from ovos_bus_client.message import Message

        self.bus.emit(Message(topics.USER_ACTIVATED))
        wait_until(lambda: self.remote.is_active, 10, what="the remote client active")
        self.remote.request_deactivate()
        wait_until(lambda: self.plugin.status()["state"] == "checking", 10, what="checking")
        self.bus.emit(Message(topics.INTERNET_CONNECTED))
        wait_until(lambda: self.plugin.status()["rounds_completed"] == 1, 10, what="the round completed")

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


def run(home: StackHome, *args: str, command: Optional[List[str]] = None,
        stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run the command in the stack's environment (mycroft.conf names the bus); `stdin` is piped in when given."""
    return subprocess.run((command or CLI) + list(args), env=home.env(), capture_output=True, text=True,
                          timeout=RUN_LIMIT, input=stdin, stdin=subprocess.DEVNULL if stdin is None else None)


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


def test_status_says_why_each_builtin_method_is_off(home: StackHome, manager: Manager) -> None:
    """A device maker reads each built-in method's state and why it is off, without reading logs."""
    out = run(home, "status").stdout
    lines = out.splitlines()
    methods = lines[lines.index("built-in methods:") + 1:][:2]
    # Neither network-manager nor a system D-Bus is there: both methods wait, and say for what.
    assert methods[0] == "   screen   waiting (ovos-PHAL-plugin-network-manager has not answered)"
    assert methods[1].startswith("   hotspot  waiting (") and "no system bus" in methods[1]


def test_status_shows_what_a_fleet_reads(home: StackHome, manager: Manager) -> None:
    """After a completed round: the counters, the round's length, the last time online, the protocol."""
    manager.remote_round_completes()
    out = run(home, "status").stdout
    assert "rounds:        1 started, 1 completed, 0 failed" in out
    assert "connectivity:  online" in out
    assert "last error:    none" in out
    assert "protocol:      2.1" in out
    assert "last round:    " in out and "none completed" not in out
    assert "last online:   20" in out


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


def test_never_says_the_wireless_button_and_the_voice_turn_setup_on_again(home: StackHome,
                                                                          manager: Manager) -> None:
    """`never` names everything that turns setup on again: the wireless button and the voice (both send what
    `launch` sends), not only `launch`."""
    done = run(home, "never")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("setup off for good: the shell's wireless button, asking by voice (\"set up wifi\") or "
                           "`ovos-wifi-setup launch` turns it on again\n")


def test_never_turns_setup_off_until_launch(home: StackHome, manager: Manager) -> None:
    """`never` ("Never connect") switches the watchdog off; `launch` brings setup back."""
    done = run(home, "never")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("setup off for good")
    status = status_of(home)
    assert status["state"] == "never" and status["watchdog_active"] is False
    assert run(home, "launch").stdout.strip() == "setup launched"


def test_watch_prints_setup_messages_until_ctrl_c(home: StackHome, manager: Manager) -> None:
    """`watch` prints setup and connectivity messages, not others, and exits 130 on Ctrl-C."""
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
    assert code == 130, watcher.stderr.read()
    assert topics.INTERNET_DISCONNECTED in text
    assert topics.USER_ACTIVATED in text and topics.SETUP_LAUNCHED in text
    assert "some.unrelated.topic" not in text
    assert "Traceback" not in watcher.stderr.read()


class Watch:
    """`ovos-wifi-setup watch` as a child process whose output lines are read as they come."""

    def __init__(self, home: StackHome) -> None:
        """Start the command and wait until it watches."""
        self.process = subprocess.Popen(CLI + ["watch"], env=home.env(), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        self.lines: List[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(iter(self.process.stdout.readline, "")),
                                       daemon=True)
        self.reader.start()
        self.wait_for("watching")

    def wait_for(self, text: str) -> str:
        """The first line that contains text, once it is printed."""
        wait_until(lambda: any(text in line for line in self.lines), RUN_LIMIT, what=f"{text!r} in the watch")
        return next(line for line in self.lines if text in line)

    def interrupt(self) -> subprocess.CompletedProcess:
        """Ctrl-C: SIGINT, then everything it printed and its exit code."""
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(RUN_LIMIT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
        self.reader.join(10)
        return subprocess.CompletedProcess(self.process.args, code, "".join(self.lines), self.process.stderr.read())


# Secret-like keys at the top of a payload and deep in it, each with a value that must never reach the terminal.
SECRETS_ON_TOP = {"Hotspot_Passphrase": "open sesame 1", "wifi_psk": "open sesame 2", "apiKey": "open sesame 3"}
SECRETS_DEEP = {"networks": [["Home", {"client_secret": "open sesame 4"}], ["Office", {"PASSWORD": "open sesame 5"}]]}


def test_watch_masks_every_secret_like_field_at_any_depth(home: StackHome) -> None:
    """`watch` shows the on-screen page's screen.connect {ssid, password} with the password as ••••, and every
    secret-like key (password, passphrase, psk, secret, key, in any case, at any depth) of any topic it shows
    likewise: no secret reaches the terminal."""
    from stack import BusRecorder

    watch = Watch(home)
    try:
        with BusRecorder(home.port) as probe:
            probe.emit(topics.SCREEN_CONNECT, {"ssid": "Home", "password": "correct horse"})
            probe.emit(topics.NAMESPACE + ".some.later.topic", SECRETS_ON_TOP)
            probe.emit(topics.NAMESPACE + ".another.later.topic", SECRETS_DEEP)
            probe.emit(topics.INTERNET_CONNECTED, {"psk": "open sesame 6"})
            connect = watch.wait_for(topics.SCREEN_CONNECT)
            on_top = watch.wait_for(".some.later.topic")
            deep = watch.wait_for(".another.later.topic")
            online = watch.wait_for(topics.INTERNET_CONNECTED)
    finally:
        done = watch.interrupt()
    assert connect.split()[2:] == ["ssid=Home", "password=••••"], connect
    assert on_top.split()[2:] == ["Hotspot_Passphrase=••••", "wifi_psk=••••", "apiKey=••••"], on_top
    assert "'client_secret': '••••'" in deep and "'PASSWORD': '••••'" in deep, deep
    assert online.split()[2:] == ["psk=••••"], online
    for secret in ["correct horse"] + [f"open sesame {n}" for n in range(1, 7)]:
        assert secret not in done.stdout + done.stderr


def test_ctrl_c_ends_watch_quietly_with_code_130(home: StackHome) -> None:
    """Ctrl-C on `watch` exits 130, as a shell expects of an interrupted command, and prints nothing more: no
    "connection lost, reconnecting..." for the connection it closes itself, nothing on stderr."""
    watch = Watch(home)
    done = watch.interrupt()
    assert done.returncode == 130
    assert done.stdout.splitlines() == [
        f"watching ws://{LOOPBACK}:{home.port}/core for setup messages (Ctrl-C to stop)"]
    assert done.stderr == ""


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


@pytest.mark.parametrize("value, says", [
    ("70000", "'70000' is not a port (1 to 65535)"),
    ("65536", "'65536' is not a port (1 to 65535)"),
    ("0", "'0' is not a port (1 to 65535)"),
    ("-5", "'-5' is not a port (1 to 65535)"),
    ("http", "'http' is not a port number"),
])
def test_a_port_out_of_range_is_a_one_line_usage_error(home: StackHome, value: str, says: str) -> None:
    """`--port 70000` (or 0, -5, a word): exit 2 and one line naming the value, no thread traceback."""
    done = run(home, "status", f"--port={value}")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"ovos-wifi-setup status: error: argument --port: {says} " \
                          "(see ovos-wifi-setup status --help)\n"


def test_a_port_out_of_range_in_mycroft_conf_is_one_line(tmp_path: Path) -> None:
    """mycroft.conf's websocket port 70000: exit 2 and one line saying so, no thread traceback."""
    bad = StackHome.create(tmp_path / "bad-port", port=70000)
    done = subprocess.run(CLI + ["status", "--timeout", "2"], env=bad.env(), capture_output=True, text=True,
                          timeout=RUN_LIMIT, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == ("ovos-wifi-setup: no messagebus address: the websocket port 70000 in mycroft.conf is "
                           "not 1 to 65535\n")


def test_demo_help_gives_one_default_for_the_timeout(home: StackHome) -> None:
    """`demo --help` names one default for --timeout, the demo's own (15 s a step), not also the commands' 5 s."""
    done = run(home, "demo", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert re.findall(r"default (\d[\d.]*)", text) == ["15"], text
    assert "--timeout TIMEOUT seconds each step of the demo may take (default 15)" in text


def test_durations_are_printed_with_at_most_one_decimal(home: StackHome) -> None:
    """A round of 4.91706 s shows in `status` as "4.9 s", and a --timeout of 1.04 s is told as "1 s"."""
    from stack import BusRecorder

    with BusRecorder(home.port) as responder:
        responder.client.on(topics.STATUS, lambda message: responder.emit(topics.STATUS_RESPONSE, {
            "state": "idle", "rounds_completed": 1, "last_round_seconds": 4.91706, "clients": []}))
        done = run(home, "status")
    assert done.returncode == 0, done.stderr
    assert "last round:    4.9 s\n" in done.stdout, done.stdout
    silent = run(home, "clients", "--timeout", "1.04")
    assert silent.stderr.startswith("ovos-wifi-setup: no answer from the wifi-setup plugin within 1 s "), silent.stderr


def test_no_command_prints_help_and_exits_2(home: StackHome) -> None:
    """Without a command the usage is shown, naming every command."""
    done = run(home)
    assert done.returncode == 2
    for command in ("demo", "status", "clients", "launch", "select", "skip", "never", "watch", "networks",
                    "connect"):
        assert command in done.stdout


# ---------------------------------------------------------------- networks and connect, over network-manager

# What ovos-PHAL-plugin-network-manager 1.3.5 sends for a scan: one entry per line of `nmcli --terse --fields
# SSID,SECURITY device wifi list`, so a network seen through two access points twice, a hidden one with an
# empty name, an open one with an empty security.
SCAN = [
    {"ssid": "Home", "security": "WPA2"},
    {"ssid": "Café Libre", "security": ""},
    {"ssid": "", "security": "WPA2"},
    {"ssid": "Home", "security": "WPA2"},
    {"ssid": "Office", "security": "WPA1 WPA2"},
    {"ssid": "Stuck", "security": "WPA3"},
]
PASSWORDS = {"Home": "correct horse", "Office": "  spaced out  ", "Stuck": "never answered"}
OPEN_NETWORKS = {"Café Libre"}


class NetworkManagerStandIn:
    """Answers `ovos.phal.nm.*` on the real bus as ovos-PHAL-plugin-network-manager 1.3.5 does, and records
    every message the bus carries.

    Its quirks are kept: every answer is a fresh message (no context, no request id), a failure says only
    {errorCode, errorMessage}, a connect without a name gets no answer, and nmcli may never come back (`hang`).
    get.connected is answered at once (no connection is active), a scan after `scan_delay` seconds.
    """

    def __init__(self, port: int) -> None:
        """Prepare the recording connection and the simulated Wi-Fi: networks, passwords, quirks."""
        from stack import BusRecorder

        self.recorder = BusRecorder(port)
        self.scan = [dict(entry) for entry in SCAN]
        self.passwords = dict(PASSWORDS)
        self.hang = {"Stuck"}
        self.gone_after_connect: set = set()  # out of reach once a connect is tried
        self.success_names: Dict[str, str] = {}  # answer a success naming this network instead
        self.scan_delay = 0.0  # how long nmcli takes over a scan
        for topic, handler in ((topics.NM_SCAN, self.on_scan), (topics.NM_CONNECT, self.on_connect),
                               (topics.NM_CONNECT_OPEN, self.on_connect_open),
                               (topics.NM_GET_CONNECTED, self.on_get_connected)):
            self.recorder.client.on(topic, handler)

    def __enter__(self) -> "NetworkManagerStandIn":
        """Connect to the bus."""
        self.recorder.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        """Leave the bus."""
        self.recorder.close()

    def on_scan(self, message: Any) -> None:
        """`nmcli device wifi list`, line by line, once `scan_delay` has passed."""
        answer = {"networks": [dict(entry) for entry in self.scan]}
        if not self.scan_delay:
            self.recorder.emit(topics.NM_SCAN_COMPLETE, answer)
            return
        # Not a sleep: the recorder's handlers run on its connection's one thread.
        later = threading.Timer(self.scan_delay, self.recorder.emit, (topics.NM_SCAN_COMPLETE, answer))
        later.daemon = True
        later.start()

    def on_get_connected(self, message: Any) -> None:
        """`nmcli connection show --active`: nothing is active."""
        self.recorder.emit(topics.NM_IS_NOT_CONNECTED)

    def _outcome(self, ssid: str, joined: bool) -> None:
        """Send network-manager's answer to a connect."""
        if ssid in self.gone_after_connect:
            # Out of reach: nmcli cannot join it, and the next scan no longer lists it.
            self.scan = [entry for entry in self.scan if entry["ssid"] != ssid]
            joined = False
        if joined:
            self.recorder.emit(topics.NM_CONNECTED_OK, {"connection_name": self.success_names.get(ssid, ssid)})
        else:
            self.recorder.emit(topics.NM_CONNECT_FAILED, {"errorCode": 1, "errorMessage": "Connection Failed"})

    def on_connect(self, message: Any) -> None:
        """`nmcli device wifi connect NAME password PASSWORD`, with network-manager's checks before it."""
        ssid = message.data.get("connection_name", "")
        password = message.data.get("password", "")
        if not ssid:
            return
        if message.data.get("security_type", "") != "open" and password is None:
            self.recorder.emit(topics.NM_CONNECT_FAILED, {"errorCode": 0, "errorMessage": "Password Required"})
            return
        if ssid in self.hang:
            return
        self._outcome(ssid, self.passwords.get(ssid) == password)

    def on_connect_open(self, message: Any) -> None:
        """`nmcli device wifi connect NAME`."""
        ssid = message.data.get("connection_name", "")
        if ssid:
            self._outcome(ssid, ssid in OPEN_NETWORKS)

    def messages(self, topic: Optional[str] = None) -> List[Any]:
        """Every message the bus carried since the stand-in connected (of one topic, when given)."""
        return self.recorder.messages(topic)

    def wait_for(self, topic: str) -> Any:
        """Wait for a message of `topic` on the bus."""
        return self.recorder.wait_for(topic, 30)


@pytest.fixture
def nm(home: StackHome) -> Iterator[NetworkManagerStandIn]:
    """A fresh network-manager stand-in on the module's bus."""
    with NetworkManagerStandIn(home.port) as stand_in:
        yield stand_in


def assert_password_only_in_the_connect_request(nm: NetworkManagerStandIn, done: subprocess.CompletedProcess,
                                                password: str) -> None:
    """The password is on the bus once, in ovos.phal.nm.connect, and in no output of the command."""
    assert password not in done.stdout and password not in done.stderr
    requests = nm.messages(topics.NM_CONNECT)
    assert len(requests) == 1 and requests[0].data["password"] == password
    others = [m for m in nm.messages() if m.msg_type != topics.NM_CONNECT]
    assert others, "the bus carried nothing else: the check would prove nothing"
    assert [m.msg_type for m in others if password in m.serialize()] == []


def nm_topics(nm: NetworkManagerStandIn) -> List[str]:
    """The network-manager topics the bus carried, in order."""
    return [m.msg_type for m in nm.messages() if m.msg_type.startswith("ovos.phal.nm.")]


def test_networks_lists_each_network_once_in_nmcli_order_without_hidden_ones(home: StackHome,
                                                                          nm: NetworkManagerStandIn) -> None:
    """`networks` prints SSID and SECURITY ("open" for none): Home once, the hidden entry left out."""
    done = run(home, "networks")
    assert done.returncode == 0, done.stderr
    assert [line.split("  ")[0].rstrip() for line in done.stdout.splitlines()] == [
        "SSID", "Home", "Café Libre", "Office", "Stuck"]
    rows = {line[:10].rstrip(): line[10:].strip() for line in done.stdout.splitlines()}
    assert rows == {"SSID": "SECURITY", "Home": "WPA2", "Café Libre": "open", "Office": "WPA1 WPA2",
                    "Stuck": "WPA3"}
    assert done.stderr == ""


def test_networks_json_gives_ssid_security_and_secured(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """`networks --json` prints one {ssid, security, secured, security_known} per network, open ones with
    security ""."""
    done = run(home, "networks", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"ssid": "Home", "security": "WPA2", "secured": True, "security_known": True},
        {"ssid": "Café Libre", "security": "", "secured": False, "security_known": True},
        {"ssid": "Office", "security": "WPA1 WPA2", "secured": True, "security_known": True},
        {"ssid": "Stuck", "security": "WPA3", "secured": True, "security_known": True},
    ]


def test_networks_with_nothing_in_range_says_so(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """A scan that finds only a hidden network prints "no Wi-Fi networks in range" and exits 0."""
    nm.scan = [{"ssid": "", "security": "WPA2"}]
    done = run(home, "networks")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "no Wi-Fi networks in range\n"


def test_networks_escapes_control_characters_in_a_name(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """A name off the air with a terminal escape in it is shown escaped, never sent to the terminal raw."""
    nm.scan = [{"ssid": "Evil\x1b[2JNet", "security": ""}]
    done = run(home, "networks")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert done.stdout.splitlines()[1].split()[0] == "Evil\\x1b[2JNet"


@pytest.mark.parametrize("command", [["networks"], ["connect", "Home", "--password-stdin"]])
def test_without_network_manager_the_command_says_so_within_2_seconds(home: StackHome, command: List[str]) -> None:
    """Without --timeout, where a scan may take 15 s: with no network-manager on the bus, `networks` and `connect`
    say so after 2 s (exit 1, one line), not after the whole wait."""
    started = time.monotonic()
    done = run(home, *command, stdin="correct horse\n")
    elapsed = time.monotonic() - started
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == ("ovos-wifi-setup: no answer from ovos-PHAL-plugin-network-manager within 2 s "
                           "(is it installed and enabled?)\n")
    assert 2 <= elapsed < 2 + 8  # the margin covers interpreter start-up, far below the scan's 15 s


def test_a_slow_scan_is_waited_for_when_network_manager_answers(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """A scan nmcli takes 4 s over: network-manager answers get.connected at once, so `networks` waits for the
    scan and lists it."""
    nm.scan_delay = 4.0
    done = run(home, "networks")
    assert done.returncode == 0, done.stderr
    assert [line.split("  ")[0].rstrip() for line in done.stdout.splitlines()] == [
        "SSID", "Home", "Café Libre", "Office", "Stuck"]
    assert nm_topics(nm) == [topics.NM_SCAN, topics.NM_GET_CONNECTED, topics.NM_IS_NOT_CONNECTED,
                             topics.NM_SCAN_COMPLETE]


@pytest.mark.parametrize("command", [["networks"], ["connect", "Home", "--password-stdin"]])
def test_without_network_manager_the_command_says_so(home: StackHome, command: List[str]) -> None:
    """With a bus but no network-manager on it, `networks` and `connect` exit 1 naming it, one line on stderr."""
    done = run(home, *command, "--timeout", "1", stdin="correct horse\n")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == ("ovos-wifi-setup: no answer from ovos-PHAL-plugin-network-manager within 1 s "
                           "(is it installed and enabled?)\n")


def test_connect_to_an_open_network_joins_it_without_a_password(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """`connect "Café Libre"` scans, asks network-manager to join the open network and prints "connected to"."""
    done = run(home, "connect", "Café Libre")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "connected to Café Libre\n"
    assert done.stderr == ""
    assert nm_topics(nm)[:3] == [topics.NM_SCAN, topics.NM_SCAN_COMPLETE, topics.NM_CONNECT_OPEN]
    assert nm.messages(topics.NM_CONNECT_OPEN)[0].data == {"connection_name": "Café Libre"}
    assert nm.messages(topics.NM_CONNECT) == []


def test_a_password_given_for_an_open_network_goes_nowhere(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """`connect "Café Libre" --password-stdin`: the network is open, so it joins without the password, which
    no message on the bus carries."""
    done = run(home, "connect", "Café Libre", "--password-stdin", stdin="not needed here\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "connected to Café Libre\n"
    nm.wait_for(topics.NM_CONNECTED_OK)
    assert nm.messages(topics.NM_CONNECT) == []
    assert [m.msg_type for m in nm.messages() if "not needed here" in m.serialize()] == []


@pytest.mark.parametrize("line_ending", ["\n", "\r\n", ""])
def test_connect_with_the_right_password_from_stdin_joins_the_network(home: StackHome, nm: NetworkManagerStandIn,
                                                                      line_ending: str) -> None:
    """`connect Home --password-stdin` sends {connection_name, password, security_type} and prints "connected
    to Home"; the password is on the bus in that request only and never in the output."""
    done = run(home, "connect", "Home", "--password-stdin", stdin="correct horse" + line_ending)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "connected to Home\n"
    assert done.stderr == ""
    nm.wait_for(topics.NM_CONNECTED_OK)
    assert nm.messages(topics.NM_CONNECT)[0].data == {
        "connection_name": "Home", "password": "correct horse", "security_type": "WPA2"}
    assert_password_only_in_the_connect_request(nm, done, "correct horse")


def test_a_password_from_stdin_keeps_its_spaces(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """Only the line ending is dropped from the stdin line: leading and trailing spaces are the password's."""
    done = run(home, "connect", "Office", "--password-stdin", stdin="  spaced out  \n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "connected to Office\n"
    assert nm.messages(topics.NM_CONNECT)[0].data["password"] == PASSWORDS["Office"]


def test_connect_with_a_wrong_password_fails_in_words(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """A wrong password: network-manager says only "Connection Failed"; the network is still listed, so the
    command says the password was not accepted, exits 1, and the password goes nowhere else."""
    done = run(home, "connect", "Home", "--password-stdin", stdin="wrong horse\n")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == ("ovos-wifi-setup: The password for Home was not accepted. Check it and try again. "
                           "(network-manager: Connection Failed)\n")
    nm.wait_for(topics.NM_CONNECT_FAILED)
    # The scan that tells a refused password from a network gone away came after the failure.
    assert nm_topics(nm)[-2:] == [topics.NM_SCAN, topics.NM_SCAN_COMPLETE]
    assert_password_only_in_the_connect_request(nm, done, "wrong horse")


def test_a_network_gone_out_of_reach_is_named_so(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """A connect that fails and a scan that no longer lists the network: "Office is out of reach"."""
    nm.gone_after_connect.add("Office")
    done = run(home, "connect", "Office", "--password-stdin", stdin="  spaced out  \n")
    assert done.returncode == 1
    assert done.stderr.startswith("ovos-wifi-setup: Office is out of reach. Move closer, or pick another network.")


def test_an_open_network_that_refuses_says_it_could_not_connect(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """An open network that does not let the device join: "Could not connect to", exit 1."""
    nm.scan.append({"ssid": "Lobby", "security": ""})
    done = run(home, "connect", "Lobby")
    assert done.returncode == 1
    assert done.stderr == ("ovos-wifi-setup: Could not connect to Lobby. Try again, or pick another network. "
                           "(network-manager: Connection Failed)\n")


def test_a_connect_never_answered_fails_after_the_timeout(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """nmcli never comes back: the command waits out --timeout, then exits 1 saying so (never a hang)."""
    started = time.monotonic()
    done = run(home, "connect", "Stuck", "--password-stdin", "--timeout", "2", stdin="never answered\n")
    elapsed = time.monotonic() - started
    assert done.returncode == 1
    assert done.stderr == ("ovos-wifi-setup: Stuck did not answer within 2 seconds. Try again, or pick another "
                           "network.\n")
    assert elapsed >= 2
    assert_password_only_in_the_connect_request(nm, done, "never answered")


def test_a_success_for_another_network_is_not_taken_for_ours(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """network-manager's answers name no request: a success naming another network leaves ours unanswered."""
    nm.success_names["Home"] = "Neighbour"
    done = run(home, "connect", "Home", "--password-stdin", "--timeout", "2", stdin="correct horse\n")
    assert done.returncode == 1
    assert "connected" not in done.stdout
    assert done.stderr.startswith("ovos-wifi-setup: Home did not answer within 2 seconds.")
    assert nm.messages(topics.NM_CONNECTED_OK)[0].data == {"connection_name": "Neighbour"}


def test_a_network_not_in_range_is_refused_before_any_connect(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """`connect Elsewhere`: not in the scan, so exit 1 "no network named 'Elsewhere' in range" (the scan lists a
    hidden network, which it might be), nothing sent."""
    done = run(home, "connect", "Elsewhere")
    assert done.returncode == 1
    assert done.stderr == f"ovos-wifi-setup: no network named 'Elsewhere' in range{HIDDEN_HINT}\n"
    assert nm_topics(nm) == [topics.NM_SCAN, topics.NM_SCAN_COMPLETE]


HIDDEN_HINT = ("; if it is hidden (the scan lists 1 hidden network), it cannot be joined through network-manager "
               "1.3.5: join it over SSH with `nmcli device wifi connect NAME password … hidden yes`")


def test_a_hidden_network_is_said_to_be_one_network_manager_cannot_join(home: StackHome,
                                                                         nm: NetworkManagerStandIn) -> None:
    """`connect Back`, a hidden network (the scan lists it without a name): exit 1, not in range, and a hidden
    network cannot be joined through network-manager 1.3.5, with the nmcli command that can; nothing sent. Where
    the scan lists no hidden network, only "not in range"."""
    done = run(home, "connect", "Back")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"ovos-wifi-setup: no network named 'Back' in range{HIDDEN_HINT}\n"
    nm.scan = [entry for entry in SCAN if entry["ssid"]] + [{"ssid": "", "security": "WPA2"}] * 2
    two = run(home, "connect", "Back")
    assert two.stderr == "ovos-wifi-setup: no network named 'Back' in range" + HIDDEN_HINT.replace(
        "1 hidden network", "2 hidden networks") + "\n"
    nm.scan = [entry for entry in SCAN if entry["ssid"]]
    none = run(home, "connect", "Back")
    assert none.returncode == 1
    assert none.stderr == "ovos-wifi-setup: no network named 'Back' in range\n"
    assert topics.NM_CONNECT not in nm_topics(nm) and topics.NM_CONNECT_OPEN not in nm_topics(nm)


def test_a_secured_network_without_password_stdin_or_a_terminal_is_a_usage_error(
        home: StackHome, nm: NetworkManagerStandIn) -> None:
    """`connect Home` with stdin not a terminal and no --password-stdin: exit 2, one line, nothing sent."""
    done = run(home, "connect", "Home")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == ("ovos-wifi-setup: Home is secured: a secured network needs --password-stdin when "
                           "stdin is not a terminal\n")
    assert topics.NM_CONNECT not in nm_topics(nm)


@pytest.mark.parametrize("line, says", [
    ("short\n", "A Wi-Fi password is at least 8 characters long."),
    ("", "A Wi-Fi password is at least 8 characters long."),
    ("x" * 64 + "\n", "A Wi-Fi password is at most 63 characters long."),
])
def test_a_password_of_the_wrong_length_is_refused_before_anything_is_sent(
        home: StackHome, nm: NetworkManagerStandIn, line: str, says: str) -> None:
    """A password under 8 or over 63 characters: exit 2 with the limit, no connect request on the bus."""
    done = run(home, "connect", "Home", "--password-stdin", stdin=line)
    assert done.returncode == 2
    assert done.stderr == f"ovos-wifi-setup: {says}\n"
    assert topics.NM_CONNECT not in nm_topics(nm)
    if line.strip():
        assert line.strip() not in done.stdout + done.stderr


ONE_SSID_ONLY = ("one SSID and nothing else; a password is never an argument (use --password-stdin, or let it "
                 "ask on the terminal)")


@pytest.mark.parametrize("argv, says", [
    (["connect", "Home", "hunter2hunter2"], ONE_SSID_ONLY),
    (["connect", "Home", "--password", "hunter2hunter2"], ONE_SSID_ONLY),
    (["connect", "Home", "--password=hunter2hunter2"], ONE_SSID_ONLY),
    (["--password=hunter2hunter2", "connect", "Home"], ONE_SSID_ONLY),
    (["connect", "--password-stdin=hunter2hunter2", "Home"],
     "--password-stdin takes no value: the password is read from stdin"),
])
def test_a_password_on_the_command_line_is_a_usage_error_and_never_echoed(
        home: StackHome, nm: NetworkManagerStandIn, argv: Sequence[str], says: str) -> None:
    """There is no password option: a stray argument is a usage error (exit 2) that does not repeat it, and
    nothing reaches the bus."""
    done = run(home, *argv)
    assert done.returncode == 2
    assert "hunter2" not in done.stdout + done.stderr
    assert done.stderr == f"ovos-wifi-setup connect: error: {says} (see ovos-wifi-setup connect --help)\n"
    time.sleep(0.5)  # a request would have reached the stand-in by now: the check below is not vacuous by haste
    assert nm_topics(nm) == []


def test_connect_help_has_no_password_option_and_says_the_bus_carries_it(home: StackHome) -> None:
    """`connect --help` offers only --password-stdin and warns that the password travels on the bus."""
    done = run(home, "connect", "--help")
    assert done.returncode == 0
    options = {word.rstrip(",") for word in done.stdout.split() if word.startswith("--")}
    assert options == {"--help", "--host", "--port", "--timeout", "--password-stdin"}
    assert "carries the password on the messagebus, where every participant can read it" in " ".join(
        done.stdout.split())


@pytest.mark.parametrize("ssid, says", [
    ("é" * 17, "A network name is at most 32 bytes long."),
    ("", "the network name is empty"),
])
def test_a_network_name_that_cannot_be_one_is_a_usage_error(home: StackHome, nm: NetworkManagerStandIn,
                                                            ssid: str, says: str) -> None:
    """An SSID over 32 bytes (17 × "é" is 34) or empty: exit 2 naming the limit, before the bus is used."""
    done = run(home, "connect", ssid)
    assert done.returncode == 2
    assert done.stderr == f"ovos-wifi-setup connect: error: argument SSID: {says} " \
                          "(see ovos-wifi-setup connect --help)\n"
    assert nm_topics(nm) == []


def _read_until(fd: int, text: bytes, timeout: float) -> bytes:
    """Read a pty master until `text` shows (or the time runs out); what was read."""
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_on_a_terminal_the_password_is_asked_for_without_echo(home: StackHome, nm: NetworkManagerStandIn) -> None:
    """`connect Home` on a terminal prompts "Password for Home: ", does not echo what is typed, and joins."""
    master, slave = os.openpty()

    def take_the_terminal() -> None:
        """Make the pty the child's controlling terminal, as a login shell's is (getpass opens /dev/tty)."""
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    child = subprocess.Popen(CLI + ["connect", "Home"], env=home.env(), stdin=slave, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True,
                             preexec_fn=take_the_terminal)
    os.close(slave)
    try:
        shown = _read_until(master, b"Password for Home: ", RUN_LIMIT)
        assert b"Password for Home: " in shown, shown
        os.write(master, b"correct horse\n")
        out, err = child.communicate(timeout=RUN_LIMIT)
        shown += _read_until(master, b"\0", 1)
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(10)
        os.close(master)
    assert child.returncode == 0, err
    assert out == "connected to Home\n"
    assert err == ""
    assert b"correct horse" not in shown
    assert_password_only_in_the_connect_request(nm, subprocess.CompletedProcess([], 0, out, err), "correct horse")
