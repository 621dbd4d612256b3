"""The file that makes NetworkManager's shared-mode dnsmasq open the setup page: its text, when a session writes
and removes it, the WARNING where it may not, `install-portal`, and the `hotspot_dnsmasq_dir` setting."""
import io
import logging
import os
from pathlib import Path
from typing import Any, Callable, List

import pytest

from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings
from ovos_PHAL_plugin_wifi_setup.methods.hotspot import portal
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.portal import (FILE_NAME, INSTALLED_MARK, SESSION_MARK, PortalFile,
                                                                content, install)
from ovos_PHAL_plugin_wifi_setup.tools.cli import main

from helpers import send, wait_until
from hotspot.conftest import WAIT, LogLines

NM = pytest.importorskip("ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm",
                         reason="needs the hotspot extra: pip install -e '.[hotspot]'")


@pytest.fixture
def levels(logs: LogLines) -> LogLines:
    """The package's log lines, each as LEVEL message."""
    logs.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    return logs


def warnings_of(logs: LogLines) -> List[str]:
    return [line for line in logs.lines if line.startswith("WARNING ")]


# ---------------------------------------------------------------------------------------- the text
def test_the_file_answers_every_name_with_the_page_and_names_it_in_dhcp_option_114() -> None:
    """The catch-all address and the forced option 114 with the page's URL, quoted as a string; the port only
    when it is not 80."""
    lines = content("10.42.0.1", 80).splitlines()
    assert lines[0] == SESSION_MARK
    assert "address=/#/10.42.0.1" in lines
    assert 'dhcp-option-force=114,"http://10.42.0.1/"' in lines
    assert 'dhcp-option-force=114,"http://192.168.4.1:8080/"' in content("192.168.4.1", 8080).splitlines()
    assert [line for line in lines if not line.startswith("#")] == [
        "address=/#/10.42.0.1", 'dhcp-option-force=114,"http://10.42.0.1/"']


@pytest.mark.parametrize("address, port", [
    ("10.42.0.1\naddress=/bank.example/6.6.6.6", 80), ('10.42.0.1"', 80), ("::1", 80), ("", 80),
    ("10.42.0.1", 0), ("10.42.0.1", 65536), ("10.42.0.1", True), ("10.42.0.1", "80")])
def test_nothing_but_an_ipv4_address_and_a_port_reaches_the_file(address: Any, port: Any) -> None:
    """A newline, a quote, an IPv6 address, an empty one, a port out of range or not an int: ValueError, no file."""
    with pytest.raises(ValueError):
        content(address, port)


# ---------------------------------------------------------------------------------------- a session's file
def test_a_session_writes_the_file_and_removes_it(tmp_path: Path) -> None:
    """write() puts the file in the directory (readable by dnsmasq, no half-written file left beside it), remove()
    takes it away, and a second remove() is harmless."""
    made = PortalFile(str(tmp_path), "10.42.0.1", 80)
    assert made.write()
    path = tmp_path / FILE_NAME
    assert path.read_text(encoding="utf-8") == content("10.42.0.1", 80)
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert sorted(os.listdir(tmp_path)) == [FILE_NAME]
    made.remove()
    assert not path.exists()
    made.remove()


def test_the_file_a_crash_left_goes_at_the_next_start_and_an_installed_one_stays(tmp_path: Path) -> None:
    """remove_stale() removes a session's file an earlier run left; install-portal's and anyone else's stay."""
    path = tmp_path / FILE_NAME
    path.write_text(content("10.42.0.1", 80), encoding="utf-8")
    assert PortalFile(str(tmp_path), "10.42.0.1", 80).remove_stale()
    assert not path.exists()
    for text in (content("10.42.0.1", 80, INSTALLED_MARK), "# the device maker's own\naddress=/#/10.0.0.1\n"):
        path.write_text(text, encoding="utf-8")
        assert not PortalFile(str(tmp_path), "10.42.0.1", 80).remove_stale()
        assert path.read_text(encoding="utf-8") == text


def test_remove_takes_away_only_the_file_this_client_wrote(tmp_path: Path) -> None:
    """Where install-portal's file says the same, a session writes nothing, warns of nothing and removes nothing."""
    install(str(tmp_path), "10.42.0.1", 80)
    installed = (tmp_path / FILE_NAME).read_text(encoding="utf-8")
    made = PortalFile(str(tmp_path), "10.42.0.1", 80)
    assert not made.write()
    made.remove()
    assert (tmp_path / FILE_NAME).read_text(encoding="utf-8") == installed


def test_where_it_may_not_write_it_warns_once_naming_the_file_and_the_command(
        tmp_path: Path, levels: LogLines, monkeypatch: pytest.MonkeyPatch) -> None:
    """No right to the directory: one WARNING, however many sessions, with the file and the command (its options
    for values that are not install-portal's defaults); the session goes on."""
    def refused(*_: Any, **__: Any) -> bool:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(portal, "install", refused)
    made = PortalFile(str(tmp_path), "10.42.0.1", 8080)
    assert not made.write() and not made.write()
    made.remove()
    assert warnings_of(levels) == [
        f"WARNING {tmp_path / FILE_NAME} could not be written (Permission denied): where NetworkManager's dnsmasq "
        "holds port 53, phones may not open the setup page by themselves; run once: "
        f"sudo ovos-wifi-setup install-portal --dir {tmp_path} --http-port 8080"]


def test_a_missing_directory_or_a_stale_installed_file_warns_once(tmp_path: Path, levels: LogLines) -> None:
    """NetworkManager reads no directory that is not there (none is made); install-portal's file for another
    address is left as it is: each is said once at WARNING."""
    missing = PortalFile(str(tmp_path / "absent"), "10.42.0.1", 80)
    assert not missing.write() and not missing.write()
    assert not (tmp_path / "absent").exists()
    install(str(tmp_path), "10.42.0.9", 80)
    other = PortalFile(str(tmp_path), "10.42.0.1", 80)
    assert not other.write() and not other.write()
    assert "address=/#/10.42.0.9" in (tmp_path / FILE_NAME).read_text(encoding="utf-8")
    found = warnings_of(levels)
    assert len(found) == 2, found
    assert "(its directory does not exist)" in found[0] and found[0].endswith("sudo ovos-wifi-setup install-portal "
                                                                              f"--dir {tmp_path / 'absent'}")
    assert "(install-portal's file there names another address or port)" in found[1]


def test_an_empty_directory_setting_or_an_unknown_port_writes_nothing_and_warns_of_nothing(
        tmp_path: Path, levels: LogLines) -> None:
    """hotspot_dnsmasq_dir "" is the device maker's "no file"; port 0 (bound at random) has no URL to give."""
    for made in (PortalFile("", "10.42.0.1", 80), PortalFile(str(tmp_path), "10.42.0.1", 0)):
        assert not made.write() and not made.remove_stale()
        made.remove()
    assert os.listdir(tmp_path) == [] and warnings_of(levels) == []


# ---------------------------------------------------------------------------------------- the setting
@pytest.mark.parametrize("value", ["", "/etc/NetworkManager/dnsmasq-shared.d", "/run/nm shared"])
def test_the_dnsmasq_dir_setting_takes_an_absolute_path_or_empty(value: str) -> None:
    """Empty (no file) or an absolute path."""
    assert Settings.from_config({"hotspot_dnsmasq_dir": value}).hotspot_dnsmasq_dir == value


@pytest.mark.parametrize("value", ["relative/dir", "/etc/x\naddress=/#/6.6.6.6", 5, None, ["/etc"]])
def test_a_bad_dnsmasq_dir_falls_back_to_networkmanagers(value: Any) -> None:
    """A relative path, a line break, a number or a list: the default, NetworkManager's own directory."""
    assert Settings.from_config({"hotspot_dnsmasq_dir": value}).hotspot_dnsmasq_dir == \
        "/etc/NetworkManager/dnsmasq-shared.d"


# ---------------------------------------------------------------------------------------- install-portal
def test_install_portal_writes_the_one_file_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    """It makes the directory if needed, writes the file with the page's URL, says so; run again it says it is
    there and leaves it (and nothing else appears)."""
    target = tmp_path / "NetworkManager" / "dnsmasq-shared.d"
    out = io.StringIO()
    assert main(["install-portal", "--dir", str(target), "--address", "192.168.4.1", "--http-port", "8080"],
                out=out) == 0
    path = target / FILE_NAME
    assert out.getvalue() == (f"installed {path}: NetworkManager's dnsmasq names http://192.168.4.1:8080/ to phones "
                              "from the next time the hotspot opens\n")
    assert path.read_text(encoding="utf-8") == content("192.168.4.1", 8080, INSTALLED_MARK)
    before = path.stat().st_mtime_ns
    again = io.StringIO()
    assert main(["install-portal", "--dir", str(target), "--address", "192.168.4.1", "--http-port", "8080"],
                out=again) == 0
    assert again.getvalue() == f"{path} is installed already (http://192.168.4.1:8080/); nothing changed\n"
    assert path.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["NetworkManager", "dnsmasq-shared.d", FILE_NAME]


def test_install_portal_refused_says_why_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A directory it may not make (a file stands in its way): exit 1, one line naming the file and sudo."""
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["install-portal", "--dir", str(tmp_path / "file" / "dir")], out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"ovos-wifi-setup: could not write {tmp_path / 'file' / 'dir' / FILE_NAME}: ")
    assert err.endswith("(run it as root: sudo ovos-wifi-setup install-portal)\n")


@pytest.mark.parametrize("option, value", [("--address", "10.42.0.1\nx"), ("--address", "::1"),
                                           ("--http-port", "0"), ("--http-port", "http")])
def test_install_portal_takes_only_an_ipv4_address_and_a_port(option: str, value: str, tmp_path: Path) -> None:
    """Anything else is a usage error (exit 2) and no file."""
    with pytest.raises(SystemExit) as done:
        main(["install-portal", "--dir", str(tmp_path), option, value], out=io.StringIO())
    assert done.value.code == 2 and os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------- in a session
def test_a_session_writes_the_file_before_the_access_point_and_it_is_gone_after(
        bus: Any, recorder: Any, nm_mock: Any, hotspot: Callable[..., Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Activated: the file is there when the access point is asked for (NetworkManager starts its dnsmasq then);
    the user skips: it is gone with the access point."""
    shared = tmp_path / "shared.d"
    shared.mkdir()
    seen: List[bool] = []
    start = NM.NetworkManager.start_access_point

    async def watched(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((shared / FILE_NAME).exists())
        return await start(self, *args, **kwargs)

    monkeypatch.setattr(NM.NetworkManager, "start_access_point", watched)
    plugin, phone = hotspot(hotspot_dnsmasq_dir=str(shared))
    send(bus, "user.activated")
    assert wait_until(phone.up, WAIT), "the setup page never came up"
    assert seen == [True]
    assert (shared / FILE_NAME).read_text(encoding="utf-8") == content("127.0.0.1", phone.http_port)
    send(bus, "skip.setup")
    assert wait_until(lambda: not (shared / FILE_NAME).exists() and not phone.up(), WAIT)


def test_the_file_goes_at_exit_and_a_crashs_file_at_the_next_start(
        bus: Any, recorder: Any, nm_mock: Any, hotspot: Callable[..., Any], tmp_path: Path) -> None:
    """A session's file a crash left is removed when the method starts; the interpreter's exit (no shutdown())
    removes the running session's."""
    shared = tmp_path / "shared.d"
    shared.mkdir()
    (shared / FILE_NAME).write_text(content("10.42.0.1", 80), encoding="utf-8")
    plugin, phone = hotspot(hotspot_dnsmasq_dir=str(shared))
    assert wait_until(lambda: not (shared / FILE_NAME).exists(), WAIT), "the crash's file stayed"
    send(bus, "user.activated")
    assert wait_until(phone.up, WAIT) and (shared / FILE_NAME).exists()
    plugin.methods.running["hotspot"]._teardown_at_exit()
    assert not (shared / FILE_NAME).exists()


def test_a_plugin_that_may_not_write_the_file_says_so_once_over_two_sessions(
        bus: Any, recorder: Any, nm_mock: Any, hotspot: Callable[..., Any], tmp_path: Path, levels: LogLines) -> None:
    """The directory is not there: the first session logs one WARNING naming the file and install-portal, the
    second none; both sessions open the page all the same."""
    missing = tmp_path / "no-such-dir"
    plugin, phone = hotspot(hotspot_dnsmasq_dir=str(missing))
    for _ in range(2):
        send(bus, "user.activated")
        assert wait_until(phone.up, WAIT), "the setup page never came up"
        send(bus, "skip.setup")
        assert wait_until(lambda: not phone.up(), WAIT)
    found = [line for line in warnings_of(levels) if FILE_NAME in line]
    assert found == [f"WARNING {missing / FILE_NAME} could not be written (its directory does not exist): where "
                     "NetworkManager's dnsmasq holds port 53, phones may not open the setup page by themselves; run "
                     f"once: sudo ovos-wifi-setup install-portal --dir {missing} --address 127.0.0.1 "
                     f"--http-port {phone.http_port}"]
    assert not missing.exists()
