"""Stock `nbgrader autograde` grades the course as intended: full marks for the solutions,
nothing for the untouched release, and each catalogued mistake loses exactly its points."""
import nbformat
import pytest

from autograde import course, references
from autograde.classroom import Classroom
from autograde.mistakes import MISTAKES, apply_mistake


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    return Classroom(tmp_path_factory.mktemp("stock-course"))


def full_marks(notebook: str) -> dict[str, float]:
    return {gid: e["points"] for gid, e in references.load(hidden=False).exercises_of(notebook).items()}


def test_solutions_get_full_marks(classroom, solution_notebooks):
    classroom.submit("solved", {p.name: p for p in solution_notebooks})
    classroom.autograde("solved")
    assert classroom.scores("solved") == {p.stem: full_marks(p.stem) for p in solution_notebooks}


def test_untouched_release_gets_nothing(classroom, solution_notebooks):
    classroom.submit("blank", {p.name: course.RELEASE / p.name for p in solution_notebooks})
    classroom.autograde("blank")
    assert classroom.scores("blank") == {p.stem: dict.fromkeys(full_marks(p.stem), 0.0) for p in solution_notebooks}


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_mistake_loses_exactly_its_points(classroom, mistake):
    source = course.SOLUTIONS / f"{mistake.notebook}.ipynb"
    wrong = apply_mistake(nbformat.read(source, as_version=4), mistake)
    student = f"mistake-{mistake.id}"
    classroom.submit(student, {source.name: nbformat.writes(wrong)})
    classroom.autograde(student)
    expected = {**full_marks(mistake.notebook), **mistake.scores}
    assert classroom.scores(student)[mistake.notebook] == expected
