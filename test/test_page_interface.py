"""How PagesGUI finds a running ovos-gui's cache and writes the page files into it without following a symlink."""
from __future__ import annotations

import os
import pwd
from pathlib import Path
from typing import Dict

import pytest

from ovos_PHAL_plugin_wifi_setup import page_interface as pi
from ovos_PHAL_plugin_wifi_setup.pages import ui_directories

SKILL = "ovos-PHAL-plugin-wifi-setup"


def fake_process(proc: Path, pid: int, argv: list, environ: Dict[str, str] | None, uid: int = 1000) -> None:
    """A /proc/<pid> folder with the three files running_guis reads (no environ: this process may not read it)."""
    folder = proc / str(pid)
    folder.mkdir()
    (folder / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (folder / "status").write_text(f"Name:\tpython3\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n"
                                   f"Gid:\t{uid + 1}\t{uid + 1}\t{uid + 1}\t{uid + 1}\n")
    if environ is not None:
        (folder / "environ").write_bytes(b"".join(f"{k}={v}".encode() + b"\0" for k, v in environ.items()))


def test_ovos_gui_is_told_from_its_command_line() -> None:
    """The console script and `python -m ovos_gui` are ovos-gui; a plugin named after it or a log viewer is not."""
    assert pi.is_ovos_gui(["/usr/bin/python3", "/home/ovos/.venv/bin/ovos-gui"])
    assert pi.is_ovos_gui(["/usr/bin/python3", "-m", "ovos_gui"])
    assert not pi.is_ovos_gui(["/usr/bin/python3", "/usr/bin/ovos-gui-plugin-shell-companion"])
    assert not pi.is_ovos_gui(["less", "/var/log/ovos/gui.log"])
    assert not pi.is_ovos_gui([""])


def test_cache_follows_xdg_cache_home_then_home_then_the_user_entry() -> None:
    """ovos-gui's cache as ovos-utils resolves it: an absolute XDG_CACHE_HOME, else HOME/.cache, else the passwd home."""
    assert pi.gui_cache({"XDG_CACHE_HOME": "/srv/cache", "HOME": "/home/ovos"}, 1000) == "/srv/cache/ovos_gui"
    assert pi.gui_cache({"XDG_CACHE_HOME": "relative", "HOME": "/home/ovos"}, 1000) == "/home/ovos/.cache/ovos_gui"
    me = os.getuid()
    assert pi.gui_cache({}, me) == os.path.join(pwd.getpwuid(me).pw_dir, ".cache", "ovos_gui")


def test_running_guis_reads_user_and_cache_of_each_ovos_gui(tmp_path: Path) -> None:
    """Each ovos-gui process is listed with its effective ids and its cache; one whose environment is hidden has
    None for its cache; other processes and /proc's other folders are left out."""
    fake_process(tmp_path, 10, ["/usr/bin/python3", "/opt/venv/bin/ovos-gui"], {"HOME": "/home/ovos"})
    fake_process(tmp_path, 11, ["python3", "-m", "ovos_gui"], None, uid=1001)
    fake_process(tmp_path, 12, ["/usr/bin/python3", "-m", "ovos_PHAL"], {"HOME": "/root"}, uid=0)
    (tmp_path / "self").mkdir()
    found = sorted(pi.running_guis(str(tmp_path)))
    assert found == [pi.RunningGui(10, 1000, 1001, "/home/ovos/.cache/ovos_gui"), pi.RunningGui(11, 1001, 1002, None)]


def test_no_proc_means_no_ovos_gui(tmp_path: Path) -> None:
    """Where /proc is missing, no ovos-gui is found (and nothing fails)."""
    assert pi.running_guis(str(tmp_path / "missing")) == []


def test_page_files_are_laid_out_as_guiinterface_copies_them() -> None:
    """Framework folders go below their name, the "all" folder's files straight below the skill's folder."""
    files = pi.page_files(ui_directories())
    assert "qt5/WifiSetupLoader.qml" in files and "qt6/icons/lock.svg" in files and ".keep" in files
    assert files["qt6/WifiSetupLoader.qml"] == Path(ui_directories()["qt6"], "WifiSetupLoader.qml").read_bytes()


def test_write_pages_writes_what_is_missing_or_different(tmp_path: Path) -> None:
    """A first write puts every file there; a second writes nothing; a changed or planted file is replaced."""
    cache = tmp_path / "ovos_gui"
    cache.mkdir()
    files = pi.page_files(ui_directories())
    me, group = os.geteuid(), os.getegid()
    assert pi.write_pages(str(cache), me, group, SKILL, files) == len(files)
    loader = cache / SKILL / "qt5" / "WifiSetupLoader.qml"
    assert loader.read_bytes() == files["qt5/WifiSetupLoader.qml"]
    assert pi.write_pages(str(cache), me, group, SKILL, files) == 0
    loader.write_text("stale")
    lock = cache / SKILL / "qt6" / "icons" / "lock.svg"
    lock.unlink()
    os.mkfifo(lock)  # read without blocking, then replaced
    assert pi.write_pages(str(cache), me, group, SKILL, files) == 2
    assert loader.read_bytes() == files["qt5/WifiSetupLoader.qml"] and lock.is_file()


def test_write_pages_never_follows_a_symlink(tmp_path: Path) -> None:
    """A skill folder swapped for a symlink fails the write, a page file swapped for one is replaced: nothing
    lands where either points."""
    cache = tmp_path / "ovos_gui"
    cache.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (cache / SKILL).symlink_to(elsewhere)
    files = {"qt5/WifiSetupLoader.qml": b"page"}
    me, group = os.geteuid(), os.getegid()
    with pytest.raises(OSError):
        pi.write_pages(str(cache), me, group, SKILL, files)
    assert list(elsewhere.iterdir()) == []
    (cache / SKILL).unlink()
    (cache / SKILL / "qt5").mkdir(parents=True)
    target = elsewhere / "target.qml"
    target.write_bytes(b"keep")
    (cache / SKILL / "qt5" / "WifiSetupLoader.qml").symlink_to(target)
    assert pi.write_pages(str(cache), me, group, SKILL, files) == 1
    assert target.read_bytes() == b"keep"
    assert not (cache / SKILL / "qt5" / "WifiSetupLoader.qml").is_symlink()


def test_write_pages_refuses_a_cache_of_another_owner(tmp_path: Path) -> None:
    """A cache folder that is not ovos-gui's user's own gets nothing."""
    cache = tmp_path / "ovos_gui"
    cache.mkdir()
    with pytest.raises(PermissionError, match="belongs to uid"):
        pi.write_pages(str(cache), os.geteuid() + 1, os.getegid(), SKILL, {"qt5/x.qml": b"x"})
    assert list(cache.iterdir()) == []


def test_show_page_leaves_ovos_gui_of_its_own_user_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ovos-gui of this process's user (another HOME here) is not written to; one of another user is."""
    from ovos_utils.fakebus import FakeBus

    own_user, other = tmp_path / "own" / "ovos_gui", tmp_path / "other" / "ovos_gui"
    own_user.mkdir(parents=True)
    other.mkdir(parents=True)
    me = os.geteuid()
    guis = [pi.RunningGui(1, me, os.getegid(), str(own_user)), pi.RunningGui(2, me + 1, 0, str(other))]
    monkeypatch.setattr(pi, "running_guis", lambda: guis)
    written = []
    monkeypatch.setattr(pi, "write_pages", lambda cache, uid, gid, skill_id, files: written.append((cache, uid)) or 1)
    gui = pi.PagesGUI(SKILL, bus=FakeBus())
    gui.show_page("WifiSetupLoader")
    assert written == [(str(other.resolve()), me + 1)]
    assert list(own_user.iterdir()) == []
