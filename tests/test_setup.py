"""The README's JupyterLab command: `python3 course.py lab` serves the course with the
notebooks' imports installed, opening the first notebook."""
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from autograde import course
import skips
from chromium import launch
from test_browser import free_port, wait_until_serving
from conftest import SLOW

TOKEN = "setup-test"


@pytest.mark.skipif(not (course.ROOT / ".venv" / "bin" / "jupyter").exists(), reason=skips.NO_VENV)
def test_lab_command_serves_the_course(tmp_path):
    port = free_port()
    python = shutil.which("python3") or sys.executable
    log = tmp_path / "lab.log"
    with log.open("w") as out:
        lab = subprocess.Popen([python, "course.py", "lab", "--no-browser", f"--port={port}", f"--IdentityProvider.token={TOKEN}"],
                               cwd=course.ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        api = f"http://127.0.0.1:{port}/api"
        for _ in range(int(120 * SLOW)):
            try:
                listing = json.load(urllib.request.urlopen(f"{api}/contents/notebooks/ch03?token={TOKEN}", timeout=2 * SLOW))
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(log.read_text()[-2000:])
        assert sorted(item["name"] for item in listing["content"]) == sorted(p.name for p in course.release("ch03").glob("*.ipynb"))
        specs = json.load(urllib.request.urlopen(f"{api}/kernelspecs?token={TOKEN}", timeout=5 * SLOW))
        assert "python3" in specs["kernelspecs"]
        assert "start there" in log.read_text() and "01_attention_without_weights.ipynb" in log.read_text()
    finally:
        lab.terminate()
        lab.wait(timeout=30 * SLOW)


LAB_MODES = {
    # mode: (extra argument, what a student must not see, what must be there in both)
    "student": ([], {"menus": ["File", "Edit", "View", "Run", "Kernel", "Tabs", "Settings", "Help"], "formgrader": 404}),
    "instructor": (["--instructor"], {"menus": ["File", "Edit", "View", "Run", "Kernel", "Nbgrader", "Tabs", "Settings", "Help"],
                                      "formgrader": 200}),
}


@pytest.mark.skipif(not (course.ROOT / ".venv" / "bin" / "jupyter").exists(), reason="run through `python3 course.py test`")
@pytest.mark.needs_browser
@pytest.mark.parametrize("mode", list(LAB_MODES))
def test_students_lab_shows_students_tools_only(tmp_path, mode):
    """`course.py lab`: the course and nbgrader's Validate, no instructor tools (menu, Create
    Assignment sidebar, formgrader); `course.py lab --instructor`: all of them. Saves a screenshot of each."""
    from playwright.sync_api import sync_playwright

    extra, expected = LAB_MODES[mode]
    port = free_port()
    log = tmp_path / "lab.log"
    with log.open("w") as out:
        lab = subprocess.Popen([shutil.which("python3") or sys.executable, "course.py", "lab", "--no-browser", f"--port={port}",
                                f"--IdentityProvider.token={TOKEN}", *extra], cwd=course.ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, TOKEN, log)
        try:
            formgrader = urllib.request.urlopen(f"{url}/formgrader?token={TOKEN}", timeout=10 * SLOW).status
        except urllib.error.HTTPError as exc:
            formgrader = exc.code
        assert formgrader == expected["formgrader"]
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            try:
                page.goto(f"{url}/lab/tree/{course.release('ch03').relative_to(course.ROOT)}/01_attention_without_weights.ipynb?token={TOKEN}")
                page.locator(".jp-Notebook").first.wait_for(timeout=60_000 * SLOW)
                page.get_by_text("Validate", exact=True).wait_for(timeout=60_000 * SLOW)  # nbgrader's student tool, in both modes
                assert page.locator(".lm-MenuBar-itemLabel").all_inner_texts() == expected["menus"]
                create = page.locator(".lm-TabBar-tab[title='Nbgrader Create Assignment']")
                assert create.count() == (1 if mode == "instructor" else 0)
            finally:
                page.screenshot(path=str(tmp_path / f"lab-{mode}.png"))
                browser.close()
        assert (tmp_path / f"lab-{mode}.png").stat().st_size > 10_000
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=15 * SLOW)
        except subprocess.TimeoutExpired:  # with the formgrader loaded, the server can take longer to stop
            lab.kill()
            lab.wait()
