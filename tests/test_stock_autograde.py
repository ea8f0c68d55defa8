"""Stock `nbgrader autograde` grades the course as intended: full marks for the solutions,
nothing for the untouched release, and each catalogued mistake loses exactly its points.

Stock nbgrader runs the check cells as a learner's kernel does, and reads each test cell's
score from its output. Every mistake is run here as that kernel runs it; stock itself grades
one mistake per notebook (its reading of partial credit), since a stock run costs seconds a
notebook."""
import nbformat
import pytest

from autograde import course
from autograde.verdict import references
from classroom import Classroom
import example_class as ex
import stock
from autograde.verdict.mistakes import MISTAKES, apply_mistake
from learner_kernel import run_as_learner

# the first catalogued mistake of each notebook: what stock nbgrader itself grades
STOCK_SAMPLE = {m.notebook: m for m in reversed(list(MISTAKES.values()))}


# the class stock nbgrader grades (one run shared with test_recording and test_grading: tests/stock.py)
SOLVED = stock.hand_in("solved", {p.name: p.read_text(encoding="utf-8") for p in sorted(course.solutions("ch03").glob("*.ipynb"))})
BLANK = stock.hand_in("blank", {p.name: p.read_text(encoding="utf-8") for p in sorted(course.release("ch03").glob("*.ipynb"))})
for _mistake in STOCK_SAMPLE.values():
    stock.hand_in(f"mistake-{_mistake.id}", dict([ex.with_mistake(_mistake.id)]))


@pytest.fixture
def classroom(stock_class) -> Classroom:
    """The solutions, the untouched release and one catalogued mistake per notebook, each
    handed in by a student of its own, graded by one stock `nbgrader autograde` over the class,
    as an instructor would."""
    return stock_class


def full_marks(notebook: str) -> dict[str, float]:
    return {gid: e["points"] for gid, e in references.load(hidden=False).exercises_of(notebook).items()}


def test_solutions_get_full_marks(classroom, solution_notebooks):
    assert classroom.scores(SOLVED) == {p.stem: full_marks(p.stem) for p in solution_notebooks}


def test_untouched_release_gets_nothing(classroom, solution_notebooks):
    assert classroom.scores(BLANK) == {p.stem: dict.fromkeys(full_marks(p.stem), 0.0) for p in solution_notebooks}


def test_every_notebook_has_a_mistake_stock_grades():
    assert set(STOCK_SAMPLE) == {p[:-len(".ipynb")] for p in course.notebook_names("ch03")}


@pytest.mark.parametrize("mistake", STOCK_SAMPLE.values(), ids=[m.id for m in STOCK_SAMPLE.values()])
def test_mistake_loses_exactly_its_points(classroom, mistake):
    expected = {**full_marks(mistake.notebook), **mistake.scores}
    assert classroom.scores(f"mistake-{mistake.id}")[mistake.notebook] == expected


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_mistake_loses_exactly_its_points_in_a_learners_kernel(mistake, monkeypatch):
    source = course.solutions("ch03") / f"{mistake.notebook}.ipynb"
    wrong = apply_mistake(nbformat.read(source, as_version=4), mistake)
    scores, _, _ = run_as_learner(wrong, mistake.notebook, monkeypatch, strict=False)
    assert {gid: earned for gid, (earned, _) in scores.items()} == pytest.approx({**full_marks(mistake.notebook), **mistake.scores})
