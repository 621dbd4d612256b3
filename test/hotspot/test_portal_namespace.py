"""The sign-in page opens on a stock device: Debian's real dnsmasq, started with NetworkManager's own arguments for
shared mode (its conf-dir holding the file our code wrote), and a phone in a network namespace of the test's own
making, joined to the device's namespace by a veth pair. The phone takes its DHCP lease (option 114 and the DNS
server in it), looks a probe host up, sends the captive-portal probe and lands on the project's real setup page.

Every packet stays between the two namespaces this test makes (10.242.0.0/24, no route anywhere else); the scripts
run in them refuse any other address. The test skips only where the machine refuses namespaces (not root, no `ip`)
or dnsmasq or udhcpc is missing, naming why and the command that installs them.
"""
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, Iterator, List, Optional, TextIO

import pytest

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.portal import FILE_NAME, PortalFile

pytest.importorskip("dnslib", reason="needs the hotspot extra: pip install -e '.[hotspot]'")

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NETWORK = ipaddress.ip_network("10.242.0.0/24")  # made up for this test, only inside its namespaces
DEVICE = "10.242.0.1"
PAGE_URL = f"http://{DEVICE}/"
PROBE_HOST = "connectivitycheck.gstatic.com"
PROBE_PATH = "/generate_204"
INSTALL = "apt-get install -y dnsmasq-base udhcpc"
WAIT = 20.0

# What the phone's DHCP client hands its script: each event's environment into a file, and the address it was
# given onto its interface (inside the phone's namespace: `ip` there changes that namespace only).
LEASE_SCRIPT = """#!/bin/sh
env > "{dump}.$1"
case "$1" in
    bound|renew) ip addr add "$ip/$mask" dev "$interface" ;;
esac
"""


def ip(*args: str) -> None:
    """One `ip` command; every one this test runs names one of its own namespaces (-n) or adds/deletes one."""
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=WAIT)


def stop(process: Optional["subprocess.Popen[str]"]) -> None:
    """SIGTERM, then SIGKILL if it does not end."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@pytest.fixture
def namespaces(tmp_path: Path) -> Iterator[Dict[str, str]]:
    """The device's namespace and the phone's, a veth pair between them, 10.242.0.1/24 on the device's end; the
    phone's end has no address until its lease. Both deleted afterwards (their interfaces with them)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("network namespaces need root and iproute2's `ip` (CI runs as root)")
    for tool in ("dnsmasq", "udhcpc"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: {INSTALL}")
    tag = f"{os.getpid() % 100000}"
    names = {"device": f"ovoswt-dev-{tag}", "phone": f"ovoswt-phone-{tag}", "device_if": f"owd{tag}",
             "phone_if": f"owp{tag}"}
    made: List[str] = []
    try:
        for role in ("device", "phone"):
            try:
                ip("netns", "add", names[role])
            except subprocess.CalledProcessError as e:
                pytest.skip(f"this machine refuses network namespaces: {e.stderr.decode().strip()}")
            made.append(names[role])
            ip("-n", names[role], "link", "set", "lo", "up")
        # Made inside the device's namespace with its peer in the phone's: never an interface in the root one.
        ip("-n", names["device"], "link", "add", names["device_if"], "type", "veth",
           "peer", "name", names["phone_if"], "netns", names["phone"])
        ip("-n", names["device"], "addr", "add", f"{DEVICE}/{NETWORK.prefixlen}", "dev", names["device_if"])
        ip("-n", names["device"], "link", "set", names["device_if"], "up")
        ip("-n", names["phone"], "link", "set", names["phone_if"], "up")
        yield names
    finally:
        for name in made:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=WAIT)


def said(stream: TextIO, line: str, timeout: float) -> bool:
    """True once `stream` gives that line within `timeout` (read on a thread: a silent process cannot hang us)."""
    seen = threading.Event()

    def read() -> None:
        for each in stream:
            if each.strip() == line:
                seen.set()
                return

    threading.Thread(target=read, name="namespace-test-reader", daemon=True).start()
    return seen.wait(timeout)


def in_namespace(name: str, *command: str) -> List[str]:
    """A command run inside one of the test's namespaces."""
    return ["ip", "netns", "exec", name, *command]


def networkmanagers_dnsmasq(interface: str, conf_dir: Path, state: Path) -> List[str]:
    """dnsmasq as NetworkManager's nm-dnsmasq-manager starts it for a shared connection on `interface` at DEVICE
    on a device with no default route (no router option), its lease and pid files in `state` in place of
    NetworkManager's own folders, with the log lines it adds when its debug logging is on, and the log on stderr
    for this test's failure message. No --no-resolv, as NetworkManager: nothing is forwarded (every name is
    answered by the file), and the device's namespace has no route to any upstream anyway."""
    return ["dnsmasq", "--conf-file=/dev/null", "--no-hosts", "--keep-in-foreground", "--bind-interfaces",
            "--except-interface=lo", "--clear-on-reload", "--strict-order", f"--listen-address={DEVICE}",
            "--dhcp-range=10.242.0.10,10.242.0.254,60m",
            "--dhcp-lease-max=50", f"--dhcp-leasefile={state}/dnsmasq-{interface}.leases",
            f"--pid-file={state}/nm-dnsmasq-{interface}.pid", f"--conf-dir={conf_dir}",
            "--log-dhcp", "--log-queries", "--log-facility=-"]


def lease_of(dump: Path) -> Dict[str, str]:
    """The environment udhcpc gave its script at "bound"."""
    found: Dict[str, str] = {}
    for line in (dump.parent / f"{dump.name}.bound").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        found[key] = value
    return found


def test_a_phone_in_its_own_namespace_gets_option_114_and_lands_on_the_page_through_networkmanagers_dnsmasq(
        namespaces: Dict[str, str], tmp_path: Path) -> None:
    """The session's file in dnsmasq's conf-dir; the phone's lease names the page (option 114) and the DNS server,
    the probe host resolves to the page's address, the probe is sent to the page and the page answers; the file is
    gone after teardown."""
    conf_dir, state = tmp_path / "dnsmasq-shared.d", tmp_path / "state"
    conf_dir.mkdir()
    state.mkdir()
    portal = PortalFile(str(conf_dir), DEVICE, 80)
    assert portal.write()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "test"),
                                                        os.environ.get("PYTHONPATH", "")])}
    dnsmasq = page = None
    try:
        dnsmasq = subprocess.Popen(
            in_namespace(namespaces["device"], *networkmanagers_dnsmasq(namespaces["device_if"], conf_dir, state)),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        page = subprocess.Popen(in_namespace(namespaces["device"], sys.executable, str(HERE / "netns_page.py"),
                                             DEVICE, "80"),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        assert page.stdout is not None
        # Its log lines come first on stdout, then "ready"; an end of file is a page that did not start.
        assert said(page.stdout, "ready", WAIT), "the page did not start"

        # The phone joins: a DHCP lease from the device's dnsmasq (udhcpc asks for option 114, as phones do).
        dump = tmp_path / "lease"
        script = tmp_path / "lease.sh"
        script.write_text(LEASE_SCRIPT.format(dump=dump), encoding="utf-8")
        os.chmod(script, 0o700)  # udhcpc runs it as root
        joined = subprocess.run(
            in_namespace(namespaces["phone"], "udhcpc", "-i", namespaces["phone_if"], "-f", "-q", "-n",
                         "-t", "10", "-T", "1", "-A", "1", "-O", "114", "-s", str(script)),
            capture_output=True, text=True, timeout=WAIT * 2)
        assert joined.returncode == 0, f"no lease: {joined.stdout}{joined.stderr}"
        lease = lease_of(dump)
        assert ipaddress.ip_address(lease["ip"]) in NETWORK, lease
        assert lease["dns"].split() == [DEVICE], lease
        assert bytes.fromhex(lease["opt114"]).decode("ascii") == PAGE_URL, lease

        # Its captive-portal check: the lookup at the DNS server of its lease, the probe, the redirect followed.
        assert ipaddress.ip_address(lease["dns"]) in NETWORK
        phone = subprocess.run(in_namespace(namespaces["phone"], sys.executable, str(HERE / "netns_phone.py"),
                                            str(NETWORK), lease["dns"], PROBE_HOST, PROBE_PATH),
                               capture_output=True, text=True, timeout=WAIT * 2, env=env)
        assert phone.returncode == 0, phone.stderr
        seen = json.loads(phone.stdout)
        assert seen["answers"] == [DEVICE]
        assert seen["probe"]["status"] == 302 and seen["probe"]["location"] == PAGE_URL, seen["probe"]
        assert seen["page"]["status"] == 200 and "<form" in seen["page"]["body"], seen["page"]["status"]
    except AssertionError:
        stop(dnsmasq)
        log = dnsmasq.stderr.read() if dnsmasq is not None and dnsmasq.stderr is not None else ""
        print(f"dnsmasq said:\n{log}")
        raise
    finally:
        if page is not None and page.stdin is not None:
            page.stdin.close()
            try:
                page.wait(5)
            except subprocess.TimeoutExpired:
                pass
        stop(page)
        stop(dnsmasq)
    portal.remove()
    assert not (conf_dir / FILE_NAME).exists()
