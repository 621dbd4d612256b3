"""The package as users install it: entry point, dependencies, and what the code may not do."""
import ast
import json
import os
import shutil
import subprocess  # noqa: S404 - the test drives pip in a throwaway virtualenv
import sys
import zipfile
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ovos_PHAL_plugin_wifi_setup"
PAGE_DIR = PACKAGE / "methods" / "hotspot" / "page"
# What a build reads besides the package: setup.py reads the README and the requirements, setuptools the LICENSE.
BUILD_INPUTS = ("setup.py", "README.md", "LICENSE", "requirements.txt", "requirements-test.txt",
                "requirements-demo.txt")
# network-manager is a peer on the bus, never an import.
FORBIDDEN_MODULES = {"subprocess", "ovos_workshop", "ovos_PHAL_plugin_network_manager"}


def package_sources() -> list:
    """Every Python file of the package."""
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", package_sources(), ids=lambda p: p.name)
def test_no_shell_outs_or_workshop(path: Path) -> None:
    """No module imports subprocess, ovos_workshop or network-manager, calls os.system or eval, or passes shell=True."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & FORBIDDEN_MODULES, ast.dump(node)
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in FORBIDDEN_MODULES, node.module
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            assert name not in ("system", "eval", "popen"), f"{path.name}:{node.lineno} calls {name}"
            assert not any(k.arg == "shell" for k in node.keywords), f"{path.name}:{node.lineno} passes shell="


def test_the_setup_page_files_are_the_ones_the_page_reads() -> None:
    """methods/hotspot/page/ holds each file render.py reads (PAGE_FILES), none empty, and nothing else."""
    from ovos_PHAL_plugin_wifi_setup.methods.hotspot.render import PAGE_FILES

    assert sorted(p.name for p in PAGE_DIR.iterdir()) == sorted(PAGE_FILES)
    assert all((PAGE_DIR / name).stat().st_size > 0 for name in PAGE_FILES)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The wheel `pip wheel --no-deps` builds from a copy of what setup.py reads (the tree stays as it was)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    built = _pip(sys.executable, "wheel", "-q", "--no-deps", "-w", str(out), str(source))
    assert built.returncode == 0, built.stderr[-3000:]
    (path,) = out.glob("*.whl")
    return zipfile.ZipFile(path)


@pytest.mark.parametrize("folder", ["gui", "locale", "methods/hotspot/page"])
def test_the_wheel_ships_every_data_file(wheel: zipfile.ZipFile, folder: str) -> None:
    """Each file of the package's data folders (the GUI pages, the catalogues, the setup page's HTML, CSS and
    JavaScript) is in the wheel: a file setup.py's package_data misses fails here."""
    names = set(wheel.namelist())
    files = [p for p in (PACKAGE / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert files, folder
    missing = [str(p.relative_to(ROOT)) for p in files if p.relative_to(ROOT).as_posix() not in names]
    assert missing == []


@pytest.mark.parametrize("group", ["opm.phal", "opm.phal.admin"])
def test_entry_point_is_declared(group: str) -> None:
    """ovos-PHAL finds the plugin under opm.phal by its name, and its admin service under opm.phal.admin."""
    found = {ep.name: ep.value for ep in entry_points(group=group)}
    assert found.get("ovos-PHAL-plugin-wifi-setup") == "ovos_PHAL_plugin_wifi_setup:WifiSetupPlugin"


def test_opm_loads_the_plugin_class() -> None:
    """ovos-plugin-manager's own discovery returns our class."""
    from ovos_plugin_manager.phal import find_phal_plugins

    from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
    assert find_phal_plugins()["ovos-PHAL-plugin-wifi-setup"] is WifiSetupPlugin


# The rest of the install line for a device with a screen (README, docs/DEVICE.md), at the versions of
# docs/DEVELOPMENT.md's "Tested with" table.
DEVICE_SERVICES = ("ovos-PHAL==0.2.12", "ovos-gui==1.3.4", "ovos-messagebus==0.0.10")
OURS = ("ovos-PHAL-plugin-wifi-setup", "ovos_PHAL_plugin_wifi_setup")
NETWORK_MANAGER = "ovos-PHAL-plugin-network-manager"
PHAL_START_TIMEOUT = 120.0


def _pip(python: str, *args: str) -> subprocess.CompletedProcess:
    """Run pip of the fresh virtualenv."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run([python, "-m", "pip", *args], env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=900)


def make_venv(venv: Path, extras: str) -> Path:
    """A new virtualenv at venv holding only `pip install '.[extras]'` (the package and those extras)."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    install = _pip(str(venv / "bin" / "python"), "install", "-q", f"{ROOT}[{extras}]")
    assert install.returncode == 0, install.stderr[-3000:]
    return venv


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv holding only `pip install '.[screen]'` (the package and its screen extra)."""
    return make_venv(tmp_path_factory.mktemp("fresh") / "venv", "screen")


def test_fresh_install_with_the_screen_extra_is_consistent(fresh_venv: Path, tmp_path: Path) -> None:
    """`pip install '.[screen]'` in a new virtualenv: pip check is clean, network-manager 1.3.5 or a later 1.x is
    there, and the plugin imports without ovos_workshop, without importing network-manager (a bus peer), and
    without the hotspot extra's dbus-fast (not installed there)."""
    python = str(fresh_venv / "bin" / "python")
    check = _pip(python, "check")
    assert check.returncode == 0, check.stdout
    # OPM's discovery imports every plugin (network-manager too): the import checks come before it.
    probe = ("import sys, ovos_PHAL_plugin_wifi_setup as p; "
             "from importlib.metadata import version; "
             "plugin_class = p.WifiSetupPlugin; "
             "assert 'ovos_workshop' not in sys.modules; "
             "assert 'ovos_PHAL_plugin_network_manager' not in sys.modules; "
             "import importlib.util; assert importlib.util.find_spec('dbus_fast') is None; "
             "from ovos_plugin_manager.phal import find_phal_plugins; "
             "assert find_phal_plugins()['ovos-PHAL-plugin-wifi-setup'] is plugin_class; "
             "import os; assert os.path.isdir(os.path.join(os.path.dirname(p.__file__), 'gui', 'qt5')); "
             f"print('network-manager', version('{NETWORK_MANAGER}')); print('ok')")
    ran = subprocess.run([python, "-c", probe], capture_output=True, text=True, cwd=tmp_path)  # noqa: S603
    assert ran.stdout.strip().endswith("ok"), ran.stderr[-3000:]
    nm_version = ran.stdout.split("network-manager ", 1)[1].split()[0]
    major, minor, patch = (int(part) for part in nm_version.split(".")[:3])
    assert major == 1 and (minor, patch) >= (3, 5), nm_version


def test_ovos_phal_in_the_fresh_venv_loads_both_plugins_without_a_warning_about_ours(
        fresh_venv: Path, tmp_path: Path) -> None:
    """The install line for a device with a screen ('.[screen]', then ovos-PHAL, ovos-gui and ovos-messagebus)
    keeps pip check clean, and that venv's ovos_PHAL loads our plugin and network-manager, logging no warning or
    error about ours. nmcli is the tests' stand-in (network-manager only needs to find one on the PATH)."""
    from stack import BusRecorder, ManagedProcess, StackHome, port_open, wait_until

    from ovos_PHAL_plugin_wifi_setup import topics

    python = str(fresh_venv / "bin" / "python")
    install = _pip(python, "install", "-q", *DEVICE_SERVICES)
    assert install.returncode == 0, install.stderr[-3000:]
    check = _pip(python, "check")
    assert check.returncode == 0, check.stdout

    nmcli_dir = tmp_path / "nmcli"
    nmcli_dir.mkdir()
    (nmcli_dir / "fixture.json").write_text(json.dumps({"access_points": []}), encoding="utf-8")
    home = StackHome.create(tmp_path / "stack", phal={"ovos-PHAL-plugin-wifi-setup": {"enabled": True},
                                                      NETWORK_MANAGER: {"enabled": True}})
    bin_dir = fresh_venv / "bin"
    env = home.env([bin_dir, ROOT / "test" / "integration" / "nmcli_bin"],
                   NMCLI_STANDIN_FIXTURE=str(nmcli_dir / "fixture.json"))
    bus = ManagedProcess("ovos-messagebus", [str(bin_dir / "ovos-messagebus")], env, home.logs / "bus.log")
    phal = ManagedProcess("ovos_PHAL", [str(bin_dir / "ovos_PHAL")], env, home.logs / "phal.log")
    with bus:
        wait_until(lambda: port_open(home.port), PHAL_START_TIMEOUT, what="ovos-messagebus listening")
        with phal:
            for name in ("ovos-PHAL-plugin-wifi-setup", NETWORK_MANAGER):
                phal.wait_for_log(f"PHAL plugin loaded: {name}", PHAL_START_TIMEOUT)
            phal.wait_for_log("PHAL is ready", PHAL_START_TIMEOUT)
            with BusRecorder(home.port) as probe:
                status = probe.request(topics.STATUS, topics.STATUS_RESPONSE, timeout=PHAL_START_TIMEOUT).data
            assert isinstance(status.get("state"), str), status  # it answers (what it says depends on timing)
            assert phal.stop() == "SIGTERM"
    log = phal.log_text()
    about_ours = [line for line in log.splitlines()
                  if any(level in line for level in (" WARNING ", " ERROR ", "Traceback"))
                  and any(name.lower() in line.lower() for name in OURS)]
    assert about_ours == [], log[-4000:]
    assert "Traceback" not in log, log[-4000:]


def test_fresh_install_with_the_hotspot_extra_is_consistent(tmp_path: Path) -> None:
    """`pip install '.[hotspot]'` in a new virtualenv: pip check is clean, the hotspot method's modules import
    with dbus-fast, dnslib, h11 and segno (the plugin imports them only when it starts that method), and the setup page
    renders from the installed files."""
    python = str(make_venv(tmp_path / "venv", "hotspot") / "bin" / "python")
    check = _pip(python, "check")
    assert check.returncode == 0, check.stdout
    probe = ("import sys, ovos_PHAL_plugin_wifi_setup; assert 'dbus_fast' not in sys.modules; "
             "from ovos_PHAL_plugin_wifi_setup.methods.hotspot.client import HotspotClient; "
             "assert all(m in sys.modules for m in ('dbus_fast', 'dnslib', 'h11', 'segno')); "
             "from ovos_PHAL_plugin_wifi_setup.methods.hotspot.render import render_page; "
             "from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue; "
             "page = render_page(Catalogue('en-us'), {'state': 'waiting'}, [], 'n'); "
             "assert '</html>' in page and 'use strict' in page and ':root' in page; print('ok')")
    ran = subprocess.run([python, "-c", probe], capture_output=True, text=True, cwd=tmp_path)  # noqa: S603
    assert ran.stdout.strip() == "ok", ran.stderr[-3000:]


def test_the_demo_plays_from_the_demo_extra_alone(tmp_path: Path) -> None:
    """`pip install '.[demo]'` in a new virtualenv, without the hotspot extra: `ovos-wifi-setup demo` plays rounds 1
    to 3, says round 4 needs the hotspot extra and how to install it, and exits 0 without a traceback; in a fresh
    shell's environment (an empty $HOME, XDG tree and TMPDIR)."""
    from test_demo import DEMO_LIMIT, DemoRun, assert_round_four_is_skipped_for_the_hotspot_extra, clean_env

    venv = make_venv(tmp_path / "venv", "demo")
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", "import importlib.util as u; "  # noqa: S603
                            "print(u.find_spec('dnslib'), u.find_spec('dbus_fast'))"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert probe.stdout.split() == ["None", "None"], probe.stdout + probe.stderr
    env = clean_env(tmp_path / "shell")
    done = subprocess.run([str(venv / "bin" / "ovos-wifi-setup"), "demo"], env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=DEMO_LIMIT, stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert_round_four_is_skipped_for_the_hotspot_extra(DemoRun(done, env))
