"""The package as users install it: entry point, dependencies, and what the code may not do."""
import ast
import os
import subprocess  # noqa: S404 - the test drives pip in a throwaway virtualenv
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ovos_PHAL_plugin_wifi_setup"
FORBIDDEN_MODULES = {"subprocess", "ovos_workshop"}


def package_sources() -> list:
    """Every Python file of the package."""
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", package_sources(), ids=lambda p: p.name)
def test_no_shell_outs_or_workshop(path: Path) -> None:
    """No module imports subprocess or ovos_workshop, calls os.system or eval, or passes shell=True."""
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


def test_entry_point_is_declared() -> None:
    """ovos-PHAL finds the plugin under opm.phal by its name."""
    found = {ep.name: ep.value for ep in entry_points(group="opm.phal")}
    assert found.get("ovos-PHAL-plugin-wifi-setup") == "ovos_PHAL_plugin_wifi_setup:WifiSetupPlugin"


def test_opm_loads_the_plugin_class() -> None:
    """ovos-plugin-manager's own discovery returns our class."""
    from ovos_plugin_manager.phal import find_phal_plugins

    from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
    assert find_phal_plugins()["ovos-PHAL-plugin-wifi-setup"] is WifiSetupPlugin


def test_fresh_install_is_consistent(tmp_path: Path) -> None:
    """In a new virtualenv holding only the package, pip check is clean and the plugin imports without ovos_workshop."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    python = str(venv / "bin" / "python")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    install = subprocess.run([python, "-m", "pip", "install", "-q", str(ROOT)], env=env,  # noqa: S603
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    check = subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True)  # noqa: S603
    assert check.returncode == 0, check.stdout
    probe = ("import sys, ovos_PHAL_plugin_wifi_setup as p; "
             "from ovos_plugin_manager.phal import find_phal_plugins; "
             "assert find_phal_plugins()['ovos-PHAL-plugin-wifi-setup'] is p.WifiSetupPlugin; "
             "import os; assert os.path.isdir(os.path.join(os.path.dirname(p.__file__), 'gui', 'qt5')); "
             "assert 'ovos_workshop' not in sys.modules; print('ok')")
    ran = subprocess.run([python, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path)  # noqa: S603
    assert ran.stdout.strip().endswith("ok"), ran.stderr[-3000:]
