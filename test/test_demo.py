"""`ovos-wifi-setup demo` run as a person would: a subprocess that plays both rounds and cleans up."""
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict

import pytest
from ovos_utils.fakebus import FakeBus

from stack import BIN_DIR, LOOPBACK, free_port, port_open

from ovos_PHAL_plugin_wifi_setup.demo import StepMissed, Timeline

DEMO_LIMIT = 180.0  # a generous wall; the demo itself takes seconds


def clean_env(tmp_path: Path) -> Dict[str, str]:
    """The environment of a fresh shell: no OVOS settings, an empty home and XDG tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OVOS_", "MYCROFT_", "XDG_"))}
    env["HOME"] = str(tmp_path / "home")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    return env


def test_demo_plays_both_rounds_and_stops_everything(tmp_path: Path) -> None:
    """The demo exits 0, shows both rounds and its summary, and leaves no bus and no temporary tree."""
    done = subprocess.run([str(BIN_DIR / "ovos-wifi-setup"), "demo"], env=clean_env(tmp_path),
                          capture_output=True, text=True, timeout=DEMO_LIMIT, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "== Round 1: headless device (gui: never), the watchdog on ==" in out
    assert "== Round 2: with a screen (gui: always) ==" in out
    assert "== Summary: both rounds completed in" in out
    for step in ("the watchdog launches setup (grace 0)", "headless: demo-remote (needs no input) is activated",
                 "the round completes", "the selection page is shown again", "the device stays offline for now"):
        assert f"  ok  {step}" in out
    for topic in ("ovos.wifi.setup.completed", "ovos.shell.status.ok", "ovos.phal.wifi.plugin.client.setup.failure",
                  "gui.page.show"):
        assert topic in out
    assert "Traceback" not in done.stderr
    started = re.search(r"starting ovos-messagebus on 127\.0\.0\.1:(\d+) \(XDG tree (\S+)\)", out)
    assert started, out
    assert not port_open(int(started.group(1))), "the demo's messagebus still listens"
    assert not Path(started.group(2)).exists(), "the demo's temporary tree was left behind"


def test_demo_without_ovos_messagebus_says_how_to_install_it(tmp_path: Path) -> None:
    """Without the demo extra the demo names the install command and exits 2."""
    code = ("import sys; sys.modules['ovos_messagebus'] = None; "
            "from ovos_PHAL_plugin_wifi_setup.cli import main; sys.exit(main(['demo']))")
    done = subprocess.run([sys.executable, "-c", code], env=clean_env(tmp_path), capture_output=True,
                          text=True, timeout=DEMO_LIMIT, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "the demo needs ovos-messagebus" in done.stderr
    assert "ovos-PHAL-plugin-wifi-setup[demo]" in done.stderr


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
