"""The README's JupyterLab command: `python3 course.py lab` serves the course with the
notebooks' imports installed, opening the first notebook."""
import json
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from autograde import course
from test_browser import free_port

TOKEN = "setup-test"


@pytest.mark.skipif(not (course.ROOT / ".venv" / "bin" / "jupyter").exists(), reason="run through `python3 course.py test`")
def test_lab_command_serves_the_course(tmp_path):
    port = free_port()
    python = shutil.which("python3") or sys.executable
    log = tmp_path / "lab.log"
    with log.open("w") as out:
        lab = subprocess.Popen([python, "course.py", "lab", "--no-browser", f"--port={port}", f"--IdentityProvider.token={TOKEN}"],
                               cwd=course.ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        api = f"http://127.0.0.1:{port}/api"
        for _ in range(120):
            try:
                listing = json.load(urllib.request.urlopen(f"{api}/contents/notebooks/ch03?token={TOKEN}", timeout=2))
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(log.read_text()[-2000:])
        assert sorted(item["name"] for item in listing["content"]) == sorted(p.name for p in course.RELEASE.glob("*.ipynb"))
        specs = json.load(urllib.request.urlopen(f"{api}/kernelspecs?token={TOKEN}", timeout=5))
        assert "python3" in specs["kernelspecs"]
        assert "start there" in log.read_text() and "01_attention_without_weights.ipynb" in log.read_text()
    finally:
        lab.terminate()
        lab.wait(timeout=30)
