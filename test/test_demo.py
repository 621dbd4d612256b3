"""`ovos-wifi-setup demo` run as a person would: a subprocess that plays its four rounds and cleans up.

One demo run (module fixture) in a fresh shell's environment: an empty $HOME, empty XDG dirs and an
empty TMPDIR. The tests read its real output as a newcomer would and check what it left behind.
"""
import io
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest
from ovos_utils.fakebus import FakeBus

from stack import BIN_DIR, LOOPBACK, free_port, port_open

from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup.tools.console import fit_fields, payload_fields
from ovos_PHAL_plugin_wifi_setup.tools.demo import Demo, StepMissed, Timeline
from ovos_PHAL_plugin_wifi_setup.tools.demo import scene as demo_scene

DEMO_LIMIT = 180.0  # a generous wall; the demo itself takes seconds
XDG_VARS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
SCREEN = "ovos-PHAL-plugin-wifi-setup-screen"
HOTSPOT = "ovos-PHAL-plugin-wifi-setup-hotspot"
SCREEN_TEXT = "Choose a Wi-Fi network on this screen"
DISPLAY_TEXTS = {"Connect from your phone (demo)", "Set up on this screen (demo)", SCREEN_TEXT, "Connect from your phone"}
FAILURE_TEXT = "demo: no Wi-Fi adapter found"
# The passwords the demo's user types in round 3: neither may show anywhere in what the demo prints.
RIGHT_PASSWORD = "tulip-harbour-42"  # noqa: S105
WRONG_PASSWORD = "tulip-harbor-42"  # noqa: S105
REFUSED_TEXT = "The password for Home was not accepted. Check it and try again."

STAMP = r"\s*\+\d+\.\d+s  "
NARRATION = re.compile(STAMP + r">> (?P<text>.*)$")
BUS_LINE = re.compile(STAMP + r"(?P<topic>\S+)(?: +(?P<payload>.*))?$")
# One whole field: key=value, the value quoted (free text), a [list], or one token.
FIELD = r'[A-Za-z_]+=(?:"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^\s"\[\]]+)'
# Whole fields, then optionally what stands for the fields left out: (+names) or an ellipsis.
PAYLOAD = re.compile(rf"{FIELD}(?: {FIELD})*(?: \(\+[A-Za-z_]+(?:, [A-Za-z_]+)*\)| …)?")
FLAGS = ("has_gui", "requires_input", "permanent")


def clean_env(root: Path) -> Dict[str, str]:
    """The environment of a fresh shell: no OVOS settings, an empty home, XDG tree and TMPDIR below root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OVOS_", "MYCROFT_", "XDG_"))}
    env["HOME"] = str(root / "home")
    env["TMPDIR"] = str(root / "tmp")
    for var in XDG_VARS:
        env[var] = str(root / var.lower())
    for path in [env["HOME"], env["TMPDIR"], *(env[var] for var in XDG_VARS)]:
        Path(path).mkdir(parents=True, exist_ok=True)
    return env


@dataclass
class Line:
    """One timeline line: a narration (topic None) or a bus message (topic and payload)."""

    text: str
    topic: Optional[str] = None
    payload: str = ""

    @property
    def narration(self) -> Optional[str]:
        """The narration's text, or None for a bus line."""
        match = NARRATION.match(self.text)
        return match.group("text") if match else None


@dataclass
class DemoRun:
    """What one demo run printed and where its environment pointed."""

    done: subprocess.CompletedProcess
    env: Dict[str, str]

    @property
    def lines(self) -> List[Line]:
        """Every timeline line, in the order printed."""
        found = []
        for text in self.done.stdout.splitlines():
            if NARRATION.match(text):
                found.append(Line(text))
                continue
            match = BUS_LINE.match(text)
            if match:
                found.append(Line(text, match.group("topic"), match.group("payload") or ""))
        return found

    def round_lines(self, number: int) -> List[Line]:
        """The timeline lines of round 1, 2, 3 or 4."""
        out = self.done.stdout
        start = out.index(f"== Round {number}:")
        end = out.index(f"== Round {number + 1}:") if number < 4 else out.index("== Summary:")
        part = DemoRun(subprocess.CompletedProcess([], 0, out[start:end], ""), self.env)
        return part.lines


def run_demo(root: Path, *options: str) -> DemoRun:
    """`ovos-wifi-setup demo` in a fresh shell's environment below root; it must succeed."""
    env = clean_env(root)
    done = subprocess.run([str(BIN_DIR / "ovos-wifi-setup"), "demo", *options], env=env, capture_output=True,
                          text=True, timeout=DEMO_LIMIT, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    return DemoRun(done, env)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`ovos-wifi-setup demo` once, in a fresh shell's environment."""
    return run_demo(tmp_path_factory.mktemp("demo"))


def find(lines: List[Line], matches: Callable[[Line], bool], after: int = -1, what: str = "") -> int:
    """The index of the first line after `after` that matches; fails naming `what` when none does."""
    for index in range(after + 1, len(lines)):
        if matches(lines[index]):
            return index
    raise AssertionError(f"no line {what or 'as expected'} after line {after}:\n"
                         + "\n".join(line.text for line in lines))


def said(start: str) -> Callable[[Line], bool]:
    """Match a narration line that begins with start."""
    return lambda line: (line.narration or "").startswith(start)


def sent(topic: str, payload_part: str = "") -> Callable[[Line], bool]:
    """Match a bus line of topic (a short id included) whose payload contains payload_part."""
    return lambda line: line.topic == topic and payload_part in line.payload


def field(line: Line, key: str) -> str:
    """The value of one field of a bus line's payload."""
    match = re.search(rf"(?:^| ){key}=(\S+)", line.payload)
    assert match, line.text
    return match.group(1)


def ids_registered(lines: List[Line]) -> Dict[str, str]:
    """Client name to short id, from the client.registered lines."""
    return {field(line, "client"): field(line, "id") for line in lines
            if line.topic == "ovos.phal.wifi.plugin.client.registered"}


def test_demo_plays_four_rounds_and_stops_everything(demo_run: DemoRun) -> None:
    """The demo exits 0, shows its four rounds and its summary, and leaves no bus and no temporary tree."""
    out = demo_run.done.stdout
    assert "== Round 1: headless device (gui: never), the watchdog on ==" in out
    assert "== Round 2: with a screen (gui: always) ==" in out
    assert "== Round 3: the built-in on-screen method (gui: always, screen_client: auto) ==" in out
    assert "== Round 4: headless, the built-in hotspot method (gui: never, hotspot_client: auto) ==" in out
    assert "== Summary: all four rounds completed in" in out
    for step in ("the watchdog launches setup (grace 0)", "headless: demo-remote (needs no input) is activated",
                 "the round completes", "the selection page is shown again", "the device stays offline for now",
                 "the manager confirms demo-remote left", "the manager confirms demo-on-device left",
                 "the on-screen method registers", "the page shows why", "the on-screen method ends its session",
                 "the round completed once (one ovos.wifi.setup.completed)", "the on-screen method leaves"):
        assert f"  ok  {step}" in out
    for topic in ("ovos.wifi.setup.completed", "ovos.shell.status.ok", "ovos.phal.wifi.plugin.client.setup.failure",
                  "gui.page.show"):
        assert topic in out
    assert "Traceback" not in demo_run.done.stderr
    started = re.search(r"starting ovos-messagebus on 127\.0\.0\.1:(\d+) \(XDG tree (\S+)\)", out)
    assert started, out
    assert not port_open(int(started.group(1))), "the demo's messagebus still listens"
    assert not Path(started.group(2)).exists(), "the demo's temporary tree was left behind"


def test_no_payload_is_cut_in_the_middle_of_a_word(demo_run: DemoRun) -> None:
    """Every bus line's payload is whole fields, then at most a note naming the fields left out, or an ellipsis."""
    bus_lines = [line for line in demo_run.lines if line.topic is not None]
    assert len(bus_lines) > 30
    for line in bus_lines:
        if line.payload:
            assert PAYLOAD.fullmatch(line.payload), f"a payload cut or garbled: {line.text!r}"
        assert "..." not in line.payload, line.text
        for flag in FLAGS:
            if f"{flag}=" in line.payload:
                assert field(line, flag) in ("True", "False"), line.text
        for text in re.findall(r'display_text="([^"]*)"', line.payload):
            assert text in DISPLAY_TEXTS, line.text
    failure = [line for line in bus_lines if line.topic == "ovos.phal.wifi.plugin.client.setup.failure"]
    assert failure and f'error="{FAILURE_TEXT}"' in failure[0].payload, failure


def test_narration_comes_in_the_order_things_happen(demo_run: DemoRun) -> None:
    """Each narration line follows the bus line that caused it and comes before the bus lines it leads to."""
    one = demo_run.round_lines(1)
    remote = ids_registered(one)["demo-remote"]
    down = find(one, said("connectivity-events reports: the internet is down"), what="internet down said")
    find(one, sent("mycroft.internet.disconnected"), down, "internet.disconnected after it is said")
    activate = find(one, sent(f"ovos.phal.wifi.plugin.activate.{remote}"), down, "demo-remote's activate")
    acts = find(one, said("demo-remote: activated"), activate, "demo-remote's activation told after its activate")
    removal = find(one, sent("ovos.phal.wifi.plugin.remove.active.client", "client=demo-remote"), acts,
                   "demo-remote's removal request after its activation is told")
    deactivate = find(one, sent(f"ovos.phal.wifi.plugin.deactivate.{remote}"), removal, "demo-remote's deactivate")
    ended = find(one, said("demo-remote: session ended"), deactivate, "its session end told after the deactivate")
    up = find(one, said("connectivity-events reports: the internet is up"), ended, "internet up said after that")
    find(one, sent("mycroft.internet.connected"), up, "internet.connected after it is said")
    ntp = find(one, sent("system.ntp.sync"), up, "the clock sync")
    find(one, said("ovos-PHAL stops the plugin"), ntp, "the plugin stop told after the round's last message")

    two = demo_run.round_lines(2)
    on_device = ids_registered(two)["demo-on-device"]
    tap = find(two, said("the user taps"), what="the tap")
    page = find(two, sent("gui.page.show"), find(two, sent("ovos.phal.wifi.plugin.user.activated"), tap), "page")
    pick = find(two, said('on the selection page the user picks "Set up on this screen (demo)"'), page,
                "the pick told after the page is shown")
    find(two, sent("ovos.phal.wifi.plugin.client.select", "client=demo-on-device"), pick, "the pick's message")
    activate = find(two, sent(f"ovos.phal.wifi.plugin.activate.{on_device}"), pick, "demo-on-device's activate")
    acts = find(two, said("demo-on-device: activated"), activate, "its activation told after its activate")
    failure = find(two, sent("ovos.phal.wifi.plugin.client.setup.failure"), acts, "its failure after that")
    deactivate = find(two, sent(f"ovos.phal.wifi.plugin.deactivate.{on_device}"), failure, "its deactivate")
    ended = find(two, said("demo-on-device: session ended"), deactivate, "its session end told after it")
    page_again = find(two, sent("gui.page.show"), deactivate, "the page again")
    later = find(two, said('on the selection page the user picks "Connect later"'), max(ended, page_again),
                 "Connect later picked after the session end and the page")
    find(two, sent("ovos.phal.wifi.plugin.skip.setup"), later, "skip.setup after it is picked")
    leave = find(two, said("ovos-PHAL stops: the sample clients leave"), later, "the clients' leaving told")
    last_left = max(i for i, line in enumerate(two) if line.topic == "ovos.phal.wifi.plugin.client.deregistered")
    assert leave < min(i for i, line in enumerate(two) if line.topic == "ovos.phal.wifi.plugin.deregister.client")
    find(two, said("ovos-PHAL stops the plugin"), last_left, "the plugin stop told after the clients left")

    for lines in (one, two, demo_run.round_lines(3)):
        for index, line in enumerate(lines):
            held = re.match(r"the manager holds (\S+)'s activate", line.narration or "")
            if held:
                client_id = ids_registered(lines)[held.group(1)]
                assert index < find(lines, sent(f"ovos.phal.wifi.plugin.activate.{client_id}")), line.text


def test_each_client_that_leaves_is_confirmed_deregistered(demo_run: DemoRun) -> None:
    """Every sample client's deregister.client (the hotspot method's too: it stops before the plugin) is followed
    by the manager's client.deregistered for it; the on-screen method leaves as its plugin stops (told first), so
    the manager that would confirm stops too."""
    lines = demo_run.lines
    leaving = [(i, field(line, "client"), field(line, "id")) for i, line in enumerate(lines)
               if line.topic == "ovos.phal.wifi.plugin.deregister.client"]
    assert {name for _, name, _ in leaving} == {"demo-remote", "demo-on-device", SCREEN, HOTSPOT}
    for index, name, client_id in leaving:
        if name == SCREEN:
            three = demo_run.round_lines(3)
            stops = find(three, said("ovos-PHAL stops: the plugin stops, and its on-screen method leaves"),
                         what="the plugin stop told")
            find(three, sent("ovos.phal.wifi.plugin.deregister.client", f"client={SCREEN}"), stops,
                 "the on-screen method's deregister.client after the stop is told")
            continue
        find(lines, sent("ovos.phal.wifi.plugin.client.deregistered", f"client={name} id={client_id}"), index,
             f"client.deregistered for {name}")


def test_the_restart_says_why_the_ids_changed(demo_run: DemoRun) -> None:
    """Round 2 names each client's old and new id, as client.registered gave them, and says why they changed."""
    old, new = ids_registered(demo_run.round_lines(1)), ids_registered(demo_run.round_lines(2))
    narration = [line.narration for line in demo_run.round_lines(2) if line.narration]
    told = next(text for text in narration if text.startswith("new ids: "))
    for name in ("demo-remote", "demo-on-device"):
        assert old[name] != new[name]
        assert f"{name} {old[name]} -> {new[name]}" in told, told
    why = narration[narration.index(told) + 1]
    assert why.startswith("why: each plugin instance hands out its own ids and keeps them in memory only"), why
    assert "client.registered" in why


def screen_page(step: str) -> Callable[[Line], bool]:
    """Match the on-screen method's page line (its gui.value.set) once it shows step."""
    return lambda line: line.topic == "gui.value.set" and line.payload.startswith(f"step={step} ")


def test_round_three_joins_a_network_through_the_on_screen_method_step_by_step(demo_run: DemoRun) -> None:
    """Round 3 in the order it happens: network-manager's stand-in answers, the on-screen method registers, the
    user taps it, sees the networks, a wrong password fails, the right one joins, the session ends, and the
    internet report completes the round."""
    three = demo_run.round_lines(3)
    standin = find(three, said("a stand-in for ovos-PHAL-plugin-network-manager 1.3.5 starts"), what="stand-in")
    probe = find(three, sent("ovos.phal.nm.get.connected"), standin, "the on-screen method's question")
    answer = find(three, sent("ovos.phal.nm.is.not.connected"), probe, "the stand-in's answer")
    registered = find(three, sent("ovos.phal.wifi.plugin.client.registered", f"client={SCREEN} "), answer,
                      "the on-screen method registered after network-manager answered")
    screen_id = ids_registered(three)[SCREEN]
    tap = find(three, said("the user taps the shell's wireless button"), registered, "the tap")
    find(three, sent("ovos.phal.wifi.plugin.user.activated"), tap, "user.activated")
    offered = find(three, sent("gui.value.set", f"clients_model=[{SCREEN}]"), tap, "the selection page's list")
    pick = find(three, said(f'on the selection page the user taps "{SCREEN_TEXT}"'), offered, "the pick")
    find(three, sent("ovos.phal.wifi.plugin.client.select", f"client={SCREEN} id={screen_id}"), pick, "select")
    activate = find(three, sent(f"ovos.phal.wifi.plugin.activate.{screen_id}"), pick, "its activate")
    scanning = find(three, screen_page("scanning"), activate, "the page's scanning step")
    scan = find(three, sent("ovos.phal.nm.scan"), scanning, "the scan request")
    listed = find(three, screen_page("list"), find(three, sent("ovos.phal.nm.scan.complete"), scan), "the list")
    wrong = find(three, said('the user taps "Home", types a wrong password'), listed, "the wrong password told")
    connect = find(three, sent("ovos.phal.wifi.plugin.screen.connect", "ssid=Home"), wrong, "the page's connect")
    connecting = find(three, screen_page("connecting"), connect, "the page's connecting step")
    asked = find(three, sent("ovos.phal.nm.connect", "connection_name=Home"), connecting, "network-manager asked")
    failure = find(three, sent("ovos.phal.nm.connection.failure", 'errorCode=1 errorMessage="Connection Failed"'),
                   asked, "network-manager's failure, as 1.3.5 words it")
    rescan = find(three, sent("ovos.phal.nm.scan"), failure, "the scan that tells why")
    failed = find(three, screen_page("failed"), rescan, "the page's failed step")
    shown = find(three, said(f'the page shows: "{REFUSED_TEXT}"'), failed, "the error told")
    right = find(three, said('the user taps "Home" again, types the right password'), shown, "the retry told")
    connect = find(three, sent("ovos.phal.wifi.plugin.screen.connect", "ssid=Home"), right, "the second connect")
    asked = find(three, sent("ovos.phal.nm.connect", "connection_name=Home"),
                 find(three, screen_page("connecting"), connect), "network-manager asked again")
    joined = find(three, sent("ovos.phal.nm.connection.successful", "connection_name=Home"), asked, "joined")
    connected = find(three, screen_page("connected"), joined, "the page's connected step")
    removal = find(three, sent("ovos.phal.wifi.plugin.remove.active.client", f"client={SCREEN} id={screen_id}"),
                   connected, "the on-screen method ends its session")
    deactivate = find(three, sent(f"ovos.phal.wifi.plugin.deactivate.{screen_id}"), removal, "its deactivate")
    up = find(three, said("connectivity-events reports: the internet is up"), deactivate, "internet up told")
    reported = find(three, sent("mycroft.internet.connected"), up, "the report")
    find(three, sent("ovos.wifi.setup.completed"), reported, "the round completes")
    assert sum(line.topic == "ovos.wifi.setup.completed" for line in three) == 1
    summary = demo_run.done.stdout[demo_run.done.stdout.index("== Summary:"):]
    for step in ("the selection page offers the on-screen method", "the page lists the networks",
                 "each network once, hidden ones left out, secured ones marked",
                 "the page sends Home and the wrong password (masked)",
                 "network-manager's stand-in refuses the password", "the page shows why",
                 "the page sends Home and the right password (masked)", "network-manager's stand-in joins the network",
                 "the page says it is connected", "the manager ends the on-screen method's session",
                 "the round completed once (one ovos.wifi.setup.completed)"):
        assert f"  ok  {step}\n" in summary, step


def test_the_page_lists_each_network_once_marks_the_secured_ones_and_shows_why_a_connect_failed(
        demo_run: DemoRun) -> None:
    """The scan's five access points (Home twice, one hidden) become the page's three networks with their
    security; the failed step's error text is told in full."""
    three = demo_run.round_lines(3)
    scans = [line for line in three if line.topic == "ovos.phal.nm.scan.complete"]
    assert scans and scans[0].payload == "networks=[Home:WPA2, Café Ü:, :WPA2, Home:WPA2, Studio:WPA3]"
    page = three[find(three, screen_page("list"), what="the list")]
    assert "networks_model=[Home (WPA2), Café Ü (Open), Studio (WPA3)]" in page.payload, page.text
    told = [line.narration for line in three if line.narration]
    assert "the scan lists 5 access points: Home seen twice, 1 hidden (no name)" in told
    assert ("the page lists 3 networks, each once, 1 hidden left out; secured, marked with their security: "
            "Home, Studio; open: Café Ü") in told
    assert f'the page shows: "{REFUSED_TEXT}"' in told
    failed = three[find(three, screen_page("failed"), what="the failed step")]
    assert "selected_ssid=Home" in failed.payload, failed.text


def test_round_four_joins_a_network_from_the_phone_through_the_hotspot_method(demo_run: DemoRun) -> None:
    """Round 4 in the order it happens: the hotspot method registers, the watchdog launches, it is activated and
    says what to do (its passphrase masked in the timeline); the phone joins the WPA2 setup network with it; the
    phone's DNS lookup and captive-portal check lead to the page, which lists the networks; a
    wrong password fails in words and the access point comes back; the right one joins, the method ends its
    session, and the internet report completes the round; the method leaves when ovos-PHAL stops."""
    four = demo_run.round_lines(4)
    registered = find(four, sent("ovos.phal.wifi.plugin.client.registered",
                                 "client=ovos-PHAL-plugin-wifi-setup-hotspot"), what="the hotspot registered")
    assert "type=Remote has_gui=False" in four[registered].payload
    launched = find(four, sent("ovos.phal.wifi.plugin.setup.launched"), registered, "the launch")
    active = find(four, lambda line: (line.topic or "").startswith("ovos.phal.wifi.plugin.activate."), launched,
                  "the activation")
    told = find(four, said('the device says: "Connect your phone to the Wi-Fi network OVOS-Setup-'), active,
                "the spoken instructions")
    assert "The password is ••••." in four[told].text and not re.search(r"\d(?:,? \d){5,}", four[told].text)
    joined = find(four, said("the user types the 12 digits the device said (••••): the phone joins OVOS-Setup-"),
                  told, "the phone on the WPA2 setup network")
    assert not [line.text for line in four if re.search(r"(?<![\d.])\d{12}(?![\d.])", line.text)], "a passphrase"
    dns = find(four, said("the DNS responder answers 127.0.0.1: every name is the device"), joined, "the DNS answer")
    portal = find(four, said("GET http://connectivitycheck.gstatic.com/generate_204 -> 302"), dns, "the portal")
    listed = find(four, said('GET /api/networks -> 200: {"networks":[{"ssid":"Home"'), portal, "the list")
    assert '"Café Ü"' in four[listed].text and '"Studio"' in four[listed].text
    refused = find(four, said(f'GET /api/status -> {{"state": "failed", "ssid": "Home", "error": "{REFUSED_TEXT}"'),
                   listed, "the refused password")
    back = find(four, said("NetworkManager's stand-in did: access point down; join Home: password refused, its "
                           "profile deleted; access point OVOS-Setup-"), refused, "the access point back")
    removal = find(four, sent("ovos.phal.wifi.plugin.remove.active.client",
                              "client=ovos-PHAL-plugin-wifi-setup-hotspot"), back, "the session's end")
    connected = find(four, said('GET /api/status -> {"state": "connected", "ssid": "Home"}'), removal, "Connected")
    completed = find(four, sent("ovos.wifi.setup.completed"), connected, "the round completes")
    find(four, sent("ovos.phal.wifi.plugin.deregister.client", "client=ovos-PHAL-plugin-wifi-setup-hotspot"),
         completed, "the hotspot method leaves")
    masked = [line.text for line in four if "POST /api/connect" in (line.narration or "")]
    assert len(masked) == 2 and all('"password": "••••"' in text for text in masked), masked
    assert "  ok  no Wi-Fi password passed on the bus: the page handed it to NetworkManager only" in (
        demo_run.done.stdout)


def test_no_wifi_password_appears_in_the_demo_output(demo_run: DemoRun, tmp_path: Path) -> None:
    """Both passwords the user types went over the bus (masked on every line that carried one) and neither
    appears anywhere in what the demo prints, with --verbose (the plugin's log lines) too."""
    assert (demo_scene.DEMO_PASSWORD, demo_scene.DEMO_WRONG_PASSWORD) == (RIGHT_PASSWORD, WRONG_PASSWORD)
    carrying = [line for line in demo_run.lines
                if line.topic in ("ovos.phal.wifi.plugin.screen.connect", "ovos.phal.nm.connect")]
    assert len(carrying) == 4, carrying
    for line in carrying:
        assert field(line, "password") == "••••", line.text
    assert "The demo never prints a Wi-Fi password: every password field shows as password=••••." in (
        demo_run.done.stdout)
    verbose = run_demo(tmp_path, "--verbose")
    assert "ovos.phal.nm.connection.successful" in verbose.done.stdout
    for run in (demo_run, verbose):
        for password in (RIGHT_PASSWORD, WRONG_PASSWORD):
            assert password not in run.done.stdout
            assert password not in run.done.stderr


def test_round_three_is_skipped_on_a_bus_where_a_real_network_manager_answers() -> None:
    """On a bus the demo did not start, a network-manager that answers is never driven: round 3 says so and
    sends nothing to it; where none answers, round 3 may run."""
    bus = FakeBus()
    out = io.StringIO()
    timeline = Timeline(bus, out, time.monotonic())
    demo = Demo(bus, timeline, step_timeout=1.0, private_bus=False)
    assert demo.network_manager_answers() is False
    bus.on("ovos.phal.nm.get.connected",
           lambda message: bus.emit(Message("ovos.phal.nm.is.connected", {"connection_name": "Office"})))
    assert demo.round_screen() is False
    assert "a real ovos-PHAL-plugin-network-manager answers on this bus: the demo does not drive it" in out.getvalue()
    topics_sent = [line.split()[1] for line in out.getvalue().splitlines() if line.strip().startswith("+")]
    assert "ovos.phal.nm.connect" not in topics_sent and "ovos.phal.wifi.plugin.alive" not in topics_sent
    assert demo.plugin is None and demo.nm is None


def test_the_demo_writes_nothing_under_home_or_the_callers_xdg_dirs(demo_run: DemoRun) -> None:
    """$HOME, the caller's XDG dirs and TMPDIR are as empty after the demo as before; its own tree was in TMPDIR."""
    env = demo_run.env
    for var in ("HOME", "TMPDIR", *XDG_VARS):
        left = sorted(str(p.relative_to(env[var])) for p in Path(env[var]).rglob("*"))
        assert left == [], f"the demo left {left} in ${var}"
    tree = re.search(r"\(XDG tree (\S+)\)", demo_run.done.stdout)
    assert tree and Path(tree.group(1)).parent == Path(env["TMPDIR"]), demo_run.done.stdout


def test_a_payload_too_wide_drops_whole_fields_and_names_them() -> None:
    """A line too narrow for every field shows the first ones whole and names the rest; free text goes last."""
    fields = payload_fields({"client": "demo-remote", "display_text": "Connect from your phone (demo)",
                             "has_gui": False, "requires_input": False})
    assert fields == ["client=demo-remote", "has_gui=False", "requires_input=False",
                      'display_text="Connect from your phone (demo)"']
    assert fit_fields(fields, 70) == "client=demo-remote has_gui=False requires_input=False (+display_text)"
    assert fit_fields(fields, 60) == "client=demo-remote has_gui=False requires_input=False …"
    assert fit_fields(fields, 40) == "client=demo-remote has_gui=False …"
    assert fit_fields(fields, 200) == " ".join(fields)


def test_a_single_long_value_is_cut_after_a_whole_word() -> None:
    """A value too long for the line ends with an ellipsis after its last whole word."""
    error = payload_fields({"error": "the adapter went away while scanning for networks"})
    assert fit_fields(error, 30) == 'error="the adapter went away …'
    assert fit_fields(error, 31) == 'error="the adapter went away …'
    assert fit_fields(error, 29) == 'error="the adapter went …'
    assert fit_fields(["error=" + "x" * 40], 20) == "error= …"


def test_demo_without_ovos_messagebus_says_how_to_install_it(tmp_path: Path) -> None:
    """Without the demo extra the demo names the install command and exits 2."""
    code = ("import sys; sys.modules['ovos_messagebus'] = None; "
            "from ovos_PHAL_plugin_wifi_setup.tools.cli import main; sys.exit(main(['demo']))")
    done = subprocess.run([sys.executable, "-c", code], env=clean_env(tmp_path), capture_output=True,
                          text=True, timeout=DEMO_LIMIT, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "the demo needs ovos-messagebus" in done.stderr
    assert "pip install -e '.[demo]'" in done.stderr  # this version's checkout: the PyPI name serves 1.1.8


def test_demo_on_a_bus_that_is_not_there_fails_with_one_line(tmp_path: Path) -> None:
    """`demo --host/--port` with nothing listening exits 2 with one line, starting nothing."""
    done = subprocess.run([sys.executable, "-m", "ovos_PHAL_plugin_wifi_setup", "demo", "--host", LOOPBACK,
                           "--port", str(free_port())], env=clean_env(tmp_path), capture_output=True, text=True,
                          timeout=DEMO_LIMIT, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert "no messagebus at ws://127.0.0.1:" in done.stderr


def test_a_missing_step_is_named_in_the_error() -> None:
    """A step whose message never passes fails the wait with the step and the topic it waited for."""
    timeline = Timeline(FakeBus(), io.StringIO(), time.monotonic())
    with pytest.raises(StepMissed, match=r"^the round completes: no ovos.wifi.setup.completed within 0.1 s$"):
        timeline.expect("the round completes", "ovos.wifi.setup.completed", 0, timeout=0.1)


def test_the_timeline_shows_setup_messages_only() -> None:
    """Setup and connectivity topics get a line with a short payload; other traffic does not."""
    out = io.StringIO()
    bus = FakeBus()
    timeline = Timeline(bus, out, time.monotonic())
    client_id = "0b5a6c3e-9f0a-4c1e-8d2b-1a2b3c4d5e6f"
    timeline.emit("ovos.phal.wifi.plugin.client.registered", {"client": "x", "id": client_id, "client_id": client_id})
    timeline.emit("recognizer_loop:utterance", {"utterances": ["hello"]})
    timeline.emit("mycroft.internet.connected")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].split()[1:] == ["ovos.phal.wifi.plugin.client.registered", "client=x", "id=0b5a6c3e"]
    assert lines[1].split()[1:] == ["mycroft.internet.connected"]


def test_the_timeline_masks_every_secret_like_field_at_any_depth() -> None:
    """Not only a top-level `password`: every secret-like key (password, passphrase, psk, secret, key, in any
    case), at any depth of any topic the timeline shows, prints as ••••, and no secret appears."""
    out = io.StringIO()
    bus = FakeBus()
    timeline = Timeline(bus, out, time.monotonic())
    timeline.emit("ovos.phal.wifi.plugin.screen.connect", {"ssid": "Home", "password": "correct horse"})
    timeline.emit("ovos.phal.nm.connect", {"connection_name": "Home", "password": "correct horse",
                                           "security_type": "WPA2"})
    timeline.emit("ovos.phal.wifi.plugin.some.later.topic", {
        "Hotspot_Passphrase": "open sesame 1", "wifi_psk": "open sesame 2",
        "networks": [["Home", {"client_secret": "open sesame 3"}]]})
    timeline.emit("mycroft.internet.connected", {"apiKey": "open sesame 4"})
    lines = out.getvalue().splitlines()
    assert len(lines) == 4, lines
    assert lines[0].split()[2:] == ["ssid=Home", "password=••••"]
    assert "password=••••" in lines[1]
    assert "Hotspot_Passphrase=•••• wifi_psk=••••" in lines[2] and "'client_secret': '••••'" in lines[2]
    assert lines[3].split()[2:] == ["apiKey=••••"]
    for secret in ["correct horse"] + [f"open sesame {n}" for n in range(1, 5)]:
        assert secret not in out.getvalue()


def test_without_the_hotspot_extra_the_demo_plays_the_other_rounds_and_says_how_to_install_it(
        tmp_path: Path) -> None:
    """Without dbus-fast and dnslib (the hotspot extra) the demo plays rounds 1 to 3, says in round 4 that it
    needs the hotspot extra and how to install it, names the skip in the summary and exits 0, no traceback."""
    code = ("import sys; sys.modules['dnslib'] = None; sys.modules['dbus_fast'] = None; "
            "from ovos_PHAL_plugin_wifi_setup.tools.cli import main; sys.exit(main(['demo']))")
    done = subprocess.run([sys.executable, "-c", code], env=clean_env(tmp_path), capture_output=True,
                          text=True, timeout=DEMO_LIMIT, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_round_four_is_skipped_for_the_hotspot_extra(DemoRun(done, {}))


def assert_round_four_is_skipped_for_the_hotspot_extra(run: DemoRun) -> None:
    """What a demo run without the hotspot extra prints: rounds 1 to 3 played, round 4's one line, the summary."""
    out = run.done.stdout
    assert "Traceback" not in out + run.done.stderr
    for step in ("the round completes", "the device stays offline for now",
                 "the round completed once (one ovos.wifi.setup.completed)"):
        assert f"  ok  {step}" in out, out
    told = [line.narration for line in run.round_lines(4) if line.narration]
    assert len(told) == 1 and told[0].startswith("round 4 is not played: the hotspot method needs the package's "
                                                 "hotspot extra (dbus-fast, dnslib), and "), told
    assert told[0].endswith("is not installed; `pip install -e '.[hotspot]'` in the package's checkout "
                            "installs it")
    assert ("== Summary: rounds 1, 2 and 3 (round 4 skipped: the hotspot extra is not installed: "
            "pip install -e '.[hotspot]') completed in ") in out
