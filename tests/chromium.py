"""The headless Chromium the browser tests drive through Playwright: Playwright's own where
`python -m playwright install chromium` has put one, else the system's."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's download needs its CDN; where that is out of reach the system's Chromium does as well
HOW = ("no Chromium for the browser tests: `.venv/bin/python -m playwright install chromium` downloads "
       "Playwright's own, or install the system's (apt-get install chromium)")
# headless, with nothing that reaches for the network (there is none in CI)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def playwright_chromium() -> Path | None:
    """The newest Chromium in Playwright's browser cache (chromium-REVISION/chrome-linux*/chrome)."""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    found = [p for p in cache.glob("chromium-*/chrome-linux*/chrome")
             if p.parts[-3].removeprefix("chromium-").isdigit() and os.access(p, os.X_OK)]
    return max(found, key=lambda p: int(p.parts[-3].removeprefix("chromium-")), default=None)


def find() -> str | None:
    """Playwright's Chromium if installed, else the system's on PATH."""
    own = playwright_chromium()
    if own is not None:
        return str(own)
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


CHROMIUM = find()
needed = pytest.mark.skipif(CHROMIUM is None, reason=HOW)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
