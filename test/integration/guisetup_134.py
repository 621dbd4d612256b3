"""Where the tests find GUISetup, the on-screen client of ovos-PHAL-plugin-network-manager 1.3.4.

network-manager 1.3.5 (the current release, the one a device has and the test venv holds) dropped
GUISetup, and 1.3.4's own pins are stale (ovos-plugin-manager<1). So ``make test`` puts 1.3.4 in a
folder of its own inside the venv, never on the venv's path::

    python -m pip install --no-deps --target .venv/guisetup-1.3.4 ovos-PHAL-plugin-network-manager==1.3.4

The client host (its own process) puts that folder first on sys.path before it imports GUISetup; the
pytest process loads GUISetup's gui.py from there under a module name of its own (``load_guisetup``),
so ``ovos_PHAL_plugin_network_manager`` in the pytest process stays 1.3.5.
"""
import importlib.util
import sys
from pathlib import Path
from typing import Any

GUISETUP_VERSION = "1.3.4"
# Inside the venv that runs the tests (sys.prefix is the venv's folder).
GUISETUP_DIR = Path(sys.prefix) / f"guisetup-{GUISETUP_VERSION}"
GUISETUP_MODULE = "guisetup_network_manager_1_3_4"
INSTALL_COMMAND = (f"{sys.executable} -m pip install --no-deps --target {GUISETUP_DIR} "
                   f"ovos-PHAL-plugin-network-manager=={GUISETUP_VERSION}")


def guisetup_dir() -> Path:
    """The folder holding network-manager 1.3.4; raise, naming the install command, when it is missing."""
    dist_info = GUISETUP_DIR / f"ovos_PHAL_plugin_network_manager-{GUISETUP_VERSION}.dist-info"
    if not (GUISETUP_DIR / "ovos_PHAL_plugin_network_manager" / "gui.py").is_file() or not dist_info.is_dir():
        raise FileNotFoundError(f"network-manager {GUISETUP_VERSION}'s GUISetup is not in {GUISETUP_DIR}; "
                                f"`make test` installs it, or run: {INSTALL_COMMAND}")
    return GUISETUP_DIR


def load_guisetup() -> Any:
    """The GUISetup class of network-manager 1.3.4, from its gui.py, under a module name of its own.

    gui.py imports nothing of its own package (its QML folder is found from its own path), so it loads
    without the package, and never replaces the 1.3.5 ``ovos_PHAL_plugin_network_manager`` of this process.
    """
    module = sys.modules.get(GUISETUP_MODULE)
    if module is None:
        gui_py = guisetup_dir() / "ovos_PHAL_plugin_network_manager" / "gui.py"
        spec = importlib.util.spec_from_file_location(GUISETUP_MODULE, gui_py)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {gui_py}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[GUISETUP_MODULE] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[GUISETUP_MODULE]
            raise
    return module.GUISetup
