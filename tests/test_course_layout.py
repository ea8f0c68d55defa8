"""An existing nbgrader course as it is: `autograde release` and `autograde grade` find the
assignment, its release and its hand-ins where the course's nbgrader_config.py (or nbgrader's
defaults) puts them, run in the course folder or pointed at it, and score every cell as stock
`nbgrader autograde` does on the same folder. A folder that is no course is a plain error."""
import shutil
import sys
from pathlib import Path

import pytest

from autograde import cli, course

from plain_course import DOCS, _run, cell_grades, totals

# nbgrader's documentation course (user_guide/managing_assignment_files) configures only these:
# its folders are nbgrader's defaults, source/, release/ and submitted/
DOCUMENTED_CONFIG = 'c = get_config()\n\nc.CourseDirectory.course_id = "example_course"\nc.Exchange.root = "{exchange}"\n'


def documentation_course(root: Path) -> Path:
    """nbgrader's documentation course copied as it is: source/ps1, submitted/STUDENT/ps1 and its config."""
    shutil.copytree(DOCS / "source" / "ps1", root / "source" / "ps1")
    for student in ("bitdiddle", "hacker"):
        shutil.copytree(DOCS / "submitted" / student / "ps1", root / "submitted" / student / "ps1")
    (root / "nbgrader_config.py").write_text(DOCUMENTED_CONFIG.format(exchange=root.parent / "exchange"), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def stock_grades(tmp_path_factory):
    """Stock nbgrader on the documentation course, as its documentation runs it."""
    root = documentation_course(tmp_path_factory.mktemp("stock") / "course")
    _run([sys.executable, "-m", "nbgrader", "generate_assignment", "ps1", "--force"], root)
    _run([sys.executable, "-m", "nbgrader", "autograde", "ps1", "--force"], root)
    return cell_grades(f"sqlite:///{root / 'gradebook.db'}", "ps1")


@pytest.mark.grading
@pytest.mark.parametrize("found_by", ["working-folder", "--course"])
def test_the_documentation_course_graded_where_it_lies_scores_as_stock(found_by, tmp_path, stock_grades):
    root = documentation_course(tmp_path / "course")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command = [sys.executable, "-m", "autograde.cli", *(["--course", str(root)] if found_by == "--course" else [])]
    cwd = root if found_by == "working-folder" else elsewhere
    env = {"AUTOGRADE_COURSE": "", "AUTOGRADE_LANG": "en"}  # empty: not set, whatever this process has
    released = _run([*command, "release"], cwd, env)
    assert (root / "release" / "ps1" / "problem1.ipynb").is_file(), released.stdout  # release_directory's default
    out = tmp_path / "out"
    # no SUBMISSIONS: the course's submitted folder (c.CourseDirectory.submitted_directory's default)
    _run([*command, "grade", "--out", str(out), "--workers", "1"], cwd, env)
    graded = cell_grades(f"sqlite:///{out / 'gradebook.db'}", "ps1")
    assert stock_grades and graded == stock_grades  # every cell: auto score, manual grade, comment
    assert totals(graded)[("bitdiddle", "problem1")] == 1.5 and totals(graded)[("hacker", "problem1")] == 3.0
    assert sorted(p.name for p in root.iterdir()) == ["nbgrader_config.py", "release", "source", "submitted"]


def test_the_layout_is_the_config_s_with_nbgrader_s_defaults(tmp_path):
    assert course.layout_of(course.ROOT) == course.Layout(source="solutions", release="notebooks")  # this course's
    assert course.solutions("ch03") == course.ROOT / "solutions" / "ch03"
    assert course.release("ch03") == course.ROOT / "notebooks" / "ch03"
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.source_directory = "instructor"\n'
                                                 'c.CourseDirectory.submitted_directory = "hand-ins"\n', encoding="utf-8")
    assert course.layout_of(tmp_path) == course.Layout(source="instructor", release="release", submitted="hand-ins")
    assert not course.is_course(tmp_path)  # neither folder is there
    (tmp_path / "release").mkdir()
    assert course.is_course(tmp_path)


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOGRADE_COURSE", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("how", ["--course", "AUTOGRADE_COURSE"])
def test_a_folder_without_an_nbgrader_config_is_no_course(how, elsewhere, monkeypatch, capsys):
    folder = elsewhere / "lecture-notes"
    (folder / "source" / "ps1").mkdir(parents=True)
    if how == "AUTOGRADE_COURSE":
        monkeypatch.setenv("AUTOGRADE_COURSE", str(folder))
    before = course.ROOT
    assert cli.main([*(["--course", str(folder)] if how == "--course" else []), "grade", "--out", "out"]) == 2
    assert f"{folder} is not a course: it has no nbgrader_config.py" in capsys.readouterr().err
    assert course.ROOT == before


@pytest.mark.parametrize("how", ["--course", "working-folder"])
def test_an_nbgrader_config_without_its_folders_is_no_course(how, elsewhere, capsys):
    (elsewhere / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.source_directory = "instructor"\n',
                                                  encoding="utf-8")
    (elsewhere / "source" / "ps1").mkdir(parents=True)  # nbgrader's default name, which this config replaced
    assert cli.main([*(["--course", str(elsewhere)] if how == "--course" else []), "release"]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert f"{elsewhere} is not a course: its nbgrader_config.py names instructor/ as the source folder and " \
           "release/ as the release folder (c.CourseDirectory.source_directory and release_directory), " \
           "and neither is there" in said


def test_a_config_that_does_not_run_is_a_plain_error(elsewhere, capsys):
    (elsewhere / "nbgrader_config.py").write_text("c = get_config(\n", encoding="utf-8")
    assert cli.main(["--course", str(elsewhere), "release"]) == 2
    assert f"{elsewhere / 'nbgrader_config.py'} could not be read as nbgrader reads it: SyntaxError" in capsys.readouterr().err
