"""The real ovos-gui, run as another Unix user with its own HOME and XDG dirs, shows the pages of a plugin run as root."""
from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

pytest.importorskip("ovos_gui", reason="ovos-gui is not installed beside the stack")
pytest.importorskip("websocket", reason="websocket-client is not installed")

# stack.py lives one folder up, the fake GUI client beside this file; tests may run in any import mode.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import BusRecorder, ManagedProcess, Messagebus, StackHome, free_port, port_open, wait_until  # noqa: E402
from test_ovos_gui_resolution import GUI, REPLY, ROUTE, START, GuiClient  # noqa: E402

from ovos_PHAL_plugin_wifi_setup import topics  # noqa: E402

pytestmark = [pytest.mark.qml, pytest.mark.integration]

FRAMEWORKS = ("qt5", "qt6")
BESIDE = ("ClientSelection.qml", "NetworkSetup.qml", "PageButton.qml", "icons/lock.svg", "sounds/clicked.wav")
VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.fixture
def gui_user() -> Iterator[pwd.struct_passwd]:
    """A throwaway system user (no home folder, no login) for ovos-gui, removed after the test."""
    if os.geteuid() != 0:
        pytest.skip("running ovos-gui as another Unix user needs root (to add a throwaway user and switch to it)")
    for tool in ("useradd", "userdel", "setpriv"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: cannot run ovos-gui as another Unix user")
    name = f"wifigui{secrets.token_hex(4)}"
    shell = shutil.which("nologin") or "/bin/false"
    made = subprocess.run(["useradd", "--system", "--no-create-home", "--user-group", "--shell", shell, name],
                          capture_output=True, text=True, timeout=60)
    if made.returncode != 0:
        pytest.skip(f"useradd could not add a throwaway user: {made.stderr.strip()}")
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", name], capture_output=True, timeout=60)
        try:
            grp.getgrnam(name)
        except KeyError:
            pass
        else:
            subprocess.run(["groupdel", name], capture_output=True, timeout=60)


def as_user(user: pwd.struct_passwd) -> List[str]:
    """The command prefix that runs a program as user, with only user's own group."""
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]


def interpreter_for(user: pwd.struct_passwd) -> Tuple[str, str]:
    """A Python this user may run that imports the venv's ovos-gui, and the PYTHONPATH it needs for that.

    The venv's interpreter may sit below a folder only root may enter (a pyenv build in /root, as here); a
    system Python of the same version then runs the venv's packages instead.
    """
    packages = os.pathsep.join(dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]))
    import ovos_gui

    expected = str(Path(ovos_gui.__file__).resolve())
    check = f"import ovos_gui, pathlib, sys; sys.exit(str(pathlib.Path(ovos_gui.__file__).resolve()) != {expected!r})"
    candidates = dict.fromkeys([sys.executable, f"/usr/bin/python{VERSION}", f"/usr/local/bin/python{VERSION}"])
    for candidate in candidates:
        if not Path(candidate).exists():
            continue
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": packages}
        probe = subprocess.run([*as_user(user), candidate, "-c", check], env=env, capture_output=True,
                               timeout=120, cwd="/")
        if probe.returncode == 0:
            return candidate, packages
    pytest.skip(f"no Python {VERSION} that user {user.pw_name} may run imports the venv's ovos-gui "
                f"(tried {', '.join(candidates)})")


def open_to_all(path: Path) -> bool:
    """Tell whether every user may pass through path and each folder above it."""
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in (path, *path.parents))


@pytest.fixture
def gui_root(gui_user: pwd.struct_passwd) -> Iterator[Path]:
    """A folder for ovos-gui's HOME and XDG tree, owned by its user once made.

    The session's TMPDIR (and pytest's tmp below it) is root's alone; the folder goes in the nearest folder
    above it that every user may pass through (the system's temporary folder).
    """
    here = Path(tempfile.gettempdir()).resolve()
    shared = next((p for p in (here, *here.parents) if open_to_all(p)), None)
    if shared is None:
        pytest.skip(f"no folder above {here} that another user may enter")
    root = Path(tempfile.mkdtemp(prefix="wifi-setup-gui-user-", dir=shared))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def give_to(root: Path, user: pwd.struct_passwd) -> None:
    """Hand a folder and all below it to user."""
    for top, dirs, files in os.walk(root):
        for name in [top, *(os.path.join(top, d) for d in dirs), *(os.path.join(top, f) for f in files)]:
            os.chown(name, user.pw_uid, user.pw_gid)


def test_pages_reach_ovos_gui_of_another_user(tmp_path: Path, gui_user: pwd.struct_passwd, gui_root: Path) -> None:
    """A plugin run as root with its own HOME shows its page to an ovos-gui run as another user from its cache."""
    interpreter, packages = interpreter_for(gui_user)
    gui_port = free_port()
    websocket = {"gui_websocket": {"host": "127.0.0.1", "base_port": gui_port, "route": ROUTE, "ssl": False}}
    home = StackHome.create(tmp_path, extra=websocket)
    gui_home = StackHome.create(gui_root, extra=websocket, port=home.port)
    give_to(gui_root, gui_user)
    gui_cache = gui_home.root / "cache" / "ovos_gui"
    assert home.root / "cache" != gui_home.root / "cache"
    with Messagebus(home):
        gui = ManagedProcess("ovos-gui", [*as_user(gui_user), interpreter, "-m", "ovos_gui"],
                             gui_home.env(PYTHONPATH=packages), home.logs / "ovos-gui.log")
        plugin = ManagedProcess("wifi-setup", [sys.executable, str(Path(__file__).with_name("plugin_on_bus.py")),
                                               str(home.port)], home.env(), home.logs / "plugin.log")
        with gui, plugin, BusRecorder(home.port) as probe:
            plugin.wait_for_log("plugin ready", timeout=START)
            wait_until(lambda: port_open(gui_port), timeout=START, what="the ovos-gui websocket")
            probe.wait_service_ready("gui_service", timeout=START)
            # ovos-gui runs as the throwaway user and caches below that user's tree (made as it starts: the
            # websocket may open first).
            wait_until(gui_cache.is_dir, timeout=START, what="ovos-gui's cache folder")
            assert os.stat(gui_cache).st_uid == gui_user.pw_uid
            clients: Dict[str, GuiClient] = {fw: GuiClient(gui_port, fw) for fw in FRAMEWORKS}
            try:
                probe.emit(topics.REGISTER_CLIENT, {"client": "stand-in", "type": "onDevice",
                                                    "display_text": "Set up on this screen"})
                probe.wait_for(topics.CLIENT_REGISTERED, timeout=REPLY)
                probe.emit(topics.USER_ACTIVATED)
                for framework, client in clients.items():
                    pages = client.wait_for_pages(topics.PLUGIN_ID)
                    assert [p["page"] for p in pages] == [topics.GUI_PAGE]
                    assert pages[0]["url"], (f"ovos-gui found no {framework} file for the page in its cache "
                                             f"({gui_cache}):\n{gui.tail()}")
                    url = Path(pages[0]["url"])
                    assert url == gui_cache / topics.PLUGIN_ID / framework / "WifiSetupLoader.qml"
                    assert url.read_bytes() == (GUI / framework / "WifiSetupLoader.qml").read_bytes()
                    for beside in BESIDE:
                        assert (url.parent / beside).read_bytes() == (GUI / framework / beside).read_bytes(), beside
                    # Everything written there is the GUI user's, as if ovos-gui's user had copied it.
                    for path in (url, url.parent, url.parent.parent, url.parent / "icons" / "lock.svg"):
                        info = os.stat(path)
                        assert (info.st_uid, info.st_gid) == (gui_user.pw_uid, gui_user.pw_gid), path
            finally:
                for client in clients.values():
                    client.close()
        assert "page files of ovos-PHAL-plugin-wifi-setup written into the cache of ovos-gui" in plugin.log_text()
