"""What the browser tests need besides Python packages: a Chromium and axe-core.

`python -m tests.e2e.browser --install` (run by `make e2e-deps`, and so by `make test`):

- Chromium: nothing to do when one is found (Debian's /usr/bin/chromium, or Playwright's
  own). Otherwise Debian's package when running as root with apt-get (Playwright cannot
  download browsers on every machine, but apt can), else `python -m playwright install
  chromium`. When neither works it stops with a message naming both routes: the browser
  suite must never be skipped silently.
- axe-core: `npm ci` from the committed package-lock.json when node_modules/axe-core is
  missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hub.reports import CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_CHROMIUM = CHROMIUM  # stated once, in hub.reports (kaleido draws chart images with it)
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Debian's Chromium in a container: no sandbox (root), no GPU, and nothing phoning home.
LAUNCH_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run")

HOW_TO_INSTALL_CHROMIUM = (
    "No Chromium for the browser tests. Install one of:\n"
    "  - Debian, as root:   apt-get update && apt-get install -y chromium\n"
    "  - anywhere else:     .venv/bin/python -m playwright install chromium\n"
    "then run `make test` again (`make e2e-deps` tries both for you).")

HOW_TO_INSTALL_AXE = (
    "No axe-core for the accessibility tests, and `npm ci` could not install it. Install "
    "Node.js with npm (for example `apt-get install -y npm`), then run `npm ci` in the "
    "repository root.")


def _playwright_chromium() -> Path | None:
    """Playwright's own Chromium, when `playwright install chromium` has been run."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = Path(p.chromium.executable_path)
    except Exception:  # no driver, or no browser for this platform
        return None
    return path if path.is_file() else None


def chromium_executable() -> Path | None:
    """The Chromium to drive: Debian's when installed, else Playwright's; None when neither.

    For Playwright's, `launch()` needs no executable_path, but passing it is harmless and
    makes the choice visible in one place."""
    if DEBIAN_CHROMIUM.is_file() and os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    return _playwright_chromium()


def _run(command: list[str]) -> bool:
    print("+", " ".join(command), flush=True)
    try:
        return subprocess.run(command, check=False).returncode == 0
    except OSError as exc:
        print(f"  {exc}", file=sys.stderr)
        return False


def install_chromium() -> Path | None:
    found = chromium_executable()
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        installed = _run(["apt-get", "update"]) and _run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"])
        if installed and chromium_executable():
            return chromium_executable()
    _run([sys.executable, "-m", "playwright", "install", "chromium"])
    return chromium_executable()


def install_axe() -> Path | None:
    """node_modules/axe-core from package-lock.json (`npm ci`), when it is not there yet."""
    if AXE_SCRIPT.is_file():
        return AXE_SCRIPT
    npm = shutil.which("npm")
    if npm:
        _run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(ROOT)])
    return AXE_SCRIPT if AXE_SCRIPT.is_file() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.browser", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--install", action="store_true",
                        help="install Chromium and axe-core when missing")
    args = parser.parse_args(argv)
    if not args.install:
        found = chromium_executable()
        print(found or HOW_TO_INSTALL_CHROMIUM)
        return 0 if found else 1
    chromium = install_chromium()
    if not chromium:
        print(HOW_TO_INSTALL_CHROMIUM, file=sys.stderr)
        return 1
    axe = install_axe()
    if not axe:
        print(HOW_TO_INSTALL_AXE, file=sys.stderr)
        return 1
    print(f"Browser tests: Chromium {chromium}, axe-core {axe.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
