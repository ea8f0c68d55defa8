"""One stock `nbgrader autograde` run, shared by every test that compares with stock nbgrader
on this course (test_stock_autograde, test_recording, test_grading).

Each of those modules hands in its students when it is imported (at collection), and the
first test that asks for `stock_class` grades them all in one stock run over the class, as an
instructor would. Stock nbgrader sets the assignment up once a course folder and starts a
kernel per notebook, so one run over the union of the hand-ins grades each distinct notebook
once instead of once per module (and two stock runs at once on 2 cores made a notebook fail now
and then). Each module asserts its own things on the same gradebook; a student handed in by
two modules must hand in the same notebook under the same name (checked), so no module's
expectations can change another's.
"""
from __future__ import annotations

import nbformat
import pytest

from classroom import Classroom

_handed_in: dict[str, dict[str, str]] = {}  # student -> notebook file name -> notebook text


def hand_in(student: str, notebooks: dict[str, str]) -> str:
    """Adds `student`'s notebooks (file name -> notebook text) to the shared stock class; returns
    the student's id. A notebook another module already handed in under this name must be the same."""
    files = _handed_in.setdefault(student, {})
    for name, text in notebooks.items():
        if name in files and nbformat.reads(files[name], as_version=4) != nbformat.reads(text, as_version=4):
            raise ValueError(f"two test modules hand in different {name} as {student}: give one of them another student id")
        files[name] = text
    return student


def handed_in(student: str) -> dict[str, str]:
    """What `student` handed in to the shared stock class."""
    return dict(_handed_in[student])


@pytest.fixture(scope="session")
def stock_class(tmp_path_factory) -> Classroom:
    """Every student the collected modules handed in, graded by one stock `nbgrader autograde`."""
    assert _handed_in, "no test module handed in anything for stock nbgrader to grade"
    room = Classroom(tmp_path_factory.mktemp("stock-class"))
    for student, notebooks in sorted(_handed_in.items()):
        room.submit(student, notebooks)
    room.autograde("*")
    return room
