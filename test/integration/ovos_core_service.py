"""ovos-core 2.1.1, the real skills service with its intent service, for the voice test: in a folder of its own.

No ovos-core 2.x release installs beside the venv's stack: every one of them (2.1.1 is the latest), and
ovos-padatious 1.4.x and ovos-adapt-parser 1.0.x with them, require ovos-workshop<8.0.0, and ovos-core also
watchdog<3.0, while the venv holds ovos-workshop 8.0.0 and watchdog 7.1.0. So ``make test`` puts exactly the
pins of requirements-core.txt in a folder inside the venv, never on the venv's path::

    python -m pip install --no-deps --target .venv/ovos-core-2.1.1 -r requirements-core.txt

and ``OvosCore`` runs ``python -m ovos_core`` with that folder first on PYTHONPATH: ovos-core, ovos-workshop
7.0.6, watchdog 2.3.1, padatious (with fann2) and adapt come from there, everything else (ovos-bus-client
1.5.0, ovos-plugin-manager 2.2.0, ovos-utils 0.8.5, ovos-config 1.2.2, padacioso, ...) from the venv.
``pip check`` run with that PYTHONPATH finds nothing broken beyond balena-wifi's known stale pin.
"""
import sys
from pathlib import Path
from typing import Dict

from stack import ManagedProcess, StackHome

CORE_VERSION = "2.1.1"
# Inside the venv that runs the tests (sys.prefix is the venv's folder).
CORE_DIR = Path(sys.prefix) / f"ovos-core-{CORE_VERSION}"
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements-core.txt"
INSTALL_COMMAND = f"{sys.executable} -m pip install --no-deps --target {CORE_DIR} -r {REQUIREMENTS}"
# What must be in the folder for the intent service the test relies on: ovos-core, padatious and adapt.
NEEDED = (f"ovos_core-{CORE_VERSION}.dist-info", "ovos_padatious", "fann2", "ovos_adapt", "ovos_workshop")

# Only the skill manager and its intent service: no skill installer, settings watcher, skill API or scheduler.
CORE_ARGS = ("--disable-installer", "--disable-file-watcher", "--disable-skill-api", "--disable-event-scheduler")


def core_dir() -> Path:
    """The folder holding ovos-core; raise, naming the install command, when it is missing or incomplete."""
    missing = [name for name in NEEDED if not (CORE_DIR / name).exists()]
    if missing:
        raise FileNotFoundError(f"ovos-core {CORE_VERSION} is not (completely) in {CORE_DIR} (missing {missing}); "
                                f"`make test` installs it, or run: {INSTALL_COMMAND}")
    return CORE_DIR


def core_env(home: StackHome) -> Dict[str, str]:
    """The environment of an ovos-core process for ``home``: its XDG tree, with the folder first on PYTHONPATH."""
    return home.env(PYTHONPATH=str(core_dir()))


class OvosCore(ManagedProcess):
    """The real ``ovos-core`` service (skill manager and intent service) on the bus of a ``StackHome``."""

    def __init__(self, home: StackHome, name: str = "ovos-core") -> None:
        """Prepare the service for ``home``; nothing runs until ``start()``."""
        super().__init__(name, [sys.executable, "-m", "ovos_core", *CORE_ARGS], core_env(home),
                         home.logs / f"{name}.log")
