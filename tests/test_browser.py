"""The first notebook in JupyterLab, driven by a real headless Chromium: run all cells of a
solved copy and see the exercise verdicts on the page."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograde import course
import chromium
import example_class as ex
from conftest import SLOW
from chromium import launch

NB1 = ex.NB1
TOKEN = "course-test"


def solved_student_copy() -> nbformat.NotebookNode:
    """The release with every answer cell filled in from the solutions, as a student would."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in ex.solved(NB1).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    return nbformat.reads(ex.answered(NB1, answers), as_version=4)


def wait_until_serving(url: str, token: str, log: Path) -> None:
    """Wait up to a minute for a Jupyter server at `url`; fail with the end of its log."""
    for _ in range(int(120 * SLOW)):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2 * SLOW)
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail("JupyterLab did not start: " + log.read_text()[-2000:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    nbformat.write(solved_student_copy(), tmp_path / NB1)
    port = free_port()
    settings = tmp_path / "settings"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')  # render every cell, not only those on screen
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={tmp_path}", "--allow-root",
         "--LabApp.news_url=", "--ServerApp.open_browser=False"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "jupyterlab.log", "w"))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, TOKEN, tmp_path / "jupyterlab.log")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30 * SLOW)


@pytest.mark.needs_browser
def test_verdicts_appear_in_jupyterlab(jupyterlab, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{jupyterlab}/lab/tree/{NB1}?token={TOKEN}")
            page.locator(".jp-Notebook").first.wait_for(timeout=60_000 * SLOW)
            page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000 * SLOW)  # the kernel is connected
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            outputs = page.locator(".jp-OutputArea-output")
            for verdict in ("✅ Exercise 1: dot-product scores", "✅ Exercise 2: naive softmax", "✅ Exercise 3: the context vector",
                            "Progress: 3 of 3 exercises pass their checks"):
                outputs.filter(has_text=verdict).first.wait_for(timeout=120_000 * SLOW)
            assert outputs.filter(has_text="matches the reference").count() >= 3
            assert outputs.filter(has_text="Traceback").count() == 0
        finally:
            page.screenshot(path=str(tmp_path / "jupyterlab.png"), full_page=False)
            browser.close()
    assert (tmp_path / "jupyterlab.png").stat().st_size > 10_000


def test_playwrights_own_chromium_is_preferred_to_the_systems(tmp_path, monkeypatch):
    """The finder takes the newest Chromium `python -m playwright install chromium` left in
    Playwright's cache, and the system's only where there is none."""
    for revision in ("1200", "1255"):
        chrome = tmp_path / f"chromium-{revision}" / "chrome-linux64" / "chrome"
        chrome.parent.mkdir(parents=True)
        chrome.write_text("#!/bin/sh\n")
        chrome.chmod(0o755)
    (tmp_path / "chromium_headless_shell-1300" / "chrome-linux").mkdir(parents=True)  # not a full browser: ignored
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    assert chromium.find() == str(tmp_path / "chromium-1255" / "chrome-linux64" / "chrome")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert chromium.find() is None  # neither: the browser tests skip, saying how to get one
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "chromium").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "chromium").chmod(0o755)
    assert chromium.find() == str(tmp_path / "bin" / "chromium")
