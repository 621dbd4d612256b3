"""Refresh the pages' Qt translation sources (.ts) and compile them (.qm) for Qt5 and Qt6.

    python test/qml/build_translations.py            # lupdate (keeps translations) + lrelease
    python test/qml/build_translations.py --check    # fail if a .qm is missing or stale

Translations live beside the pages, where mycroft-gui looks for a skill's catalogue:
gui/<framework>/translations/ovos-PHAL-plugin-wifi-setup_<lang>.qm. Uses the lupdate and
lrelease that PySide6-Essentials ships (pyside6-lupdate, pyside6-lrelease).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "ovos_PHAL_plugin_wifi_setup" / "gui"
FRAMEWORKS = ("qt5", "qt6")
SKILL_ID = "ovos-PHAL-plugin-wifi-setup"
LANGUAGES = ("de", "es", "fr", "it", "nl", "pt", "ca", "da")


def tool(name: str) -> str:
    """Find a PySide6 tool next to this interpreter or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: pip install PySide6-Essentials")
    return found


def ts_file(framework: str, lang: str) -> Path:
    """Return the translation source of one language for one framework."""
    return GUI / framework / "translations" / f"{SKILL_ID}_{lang}.ts"


def update(framework: str) -> None:
    """Merge the pages' current strings into every .ts file, keeping existing translations."""
    folder = GUI / framework
    pages = sorted(p.name for p in folder.glob("*.qml"))
    targets: List[str] = []
    for lang in LANGUAGES:
        targets += ["-ts", str(ts_file(framework, lang))]
    subprocess.run([tool("pyside6-lupdate"), "-silent", "-no-obsolete", "-locations", "none", *pages, *targets],
                   cwd=folder, check=True)


def release(framework: str, out_dir: Optional[Path] = None) -> List[Path]:
    """Compile every .ts of a framework into .qm files (beside them, or into out_dir)."""
    built = []
    for lang in LANGUAGES:
        source = ts_file(framework, lang)
        target = (out_dir or source.parent) / source.with_suffix(".qm").name
        subprocess.run([tool("pyside6-lrelease"), "-silent", str(source), "-qm", str(target)], check=True)
        built.append(target)
    return built


def check() -> List[str]:
    """Return the .qm files that are missing or differ from a fresh compile of their .ts."""
    stale = []
    for framework in FRAMEWORKS:
        with tempfile.TemporaryDirectory() as tmp:
            for fresh in release(framework, Path(tmp)):
                committed = GUI / framework / "translations" / fresh.name
                if not committed.exists() or committed.read_bytes() != fresh.read_bytes():
                    stale.append(str(committed.relative_to(ROOT)))
    return stale


def main(argv: Optional[List[str]] = None) -> int:
    """Update and compile, or only check that the compiled catalogues are current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale or missing .qm files")
    args = parser.parse_args(argv)
    if args.check:
        stale = check()
        for path in stale:
            print(f"stale or missing: {path}")
        return 1 if stale else 0
    for framework in FRAMEWORKS:
        update(framework)
        release(framework)
    return 0


if __name__ == "__main__":
    sys.exit(main())
