"""nbgrader's autograde, set up once for a whole run.

nbgrader's `autograde` command builds its converter, opens the gradebook a dozen times and
reads and writes every notebook twice, for each student. A Recorder runs the same steps
(nbgrader's preprocessors, composed in grader.py, and nbgrader's gradebook) with all of
that done once:

  sanitize(nb)          the sanitizing steps, on the notebook as it was read; its code cells
                        are what the workers run
  record(student, ...)  the autograde steps on the same notebooks, the student's grades in one
                        gradebook transaction, then each autograded notebook written once

The lookups the steps make for every cell go to an AssignmentCells read once per run, and
SaveAutoGrades fills in a SubmissionGrades loaded with one query per student.
"""
from __future__ import annotations

import contextlib
import functools
import json
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from .. import atomic

if TYPE_CHECKING:
    from nbformat import NotebookNode

AUTOGRADE_KEY = "autograde"  # where in nbgrader's resources our steps find what the run hands them
RAN_KEY = "ran"  # under it: the ids of the cells the worker ran (PrecomputedExecute), for plain_tests.PlainTests


@dataclass
class Recorded:
    """A notebook's result as the gradebook holds it after `record`."""
    score: float
    max_score: float
    exercises: dict[str, float]
    notebook: NotebookNode  # the autograded notebook


class Stages:
    """Seconds spent per stage of grading (read, sanitize, execute, compare, record,
    feedback), for `autograde grade --profile` and `bench/bench.py --profile`. `execute` is the
    workers' time, summed over workers; the others are the grading process's own."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.first_notebook: float | None = None  # time.monotonic() when the first notebook started running
        self.setup_cpu = 0.0  # CPU seconds of the grading process spent setting up (imports, nbgrader, references)

    def as_dict(self, notebooks: int) -> dict:
        """The profile `autograde grade --profile` writes: seconds per stage, in all and per notebook."""
        return {"notebooks": notebooks, "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
                "seconds_per_notebook": {k: round(v / max(notebooks, 1), 5) for k, v in self.seconds.items()},
                "first_notebook_monotonic": self.first_notebook, "setup_cpu_seconds": round(self.setup_cpu, 3)}

    def timed(self, stage: str, step: Callable, *args):
        started = time.perf_counter()
        try:
            return step(*args)
        finally:
            self.seconds[stage] += time.perf_counter() - started


class AssignmentCells:
    """What the gradebook holds about the assignment's notebooks (source cells, points,
    kernelspec), read once per run. It answers the `find_*` lookups that nbgrader's
    OverwriteCells and OverwriteKernelspec make for every cell, the way the gradebook would."""

    def __init__(self, gradebook, assignment: str):
        self.assignment = assignment
        self.notebooks = {}
        for nb in gradebook.find_assignment(assignment).notebooks:
            self.notebooks[nb.name] = SimpleNamespace(
                name=nb.name, kernelspec=nb.kernelspec,
                source_cells=[_copy(c, "name", "cell_type", "locked", "checksum", "source") for c in nb.source_cells],
                grade_cells=[_copy(c, "name", "cell_type", "max_score") for c in nb.grade_cells],
                solution_cells=[_copy(c, "name") for c in nb.solution_cells],
                task_cells=[_copy(c, "name", "cell_type", "max_score") for c in nb.task_cells])

    def find_notebook(self, notebook: str, assignment: str):
        from nbgrader.api import MissingEntry

        if assignment != self.assignment or notebook not in self.notebooks:
            raise MissingEntry()
        return self.notebooks[notebook]

    def find_source_cell(self, name: str, notebook: str, assignment: str):
        return self._find(name, self.find_notebook(notebook, assignment).source_cells)

    def find_graded_cell(self, name: str, notebook: str, assignment: str):
        nb = self.find_notebook(notebook, assignment)
        return self._find(name, nb.grade_cells + nb.task_cells)

    @staticmethod
    def _find(name: str, cells: list):
        from nbgrader.api import MissingEntry

        for cell in cells:
            if cell.name == name:
                return cell
        raise MissingEntry()


class SubmissionGrades:
    """One student's grades and comments, loaded with one query each, for nbgrader's
    SaveAutoGrades to fill in through the same `find_grade`/`find_comment` calls it makes on
    a gradebook. Its `db.commit()` does nothing: the Recorder commits the student at once."""

    def __init__(self, gradebook, assignment: str, student: str):
        from nbgrader.api import Comment, Grade, GradeCell, SolutionCell

        self.gradebook = gradebook
        self.grades = {key: g for key, g in _by_cell(gradebook, Grade, GradeCell, assignment, student)}
        self.comments = {key: c for key, c in _by_cell(gradebook, Comment, SolutionCell, assignment, student)}
        self.db = SimpleNamespace(commit=lambda: None)

    def find_grade(self, grade_cell: str, notebook: str, assignment: str, student: str):
        found = self.grades.get((notebook, grade_cell))  # task cells (none in this course) are looked up
        return found if found is not None else self.gradebook.find_grade(grade_cell, notebook, assignment, student)

    def find_comment(self, solution_cell: str, notebook: str, assignment: str, student: str):
        found = self.comments.get((notebook, solution_cell))
        return found if found is not None else self.gradebook.find_comment(solution_cell, notebook, assignment, student)


class Recorder:
    """nbgrader's autograde steps and gradebook, set up once. Only this object writes the
    gradebook, from the grading process."""

    def __init__(self, root: Path, db_url: str, config, assignment: str,
                 sanitize_steps: Callable[[], list], autograde_steps: Callable[[], list], stages: Stages | None = None):
        from nbgrader.api import Gradebook

        self.root, self.db_url, self.assignment = root, db_url, assignment
        self.gradebook = Gradebook(db_url, config.CourseDirectory.course_id)
        self.cells = AssignmentCells(self.gradebook, assignment)
        self.config = config
        self.sanitize_steps = [step(config=config) for step in sanitize_steps()]
        self._autograde_steps = autograde_steps
        self.stages = stages or Stages()

    @functools.cached_property
    def autograde_steps(self) -> list:
        # made when the first notebook is back: scoring needs torch and the references, which load meanwhile
        from ..verdict.references import references

        started = time.process_time()
        steps = [step(config=self.config) for step in self._autograde_steps()]
        references()
        self.stages.setup_cpu += time.process_time() - started
        return steps

    def close(self) -> None:
        self.gradebook.close()

    def has_submission(self, student: str) -> bool:
        """Whether the gradebook holds grades of `student` for the assignment (from an earlier run)."""
        from nbgrader.api import MissingEntry

        try:
            self.gradebook.find_submission(self.assignment, student)
        except MissingEntry:
            return False
        return True

    def _resources(self, student: str, notebook: str, **ours) -> dict:
        return {"nbgrader": {"notebook": notebook, "assignment": self.assignment, "student": student,
                             "db_url": self.db_url},
                AUTOGRADE_KEY: {"cells": self.cells, **ours}}

    def sanitize(self, nb: NotebookNode, student: str, notebook: str) -> NotebookNode:
        """nbgrader's sanitizing steps, in place; raises what they raise on a notebook they refuse."""
        resources = self._resources(student, notebook)
        for step in self.sanitize_steps:
            nb, resources = step(nb, resources)
        return nb

    def record(self, student: str, replies: dict[str, tuple[NotebookNode, dict]]) -> dict[str, Recorded]:
        """Autograde each sanitized notebook (name -> (notebook, its worker's reply)) and save
        the student's grades; notebooks of the assignment not among them score zero, as
        nbgrader's autograde scores a missing file. Returns each notebook's result."""
        gb = self.gradebook
        try:
            with _committed_later(gb):  # the student, the submission and the grades: one transaction, one commit
                gb.update_or_create_student(student)
                gb.update_or_create_submission(self.assignment, student)
            grades = SubmissionGrades(gb, self.assignment, student)
            autograded = {}
            for name, (nb, reply) in replies.items():
                resources = self._resources(student, name, reply=reply, grades=grades)
                for step in self.autograde_steps:
                    nb, resources = self.stages.timed(getattr(step, "stage", "record"), step, nb, resources)
                autograded[name] = nb
            for (name, _), grade in grades.grades.items():
                if name not in replies:
                    grade.auto_score, grade.needs_manual_grade = 0, False
            self.stages.timed("record", gb.db.commit)
            results = self.stages.timed("record", self._results, student, autograded)
        except BaseException:
            gb.db.rollback()
            raise
        finally:
            gb.db.expunge_all()  # nothing of this student stays in the session: memory stays flat
        self.stages.timed("record", self._write, student, results)
        return results

    def _results(self, student: str, autograded: dict[str, NotebookNode]) -> dict[str, Recorded]:
        """Scores as the gradebook computes them (the same sums nbgrader's own reports show)."""
        from nbgrader.api import Grade, GradeCell, Notebook, SubmittedNotebook

        db = self.gradebook.db
        totals = _of_student(db.query(Notebook.name, SubmittedNotebook.score, SubmittedNotebook.max_score)
                             .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id), self.assignment, student)
        exercises = defaultdict(dict)
        per_cell = _of_student(db.query(Notebook.name, GradeCell.name, Grade.score)
                               .join(GradeCell, GradeCell.id == Grade.cell_id)
                               .join(SubmittedNotebook, SubmittedNotebook.id == Grade.notebook_id)
                               .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id)
                               .filter(GradeCell.cell_type == "code"), self.assignment, student)
        for name, cell, score in per_cell:
            exercises[name][cell] = float(score)
        return {name: Recorded(float(score), float(max_score), exercises[name], autograded[name])
                for name, score, max_score in totals if name in autograded}

    def _write(self, student: str, results: dict[str, Recorded]) -> None:
        """The autograded notebooks, where nbgrader's autograde puts them (read-only, as it
        leaves them); a previous run's files for this student go first."""
        folder = self.root / "autograded" / student / self.assignment
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name, result in results.items():
            path = folder / f"{name}.ipynb"
            atomic.write_text(path, notebook_json(result.notebook), permissions=0o444)


@contextlib.contextmanager
def _committed_later(gradebook):
    """Within the block, the commits nbgrader's Gradebook makes (one per student, one per
    submission) only flush: what they write joins the transaction `record` commits, or rolls
    back, whole. A commit waits for the disk, so each one saved is milliseconds per student."""
    gradebook.db.commit = gradebook.db.flush  # on the session's proxy: nbgrader calls self.db.commit()
    try:
        yield
    finally:
        del gradebook.db.commit


def notebook_json(nb: NotebookNode) -> str:
    """The notebook as nbformat reads it, compact: nbformat.write's indent=1 would add a line and
    its depth in spaces for every item of an output, so a capped output nested a few hundred
    levels deep would take a hundred times its size on disk."""
    return json.dumps(nb, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def _copy(orm_object, *names: str) -> SimpleNamespace:
    return SimpleNamespace(**{name: getattr(orm_object, name) for name in names})


def _by_cell(gradebook, model, cell, assignment: str, student: str):
    """((notebook, cell name), row) for one student's grades or comments."""
    from nbgrader.api import Notebook, SubmittedNotebook

    query = (gradebook.db.query(model, Notebook.name, cell.name)
             .join(cell, cell.id == model.cell_id)
             .join(SubmittedNotebook, SubmittedNotebook.id == model.notebook_id)
             .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id))
    return (((notebook, name), row) for row, notebook, name in _of_student(query, assignment, student))


def _of_student(query, assignment: str, student: str):
    """`query` (joined to SubmittedNotebook) narrowed to one student's submission of the assignment."""
    from nbgrader.api import Assignment, SubmittedAssignment, SubmittedNotebook

    return (query.join(SubmittedAssignment, SubmittedAssignment.id == SubmittedNotebook.assignment_id)
            .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
            .filter(Assignment.name == assignment, SubmittedAssignment.student_id == student))
