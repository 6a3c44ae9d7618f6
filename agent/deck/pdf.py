"""The deck as a PDF, printed by headless Chromium (``persona deck --pdf``).

Chromium is found on ``PATH`` (``chromium``, ``chromium-browser``, ``google-chrome``,
``google-chrome-stable``) or among Playwright's downloaded browsers
(``$PLAYWRIGHT_BROWSERS_PATH``, default ``~/.cache/ms-playwright``). The page has no
scripts and no external resources, so printing it needs no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from vectorstore.errors import DependencyMissing

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PLAYWRIGHT_GLOBS = ("chromium-*/chrome-linux/chrome", "chromium-*/chrome-linux64/chrome",
                    "chromium_headless_shell-*/chrome-linux/headless_shell",
                    "chromium-*/chrome-mac/Chromium.app/Contents/MacOS/Chromium")
TIMEOUT = 120


class ChromiumMissing(DependencyMissing):
    """No Chromium to print the deck with (exit 2: the command cannot do what was asked)."""

    exit_code = 2


def playwright_dir() -> Path:
    env = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    return Path(env) if env and env != "0" else Path.home() / ".cache" / "ms-playwright"


def looked_for() -> str:
    """Where :func:`find_chromium` looks, in words (for the error message)."""
    return (f"{', '.join(NAMES)} on PATH and Playwright's Chromium under {playwright_dir()}")


def find_chromium() -> Path | None:
    """A Chromium (or Chrome) executable, or None."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    base = playwright_dir()
    for pattern in PLAYWRIGHT_GLOBS:
        for exe in sorted(base.glob(pattern), reverse=True):  # the newest revision first
            if os.access(exe, os.X_OK):
                return exe
    return None


def print_pdf(html: Path, pdf: Path, chromium: Path | None = None) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium; ``pdf`` is replaced only when the
    print succeeded."""
    exe = chromium or find_chromium()
    if exe is None:
        raise ChromiumMissing(f"no Chromium to print the PDF with: looked for {looked_for()}. "
                              f"Install one (apt-get install chromium) or open {html} in a "
                              "browser and print it; the HTML deck was written")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="persona-pdf-") as tmp:
        out = Path(tmp) / "deck.pdf"
        cmd = [str(exe), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-extensions", f"--user-data-dir={Path(tmp) / 'profile'}",
               "--no-pdf-header-footer", f"--print-to-pdf={out}", html.resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise DependencyMissing(f"{exe} did not print the PDF within {TIMEOUT} s") from None
        if done.returncode != 0 or not out.is_file() or out.read_bytes()[:4] != b"%PDF":
            tail = (done.stderr or "").strip().splitlines()[-3:]
            raise DependencyMissing(f"{exe} could not print the PDF (exit {done.returncode}): "
                                    + " / ".join(tail))
        shutil.move(str(out), pdf)
    return pdf
