"""The student release is exactly what nbgrader makes from the solutions, and holds no answers."""
import filecmp
import re

import nbformat

from autograde import course
from autograde.authoring.release import generate_release


def test_release_is_regenerated_identically(tmp_path, solution_notebooks):
    fresh = generate_release("ch03", tmp_path / "release")
    # what JupyterLab leaves beside the notebooks (.ipynb_checkpoints) is not part of the release
    committed = sorted(p.name for p in course.release("ch03").iterdir() if not p.name.startswith("."))
    assert sorted(p.name for p in fresh.iterdir() if not p.name.startswith(".")) == committed
    stale = [name for name in committed if not filecmp.cmp(fresh / name, course.release("ch03") / name, shallow=False)]
    assert not stale, f"notebooks/ch03 is out of date for {stale}: run `autograde release`"


SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def test_release_holds_no_solution_code_or_hidden_tests(solution_notebooks):
    for source in solution_notebooks:
        released = {cell.id: cell for cell in nbformat.read(course.release("ch03") / source.name, as_version=4).cells}
        assert not any(cell.get("outputs") for cell in released.values() if cell.cell_type == "code")
        for cell in nbformat.read(source, as_version=4).cells:
            student_lines = set(released[cell.id].source.splitlines())
            assert not {"### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"} & {line.strip() for line in student_lines}
            # lines the cell also shows outside its secret regions may appear; no other secret line may
            given = set(HIDDEN.sub("", SOLUTION.sub("", cell.source)).splitlines())
            secret = {line for region in SOLUTION.findall(cell.source) + HIDDEN.findall(cell.source)
                      for line in region.splitlines() if line.strip() and line not in given}
            assert not secret & student_lines, f"{source.name} {cell.id}: {sorted(secret & student_lines)}"
