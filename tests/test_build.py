"""`autograde build` is stable: run again with nothing changed it changes no file (not even a time
stamp), and a change to one exercise changes only that notebook's files. Tensors that agree with
the committed ones up to float rounding are kept as they were; consecutive prints are stored as
one stream output however the kernel flushed them. The course is two of ch03's notebooks, copied."""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from safetensors import safe_open

from autograde import course
from autograde.authoring.record import RecordingError, run
from conftest import SLOW

NOTEBOOKS = ("01_attention_without_weights", "02_attention_all_tokens")
EDITED = NOTEBOOKS[0]
EDITED_CHECK = "softmax_naive(3 scores)"
OLD_INPUT, NEW_INPUT = "torch.tensor([1.0, 2.0, 3.0])", "torch.tensor([1.0, 2.0, 4.0])"


def build(root: Path) -> None:
    env = {**os.environ, "AUTOGRADE_COURSE": str(root), "AUTOGRADE_LANG": "en"}
    done = subprocess.run([sys.executable, "-m", "autograde.cli", "build"], capture_output=True, text=True,
                          env=env, cwd=root, timeout=900 * SLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def state(root: Path) -> dict[str, tuple[str, int]]:
    """Every file of the course: its content's digest and its modification time."""
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def tensors(path: Path) -> dict[str, bytes]:
    with safe_open(path, "pt") as f:
        return {k: f.get_tensor(k).numpy().tobytes() for k in f.keys()}


@pytest.fixture(scope="module")
def small_course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    shutil.copy(course.ROOT / "nbgrader_config.py", root)
    for name in NOTEBOOKS:
        for part in ("solutions/ch03", "notebooks/ch03", "reference/ch03/visible", "reference/ch03/hidden"):
            (root / part).mkdir(parents=True, exist_ok=True)
            suffix = ".safetensors" if part.startswith("reference") else ".ipynb"
            shutil.copy2(course.ROOT / part / f"{name}{suffix}", root / part)
    return root


def test_a_rebuild_with_nothing_changed_changes_no_file(small_course):
    build(small_course)
    first = state(small_course)
    build(small_course)
    assert state(small_course) == first


def test_one_exercise_changed_changes_only_its_notebooks_files(small_course):
    build(small_course)  # from a built course, whatever the order the tests ran in
    before = state(small_course)
    visible = small_course / "reference/ch03/visible" / f"{EDITED}.safetensors"
    values_before = tensors(visible)
    solution = small_course / "solutions/ch03" / f"{EDITED}.ipynb"
    text = solution.read_text(encoding="utf-8")
    assert text.count(OLD_INPUT) == 1
    solution.write_text(text.replace(OLD_INPUT, NEW_INPUT), encoding="utf-8")
    build(small_course)
    after = state(small_course)
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert changed == {f"solutions/ch03/{EDITED}.ipynb", f"notebooks/ch03/{EDITED}.ipynb",
                       f"reference/ch03/visible/{EDITED}.safetensors"}
    values_after = tensors(visible)
    moved = {name for name in values_before.keys() | values_after.keys()
             if values_before.get(name) != values_after.get(name)}
    # the edited check and the values of its known mistakes, nothing else, not even by rounding
    assert EDITED_CHECK in moved
    assert all(name.split("~")[0] == EDITED_CHECK for name in moved), moved


def test_points_that_do_not_add_up_name_the_cell_and_the_fix():
    nb = nbformat.read(course.solutions("ch03") / f"{EDITED}.ipynb", as_version=4)
    graded = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    graded.metadata["nbgrader"]["points"] = 3  # its checks add up to 2
    with pytest.raises(RecordingError) as error:
        run(nb, EDITED)
    message = str(error.value)
    grade_id = graded.metadata["nbgrader"]["grade_id"]
    assert f"test cell {grade_id!r} is worth 3" in message and "add up to 2" in message
    assert "must equal the sum of its checks' points" in message and "points=" in message
