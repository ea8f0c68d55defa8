"""`autograde grade`: a whole class through nbgrader's autograde, with the verdicts computed
outside the students' kernels (preprocessors.py), one row per student and notebook.

Plain functions; cli.py only parses arguments and prints.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from . import course
from .references import REFERENCE_DIR, references
from .submissions import Handin, UsageError, collect, read_notebook

STATE_FILE = ".grading-state.json"


@dataclass
class Row:
    student_id: str
    notebook: str
    score: float
    max_score: float
    status: str
    exercises: dict[str, float] = field(default_factory=dict)


@dataclass
class Settings:
    timeout: int = 30  # seconds per cell
    memory_bytes: int = 3 * 2**30

    def fingerprint(self) -> str:
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode())
        for path in sorted(REFERENCE_DIR.rglob("*.safetensors")):
            digest.update(path.read_bytes())
        return digest.hexdigest()


def notebook_names() -> list[str]:
    return sorted(p.name for p in course.RELEASE.glob("*.ipynb"))


def grade(
    submissions: Path,
    out: Path,
    assignment: str = course.ASSIGNMENT,
    db_url: str | None = None,
    settings: Settings | None = None,
    on_student: Callable[[str, list[Row]], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> list[Row]:
    """Grade every student in `submissions` into `out`; returns all rows, sorted.

    Students whose hand-in and grading settings are unchanged since a previous run into the
    same `out` are not graded again, so a run that was killed resumes where it stopped.
    """
    if assignment != course.ASSIGNMENT:
        raise UsageError(f"unknown assignment {assignment!r}: this course has {course.ASSIGNMENT!r}")
    settings = settings or Settings()
    names = notebook_names()
    handins = collect(submissions, assignment, names)
    out.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{(out / 'gradebook.db').resolve()}"
    state_path = out / STATE_FILE
    state = _load_state(state_path)
    fingerprint = settings.fingerprint()
    if on_start:
        on_start(len(handins))
    grader = None
    rows: list[Row] = []
    for handin in handins:
        key = _handin_key(handin, fingerprint, db_url)
        cached = state.get(handin.student_id)
        feedback = out / "feedback" / handin.student_id
        if cached and cached["key"] == key and all((feedback / f).exists() for f in cached["feedback"]):
            student_rows = [Row(**r) for r in cached["rows"]]
        else:
            grader = grader or Grader(out, db_url, settings)
            student_rows = grader.grade_student(handin, names)
            state[handin.student_id] = {"key": key, "rows": [asdict(r) for r in student_rows],
                                        "feedback": sorted(p.name for p in feedback.glob("*.html"))}
            _save_state(state_path, state)
        rows += student_rows
        if on_student:
            on_student(handin.student_id, student_rows)
    rows.sort(key=lambda r: (r.student_id, r.notebook))
    return rows


class Grader:
    """One nbgrader course folder (out/.nbgrader) that grades students one after another."""

    def __init__(self, out: Path, db_url: str, settings: Settings):
        from .nbgrader_api import api

        self.out, self.db_url, self.settings = out, db_url, settings
        self.root = out / ".nbgrader"
        source = self.root / "solutions" / course.ASSIGNMENT
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(course.SOLUTIONS, source)
        self.api = api(self.root, db_url)
        _configure(self.api.config, self.root, settings)
        result = self.api.generate_assignment(course.ASSIGNMENT, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not set up the assignment: {result.get('error') or result.get('log')}")

    def grade_student(self, handin: Handin, names: list[str]) -> list[Row]:
        student = handin.student_id
        submitted = self.root / "submitted" / student / course.ASSIGNMENT
        if submitted.exists():
            shutil.rmtree(submitted)
        submitted.mkdir(parents=True)
        rows, taken, read_notes = [], [], {}
        for name, content in sorted(handin.files.items()):
            if name not in names:
                rows.append(Row(student, name, 0.0, 0.0, "not part of this assignment, ignored"))
                continue
            nb, note = read_notebook(content)
            if nb is None:
                rows.append(self._zero_row(student, name, note))
                continue
            nbformat.write(nb, submitted / name)
            taken.append(name)
            read_notes[name] = note
        for name, reason in sorted(handin.problems.items()):
            if name in names and name not in taken and not any(r.notebook == Path(name).stem for r in rows):
                rows.append(self._zero_row(student, name, reason))
            elif name not in names:
                rows.append(Row(student, name, 0.0, 0.0, reason))
        for name in names:
            if name not in handin.files and name not in handin.problems:
                rows.append(self._zero_row(student, name, "missing"))
        if taken:
            rows += self._autograde(student, taken, read_notes)
        return sorted(rows, key=lambda r: r.notebook)

    def _zero_row(self, student: str, name: str, status: str) -> Row:
        exercises = references().exercises_of(Path(name).stem)
        return Row(student, Path(name).stem, 0.0, sum(e["points"] for e in exercises.values()), status,
                   dict.fromkeys(exercises, 0.0))

    def _autograde(self, student: str, taken: list[str], read_notes: dict[str, str | None]) -> list[Row]:
        from nbgrader.api import Gradebook, MissingEntry

        result = self.api.autograde(course.ASSIGNMENT, student, force=True, create=True)
        failed = None if result["success"] else _short(result.get("error") or result.get("log") or "")
        if not failed:
            self._feedback(student)
        rows = []
        with Gradebook(self.db_url) as gb:
            for name in taken:
                stem = Path(name).stem
                autograded = self.root / "autograded" / student / course.ASSIGNMENT / name
                try:
                    submission = gb.find_submission_notebook(stem, course.ASSIGNMENT, student)
                except MissingEntry:
                    submission = None
                if failed or submission is None or not autograded.exists():
                    rows.append(self._zero_row(student, name, f"could not be graded: {failed or 'no result'}"))
                    continue
                graded = nbformat.read(autograded, as_version=4)
                notes = [n for n in [read_notes.get(name)] if n] + graded.metadata.get("autograde", {}).get("notes", [])
                exercises = {g.name: float(g.score) for g in submission.grades if g.cell.cell_type == "code"}
                rows.append(Row(student, stem, float(submission.score), float(submission.max_score),
                                "; ".join(dict.fromkeys(notes)) or "ok", exercises))
        return rows

    def _feedback(self, student: str) -> None:
        self.api.generate_feedback(course.ASSIGNMENT, student, force=True)
        made = self.root / "feedback" / student / course.ASSIGNMENT
        target = self.out / "feedback" / student
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for html in made.glob("*.html"):
            shutil.copyfile(html, target / html.name)


def _configure(config, root: Path, settings: Settings) -> None:
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearOutput,
                                        DeduplicateIds, GetGrades, LimitOutput, OverwriteCells, OverwriteKernelspec,
                                        SaveAutoGrades)
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

    from .preprocessors import CompareWithReference, GuardedExecute, OnlyVerdictOutputs, RepairCells

    # Order matters: cells are repaired before nbgrader overwrites them with the source;
    # the verdicts are computed after execution and before nbgrader saves the grades.
    config.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, RepairCells, OverwriteKernelspec,
                                               OverwriteCells, CheckCellMetadata]
    config.Autograde.autograde_preprocessors = [GuardedExecute, CompareWithReference, LimitOutput, SaveAutoGrades,
                                                AssignLatePenalties, CheckCellMetadata]
    config.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, OnlyVerdictOutputs, CSSHTMLHeaderPreprocessor]
    config.OverwriteCells.add_missing_cells = True
    config.GuardedExecute.timeout = settings.timeout
    config.GuardedExecute.notebook_timeout = max(60, 10 * settings.timeout)
    config.SandboxedKernelManager.scratch = str((root / "scratch").resolve())
    config.SandboxedKernelManager.memory_bytes = settings.memory_bytes


def _short(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return (lines[-1] if lines else "nbgrader failed")[:200]


def _handin_key(handin: Handin, fingerprint: str, db_url: str) -> str:
    digest = hashlib.sha256(f"{fingerprint}\n{db_url}\n".encode())
    for name in sorted(handin.files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(handin.files[name]).digest())
    digest.update(json.dumps(handin.problems, sort_keys=True).encode())
    return digest.hexdigest()


def _load_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _save_state(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(tmp, path)  # atomic: a killed run leaves the old state or the new one
