"""Scratch nbgrader courses built from nbgrader's own published files (its documentation course
and its autograde tests' notebooks, both inside the installed package), graded by stock
`nbgrader autograde` and by `autograde grade`, read back cell by cell from each gradebook."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbgrader
from conftest import SLOW

NBGRADER = Path(nbgrader.__file__).resolve().parent
DOCS = NBGRADER / "docs" / "source" / "user_guide"  # the documentation course: source/ps1, submitted/
FILES = NBGRADER / "tests" / "apps" / "files"  # the notebooks of nbgrader's own autograde tests

# Both courses use this project's layout (solutions/, notebooks/), which stock nbgrader reads
# from the same config; nbgrader's default code stub unless a scenario sets one.
CONFIG = """c = get_config()
c.CourseDirectory.course_id = "course101"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.Execute.timeout = 30
"""

CellGrades = dict[tuple[str, str, str], tuple]  # (student, notebook, cell) -> (auto score, needs manual grade, auto comment)


@dataclass
class Scenario:
    assignment: str
    source: dict[str, Path]  # path in the source assignment -> the file
    submitted: dict[str, dict[str, Path | str]]  # student -> path in their folder -> the file, or "release:NAME"
    config: str = ""  # more nbgrader_config.py lines
    totals: dict[tuple[str, str], float] = field(default_factory=dict)  # (student, notebook) -> nbgrader's documented score


def _course(root: Path, scenario: Scenario) -> None:
    folder = root / "solutions" / scenario.assignment
    for relative, path in scenario.source.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / relative)
    (root / "nbgrader_config.py").write_text(CONFIG + scenario.config, encoding="utf-8")


def _hand_in(root: Path, into: Path, scenario: Scenario, moodle: bool = False) -> None:
    """Each student's files as nbgrader's submitted/ holds them, or (`moodle`) as a Moodle
    download: a folder per student named with a participant id (5501, 5502, ...)."""
    for number, (student, files) in enumerate(scenario.submitted.items(), start=5501):
        folder = into / (f"{student}_{number}_assignsubmission_file_" if moodle else f"{student}/{scenario.assignment}")
        for relative, path in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(path, str):  # the student's copy of the release, unchanged
                path = root / "notebooks" / scenario.assignment / path.removeprefix("release:")
            shutil.copyfile(path, target)


def _run(command: list[str], cwd: Path, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])  # nbgrader runs `alembic`
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900 * SLOW,
                            env={**os.environ, "PATH": path, **(env or {})})
    assert not check or result.returncode == 0, f"{command}: {result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def stock(root: Path, scenario: Scenario, check: bool = True) -> CellGrades:
    """`nbgrader generate_assignment` and `nbgrader autograde` as an instructor runs them
    (`check`: that autograde exits 0, which a hostile hand-in can make it not do)."""
    _course(root, scenario)
    _run([sys.executable, "-m", "nbgrader", "generate_assignment", scenario.assignment, "--force"], root)
    _hand_in(root, root / "submitted", scenario)
    _run([sys.executable, "-m", "nbgrader", "autograde", scenario.assignment, "--force"], root, check=check)
    return cell_grades(f"sqlite:///{root / 'gradebook.db'}", scenario.assignment)


# nbgrader's own tests run its commands in one process: nbgrader.tests.run_nbgrader runs the
# command line's app (config read from the current folder, as `nbgrader` reads it) and resets it
# after each run. stock_together does the same for many courses, paying nbgrader's start-up once a command.
_RUN_IN_ONE_PROCESS = """
import json, os, sys
from nbgrader.tests import run_nbgrader
failed = {}
for root, assignment in json.loads(sys.argv[2]):
    os.chdir(root)
    try:
        run_nbgrader([sys.argv[1], assignment, "--force"])
    except AssertionError as error:  # run_nbgrader's report of a non-zero exit
        failed[root] = f"nbgrader {sys.argv[1]} {assignment}: {error}"
print(json.dumps(failed))
"""


def stock_together(courses: dict[str, tuple[Path, Scenario]]) -> dict[str, CellGrades | str]:
    """`stock` for many honest courses (name -> course folder, scenario): `nbgrader
    generate_assignment` for each in one process, the hand-ins, then `nbgrader autograde` for
    each in another; name -> its cells' grades, or what failed. Only for nbgrader's own files: a
    hostile hand-in could end the one process (`stock`, one command a process, is for those)."""
    failed: dict[str, str] = {}

    def run(command: str, roots: dict[str, tuple[Path, Scenario]]) -> None:
        listed = json.dumps([[str(root), scenario.assignment] for root, scenario in roots.values()])
        done = _run([sys.executable, "-c", _RUN_IN_ONE_PROCESS, command, listed], Path.cwd())
        failed.update(json.loads(done.stdout.splitlines()[-1]))

    for root, scenario in courses.values():
        _course(root, scenario)
    run("generate_assignment", courses)
    generated = {name: (root, scenario) for name, (root, scenario) in courses.items() if str(root) not in failed}
    for root, scenario in generated.values():
        _hand_in(root, root / "submitted", scenario)
    run("autograde", generated)
    return {name: failed.get(str(root)) or cell_grades(f"sqlite:///{root / 'gradebook.db'}", scenario.assignment)
            for name, (root, scenario) in courses.items()}


def ours(root: Path, scenario: Scenario, *args: str, moodle: bool = False) -> tuple[CellGrades, list[dict], Path]:
    """`autograde release`, then `autograde grade` of the same hand-ins (one worker; `moodle`:
    as a Moodle download): the gradebook's cells, the rows, and the output folder."""
    _course(root, scenario)
    env = {"AUTOGRADE_COURSE": str(root), "AUTOGRADE_LANG": "en"}
    command = [sys.executable, "-m", "autograde.cli"]
    _run([*command, "release", "--assignment", scenario.assignment], root, env)
    _hand_in(root, root / "class", scenario, moodle)
    out = root / "out"
    graded = _run([*command, "grade", str(root / "class"), "--out", str(out), "--assignment", scenario.assignment,
                   "--json", "--workers", "1", *args], root, env)
    return cell_grades(f"sqlite:///{out / 'gradebook.db'}", scenario.assignment), json.loads(graded.stdout)["rows"], out


def cell_grades(db_url: str, assignment: str) -> CellGrades:
    """Every graded cell of every student, as the gradebook holds it after autograding."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(db_url) as gb:
        for submission in gb.assignment_submissions(assignment):
            for nb in submission.notebooks:
                comments = {c.name: c.auto_comment for c in nb.comments}
                for grade in nb.grades:
                    found[(submission.student_id, nb.name, grade.name)] = (
                        grade.auto_score, grade.needs_manual_grade, comments.get(grade.name))
                for name, comment in comments.items():
                    found.setdefault((submission.student_id, nb.name, name), (None, None, comment))
    return found


def totals(grades: CellGrades) -> dict[tuple[str, str], float]:
    """(student, notebook) -> the sum of its cells' auto scores."""
    summed: dict[tuple[str, str], float] = {}
    for (student, notebook, _), (score, _, _) in grades.items():
        summed[(student, notebook)] = summed.get((student, notebook), 0.0) + (score or 0.0)
    return summed


def documentation_course() -> Scenario:
    """nbgrader's documentation course: ps1 (problem1, problem2, jupyter.png), bitdiddle and hacker."""
    source = {p.name: p for p in sorted((DOCS / "source" / "ps1").iterdir()) if p.is_file()}
    submitted = {student: {p.name: p for p in sorted((DOCS / "submitted" / student / "ps1").iterdir()) if p.is_file()}
                 for student in ("bitdiddle", "hacker")}
    # nbgrader's documentation shows these (user_guide/creating_and_grading_assignments)
    return Scenario("ps1", source, submitted, totals={("bitdiddle", "problem1"): 1.5, ("hacker", "problem1"): 3.0})


def autograde_tests() -> Scenario:
    """nbgrader's test_grade and test_grade_hashed_autotest: submitted-unchanged as the source,
    and four students (unchanged, changed, and the two notebooks that hide their traceback)."""
    handed = {"foo": "submitted-unchanged.ipynb", "bar": "submitted-changed.ipynb",
              "spam": "submitted-cheat-attempt.ipynb", "eggs": "submitted-cheat-attempt-alternative.ipynb"}
    return Scenario("ps1", {"p1.ipynb": FILES / "submitted-unchanged.ipynb"},
                    {student: {"p1.ipynb": FILES / name} for student, name in handed.items()},
                    totals={("foo", "p1"): 1, ("bar", "p1"): 2, ("spam", "p1"): 1, ("eggs", "p1"): 1})


def hidden_tests() -> Scenario:
    """nbgrader's test_hidden_tests_single_notebook: a comment as the code stub, the release handed in as it is."""
    return Scenario("ps1", {"p1.ipynb": FILES / "test-hidden-tests.ipynb"}, {"foo": {"p1.ipynb": "release:p1.ipynb"}},
                    config='c.ClearSolutions.code_stub = dict(python="# YOUR CODE HERE")\n', totals={("foo", "p1"): 1.5})


def relative_file() -> Scenario:
    """open_relative_file.ipynb beside data.txt (which the test cell reads): one student hands in
    only the notebook, one a data.txt of their own, which the release's copy replaces."""
    return Scenario("ps1", {"p1.ipynb": FILES / "open_relative_file.ipynb", "data.txt": FILES / "data.txt"},
                    {"foo": {"p1.ipynb": "release:p1.ipynb"},
                     "bar": {"p1.ipynb": "release:p1.ipynb", "data.txt": FILES / "submission_secret.txt"}},
                    totals={("foo", "p1"): 10, ("bar", "p1"): 10})


def _nbgrader_cell(grade_id: str, source: str) -> dict:
    from nbformat.v4 import new_code_cell

    return new_code_cell(source, metadata={"nbgrader": {"grade_id": grade_id, "grade": True, "solution": False,
                                                        "locked": True, "points": 1, "schema_version": 3}})


def shipped_files(root: Path) -> Scenario:
    """An assignment with a helper package in a subfolder, a data file in another, and a helper
    module that `c.Autograde.exclude_overwriting` leaves to the student (as in nbgrader's
    test_grade_overwrite_files_subdirs). foo hands in their own helper.py and a changed data
    file; zed hands in only the notebook, and is graded after foo on the same worker."""
    import nbformat
    from nbformat.v4 import new_notebook

    folder = root / "files"
    for relative, text in {"helpers/__init__.py": "", "helpers/util.py": "def answer():\n    return 42\n",
                           "sub/data.csv": "some,data\n", "helper.py": "VALUE = 'source'\n",
                           "foo-helper.py": "VALUE = 'student'\n", "foo-data.csv": "some,other,data\n"}.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                      cells=[_nbgrader_cell("package", "from helpers.util import answer\nassert answer() == 42"),
                             _nbgrader_cell("data", 'assert open("sub/data.csv").read() == "some,data\\n"'),
                             _nbgrader_cell("own_helper", "import helper\nassert helper.VALUE == 'student'")])
    nbformat.write(nb, folder / "p1.ipynb")
    source = {name: folder / name for name in ("p1.ipynb", "helpers/__init__.py", "helpers/util.py", "sub/data.csv",
                                               "helper.py")}
    return Scenario("ps1", source, {
        "foo": {"p1.ipynb": "release:p1.ipynb", "helper.py": folder / "foo-helper.py", "sub/data.csv": folder / "foo-data.csv"},
        "zed": {"p1.ipynb": "release:p1.ipynb"}},
        config='c.Autograde.exclude_overwriting = {"ps1": ["helper.py"]}\n',
        totals={("foo", "p1"): 3, ("zed", "p1"): 2})


def configured(root: Path) -> Scenario:
    """Test cells nbgrader scores by their outputs, under nbgrader's config: a number displayed as
    partial credit, stderr (nothing earned) unless IgnorePattern's pattern removes it, and
    LimitOutput's max_lines, which drops the stderr after a long printout (so the cell earns)."""
    import nbformat
    from nbformat.v4 import new_notebook

    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                      cells=[_nbgrader_cell("partial", "0.25"),
                             _nbgrader_cell("ignored_warning", 'import sys\nprint("WARNING: harmless", file=sys.stderr)'),
                             _nbgrader_cell("stderr", 'import sys\nprint("oops", file=sys.stderr)'),
                             _nbgrader_cell("cut_stderr", 'import sys\nprint("\\n".join(map(str, range(20))))\n'
                                                          'print("oops", file=sys.stderr)'),
                             _nbgrader_cell("raises", 'raise ValueError("no")')])
    folder = root / "files"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "p1.ipynb")
    return Scenario("ps1", {"p1.ipynb": folder / "p1.ipynb"}, {"foo": {"p1.ipynb": "release:p1.ipynb"}},
                    config='c.IgnorePattern.enabled = True\nc.IgnorePattern.pattern = "WARNING: harmless"\n'
                           'c.LimitOutput.max_lines = 5\n',
                    totals={("foo", "p1"): 2.25})


def stops_early(root: Path) -> Scenario:
    """A test cell, the student's answer, a test cell: foo's answer ends its kernel (os._exit),
    so the second test cell never runs (a cell without outputs would earn full points)."""
    import copy

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    answer = new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", metadata={"nbgrader": {
        "grade_id": "answer", "grade": False, "solution": True, "locked": False, "schema_version": 3}})
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                      cells=[_nbgrader_cell("before", "assert True"), answer, _nbgrader_cell("after", "assert True")])
    folder = root / "files"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "p1.ipynb")
    handed = copy.deepcopy(nb)
    handed.cells[1].source = "import os\nos._exit(3)"
    nbformat.write(handed, folder / "foo.ipynb")
    return Scenario("ps1", {"p1.ipynb": folder / "p1.ipynb"}, {"foo": {"p1.ipynb": folder / "foo.ipynb"}})


SECRET = 'assert "the hidden secret line" != "x"'


def leaks_hidden(root: Path) -> Scenario:
    """A test cell with hidden tests, then a visible one: foo's answer reads every cell that ran
    (from the sources IPython keeps for tracebacks) and makes the visible test fail with all of
    it as the message."""
    import copy

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    answer = new_code_cell("### BEGIN SOLUTION\ndef leak():\n    return True\n### END SOLUTION", metadata={"nbgrader": {
        "grade_id": "answer", "grade": False, "solution": True, "locked": False, "schema_version": 3}})
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                      cells=[answer,
                             _nbgrader_cell("hidden_one", f"assert True\n### BEGIN HIDDEN TESTS\n{SECRET}\n### END HIDDEN TESTS"),
                             _nbgrader_cell("visible_two", "assert leak()")])
    folder = root / "files"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "p1.ipynb")
    handed = copy.deepcopy(nb)
    # the cells' sources IPython keeps for tracebacks (a pre_run_cell hook no longer sees a test cell: pristine.py)
    handed.cells[0].source = ("import linecache\ndef leak():\n    raise ValueError(' | '.join(''.join(entry[2]) for entry in "
                              "list(linecache.cache.values()) if len(entry) == 4))")
    nbformat.write(handed, folder / "foo.ipynb")
    return Scenario("ps1", {"p1.ipynb": folder / "p1.ipynb"}, {"foo": {"p1.ipynb": folder / "foo.ipynb"}})


def clean_kernel(root: Path) -> Scenario:
    """What a notebook of a course that imports nothing finds in its kernel, as in a fresh
    ipykernel: no torch (its worker warms only what the notebooks import, here json), nothing
    left of the worker's warm-up (its names, the error it raised to load IPython's traceback
    formatting), and its cells counted as stock's kernel counts them."""
    import nbformat
    from nbformat.v4 import new_notebook

    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                      cells=[_nbgrader_cell("no_torch", 'import sys, json\nassert "torch" not in sys.modules, "torch"'),
                             _nbgrader_cell("no_warm_up", 'assert not [n for n in globals() if "warm" in n], globals()\n'
                                                          'assert not hasattr(sys, "last_value"), sys.last_value'),
                             # what stock's kernel reports in the third cell (4), which ours must report too
                             _nbgrader_cell("counted_as_stock", "assert get_ipython().execution_count == 4, "
                                                                "get_ipython().execution_count"),
                             _nbgrader_cell("fails", 'raise ValueError("its own error")'),
                             _nbgrader_cell("after_an_error", 'assert sys.last_value.args == ("its own error",)')])
    folder = root / "files"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "p1.ipynb")
    return Scenario("ps1", {"p1.ipynb": folder / "p1.ipynb"}, {"foo": {"p1.ipynb": "release:p1.ipynb"}},
                    totals={("foo", "p1"): 4})  # all but the cell that fails


def _with_cell_after(nb, grade_id: str, source: str):
    """A copy of a notebook with a plain code cell (a student's own) right after the cell `grade_id`."""
    import copy

    from nbformat.v4 import new_code_cell

    changed = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(changed.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    changed.cells.insert(index + 1, new_code_cell(source))
    return changed


def attacked_documentation_course(root: Path, attacks: list[tuple]) -> Scenario:
    """problem1 of nbgrader's documentation course, handed in by an honest student (hacker's
    notebook: 3.0 under stock nbgrader), then for each attack (its number, a hostile.Attack) its author (hacker's
    notebook with the attack's cell right after the answer `squares`, before every test cell),
    `NNa-NAME`, and an honest student again, `NNb-honest`: graded in this order on one worker."""
    import nbformat

    folder = root / "files"
    folder.mkdir(parents=True, exist_ok=True)
    honest = DOCS / "submitted" / "hacker" / "ps1" / "problem1.ipynb"
    nb = nbformat.read(honest, as_version=4)
    submitted: dict[str, dict[str, Path | str]] = {"00-honest": {"problem1.ipynb": honest}}
    for i, attack in attacks:  # numbered as in hostile.ATTACKS
        nbformat.write(_with_cell_after(nb, "squares", attack.source), folder / f"{attack.name}.ipynb")
        submitted[f"{i:02d}a-{attack.name}"] = {"problem1.ipynb": folder / f"{attack.name}.ipynb"}
        submitted[f"{i:02d}b-honest"] = {"problem1.ipynb": honest}
    source = {"problem1.ipynb": DOCS / "source" / "ps1" / "problem1.ipynb", "jupyter.png": DOCS / "source" / "ps1" / "jupyter.png"}
    return Scenario("ps1", source, submitted)


# A plain assignment whose tests assert with what plain tests use: `assert`, math.isclose,
# numpy.testing, and a number shown as partial credit. WRONG earns nothing on any of them.
RIGHT = "def squares(n):\n    return [i * i for i in range(1, n + 1)]"
WRONG = "def squares(n):\n    return [i * i for i in range(n)]"  # from 0: every test fails, the partial one shows 0.0
PLAIN_TESTS = {
    "exact": 'checked = 0\nfor n, expected in [(1, [1]), (3, [1, 4, 9])]:\n    assert squares(n) == expected, f"squares({n})"\n'
             '    checked += 1\nprint("exact:", checked, "cases")',
    "close": 'import math\nassert math.isclose(sum(squares(2)), 5.0)\nprint("close: checked")',
    "helpers": 'import numpy.testing\nnumpy.testing.assert_array_equal(squares(2), [1, 4])\nprint("helpers: checked")',
    "partial": "sum(x == i * i for i, x in enumerate(squares(4), start=1)) / 4",
}


def _edit_test(nb, grade_id: str, how: str):
    """A hand-in that changed a test cell: `edited` (its source is pass), `deleted`, or `unmarked`
    (its nbgrader metadata stripped and its source pass)."""
    import copy

    changed = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(changed.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    if how == "deleted":
        del changed.cells[index]
    else:
        changed.cells[index].source = "pass"
        if how == "unmarked":
            del changed.cells[index].metadata["nbgrader"]
    return changed


# hand-ins that change a test cell rather than add one: name -> (test cell, how)
TEST_EDITS = {"test-edited": ("exact", "edited"), "test-deleted": ("close", "deleted"), "test-unmarked": ("helpers", "unmarked")}


def plain_attacks(root: Path, attacks=(), edits: dict[str, tuple[str, str]] | None = None) -> Scenario:
    """The plain assignment: `00-honest` (the right answer) and `01-wrong` (the wrong one, the
    baseline every attacker must equal), then for each attack (hostile.Attack) its author, the
    wrong answer with the attack's cell after it, `NNa-NAME`, and an honest student, `NNb-honest`;
    then each hand-in of `edits` (the wrong answer, a test cell changed), each followed by an
    honest student too."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    answer = new_code_cell(f"### BEGIN SOLUTION\n{RIGHT}\n### END SOLUTION", metadata={"nbgrader": {
        "grade_id": "squares", "grade": False, "solution": True, "locked": False, "schema_version": 3}})
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                      cells=[answer, *(_nbgrader_cell(grade_id, source) for grade_id, source in PLAIN_TESTS.items())])
    folder = root / "files"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "p1.ipynb")
    handed = {}
    for name, text in (("honest", RIGHT), ("wrong", WRONG)):
        handed[name] = nbformat.from_dict(json.loads(nbformat.writes(nb)))
        handed[name].cells[0].source = text
        nbformat.write(handed[name], folder / f"{name}.ipynb")
    submitted: dict[str, dict[str, Path | str]] = {"00-honest": {"p1.ipynb": folder / "honest.ipynb"},
                                                   "01-wrong": {"p1.ipynb": folder / "wrong.ipynb"}}
    changed = [(a.name, _with_cell_after(handed["wrong"], "squares", a.source)) for a in attacks]
    changed += [(name, _edit_test(handed["wrong"], *how)) for name, how in (edits or {}).items()]
    for i, (name, hand_in) in enumerate(changed, start=2):
        nbformat.write(hand_in, folder / f"{name}.ipynb")
        submitted[f"{i:02d}a-{name}"] = {"p1.ipynb": folder / f"{name}.ipynb"}
        submitted[f"{i:02d}b-honest"] = {"p1.ipynb": folder / "honest.ipynb"}
    return Scenario("ps1", {"p1.ipynb": folder / "p1.ipynb"}, submitted)
