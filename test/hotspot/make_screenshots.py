"""Render the README screenshots of the hotspot setup page as a phone shows it.

    python test/hotspot/make_screenshots.py [--out-dir docs]

Runs the page (SetupServer on 127.0.0.1, a free port) with the test's fake backend and the made-up networks Home
(WPA2), Café Ü (open) and Studio (WPA3), and drives Debian's chromium (`apt-get install chromium`) through
Playwright (`pip install playwright`) at a phone's viewport (390x844 CSS pixels, device scale factor 2):

- hotspot-phone.png: the list with Home picked and its password typed (masked)
- hotspot-phone-connected.png: the page once the device has joined Home
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE.parent), str(ROOT)]  # test/ (for hotspot.fake_backend) and the package

TIMEOUT_MS = 15000


def main() -> int:
    """Write both PNGs; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=str(ROOT / "docs"), help="where the PNGs go (default: docs/)")
    args = parser.parse_args()
    # OVOS modules read their configuration on import: keep them off $HOME (a throwaway tree, removed after).
    xdg = Path(tempfile.mkdtemp(prefix="hotspot-shots-"))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(xdg / var.lower())
    try:
        return shoot(Path(args.out_dir))
    finally:
        shutil.rmtree(xdg, ignore_errors=True)


def shoot(out: Path) -> int:
    """Render both shots into `out`; return the exit status."""
    if not os.path.exists("/usr/bin/chromium"):
        print("needs Debian's chromium: apt-get install chromium", file=sys.stderr)
        return 1
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("needs Playwright: pip install playwright", file=sys.stderr)
        return 1
    from hotspot.fake_backend import CHROMIUM, CHROMIUM_ARGS, PHONE, SCREENSHOT_NETWORKS, FakeBackend, RunningServer

    out.mkdir(parents=True, exist_ok=True)
    backend = FakeBackend(SCREENSHOT_NETWORKS, passwords={"Home": "correct horse battery"})
    server = RunningServer(backend)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_context(**PHONE).new_page()
                page.set_default_timeout(TIMEOUT_MS)
                page.goto(server.url)
                page.get_by_text("Home", exact=True).click()
                page.locator("#password").fill("correct horse battery")
                page.locator("#password").blur()
                page.screenshot(path=str(out / "hotspot-phone.png"))
                page.get_by_role("button", name="Connect").click()
                page.get_by_text("Connecting to Home…").wait_for()
                backend.finish()
                page.get_by_text("Connected to Home. You can close this page.").wait_for()
                page.screenshot(path=str(out / "hotspot-phone-connected.png"))
            finally:
                browser.close()
    finally:
        server.close()
    print(f"wrote {out / 'hotspot-phone.png'} and {out / 'hotspot-phone-connected.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
