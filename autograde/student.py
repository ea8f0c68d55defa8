"""The student's side: `autograde check` (run my notebooks as grading will) and
`autograde submit` (validate them and pack one zip that `autograde grade` accepts)."""
from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import course
from .intake.structure import read_structure, released
from .intake.submissions import UsageError, read_notebook, safe_id


@dataclass
class ExerciseResult:
    title: str
    earned: float  # visible checks only: hidden ones are for grading
    possible: float
    hidden_points: float
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (check, en, zh)
    hint: tuple[str, str] | None = None


@dataclass
class NotebookReport:
    notebook: str
    status: str
    exercises: list[ExerciseResult]
    problems: list[str]
    status_zh: str = ""


def structure_problems(name: str, content: bytes, assignment: str | None = None) -> list[str]:
    """What in this file would lose points for structural reasons, each with how to fix it:
    what grading's RepairCells would find and repair (structure.read_structure reads both).
    `assignment`: the one it is handed in for (None: the first whose release has its name)."""
    assignment = assignment or course.assignment_of(name)
    if assignment is None:
        return [f"{name} is not a notebook of this course ({', '.join(_all_names())})"]
    nb, note = read_notebook(content)
    if nb is None:
        return [f"{note}: save it again in JupyterLab, or start over from a fresh copy of notebooks/{assignment}/{name}"]
    found = read_structure(released(assignment, Path(name).stem), nb)
    problems = [f"cell {grade_id} appears twice: delete the copy" for grade_id in found.duplicated]
    if found.stripped:
        problems.append(f"{len(found.stripped)} cells lost their nbgrader metadata (an editor other than JupyterLab?): "
                        f"copy your answers into a fresh copy of notebooks/{assignment}/{name}")
    for grade_id, original in found.release.items():
        if grade_id in found.deleted:
            what = "your answer cell" if found.metadata(grade_id).get("solution") else "the read-only cell"
            problems.append(f"{what} {grade_id} was deleted: copy it back from notebooks/{assignment}/{name}")
        elif grade_id in found.retyped:
            cell = nb.cells[found.cells[grade_id]]
            problems.append(f"cell {grade_id} was turned into a {cell.cell_type} cell: change it back to {original.cell_type}")
        elif grade_id in found.edited:
            problems.append(f"the read-only cell {grade_id} was edited: undo the change "
                            f"(copy it from notebooks/{assignment}/{name}); grading uses the original")
    if found.moved:
        problems.append("cells were moved: put the exercise and check cells back in their original order")
    return problems


def check(notebooks: list[Path], timeout: int | None = None, hints: int = 1,
          assignment: str | None = None) -> list[NotebookReport]:
    """Run `notebooks` through grading in a scratch folder and report the visible checks, with
    the hint of tier `hints` (1: the idea; higher: more specific) for each failed exercise.
    `timeout`: seconds a cell may run (default: grading's, from nbgrader_config.py);
    `assignment`: which one they are for (None: the one their names belong to, when only one)."""
    from .grading.grader import NO_SANDBOX, Settings, grade
    from .verdict.hints import hint
    from .verdict.references import references
    from .workers.sandbox import bubblewrap

    if hints < 1:
        raise UsageError(f"--hints must be 1 or more (1 gives the idea, 2 is more specific), not {hints}")
    assignment, names = _our_names(notebooks, assignment)
    refs = references()
    with tempfile.TemporaryDirectory(prefix="autograde-check-") as scratch:
        submitted = Path(scratch) / "submitted" / "me" / assignment
        submitted.mkdir(parents=True)
        for path in notebooks:
            (submitted / path.name).write_bytes(path.read_bytes())
        out = Path(scratch) / "out"
        settings = Settings(workers=1, sandbox=bubblewrap() is not None)
        if timeout is not None:
            settings.timeout = timeout
        rows = grade(Path(scratch) / "submitted", out, assignment, settings=settings)
        reports = []
        for row in rows:
            if f"{row.notebook}.ipynb" not in names:
                continue
            name = f"{row.notebook}.ipynb"
            autograded = out / ".nbgrader" / "autograded" / "me" / assignment / name
            verdicts = {}
            if autograded.exists():
                for cell in nbformat.read(autograded, as_version=4).cells:
                    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                    if "autograde" in cell.metadata:
                        verdicts[grade_id] = cell.metadata["autograde"]["checks"]
            exercises = []
            for grade_id, exercise in refs.exercises_of(row.notebook).items():
                checks = verdicts.get(grade_id, [])
                visible = [c for c in exercise["checks"] if not c["hidden"]]
                passed = {c["name"] for c in checks if c["passed"]}
                result = ExerciseResult(exercise["title"], sum(c["points"] for c in visible if c["name"] in passed),
                                        sum(c["points"] for c in visible),
                                        sum(c["points"] for c in exercise["checks"] if c["hidden"]),
                                        hint=hint(grade_id, hints)[0])
                by_name = {c["name"]: c for c in checks}
                for c in visible:
                    verdict = by_name.get(c["name"])
                    if verdict is None or not verdict["passed"]:
                        result.failed.append((c["name"], verdict["en"] if verdict else "not run", verdict["zh"] if verdict else "没有运行"))
                exercises.append(result)
            problems = structure_problems(name, (submitted / name).read_bytes(), assignment)
            reports.append(NotebookReport(row.notebook, row.status.removesuffix(f"; {NO_SANDBOX}"), exercises, problems,
                                          row.status_in("zh").removesuffix(f"；{NO_SANDBOX.zh}")))
    return reports


@dataclass
class Submission:
    zip: Path | None  # None: refused
    problems: dict[str, list[str]]  # notebook -> what to fix first
    missing: list[str]  # course notebooks not handed in (allowed: they get 0)


def submit(notebooks: list[Path], student: str, out: Path | None = None, assignment: str | None = None) -> Submission:
    """Validate `notebooks` and pack them into STUDENT.zip, or refuse and say what to fix.
    `assignment`: which one they are for (None: the one their names belong to, when only one)."""
    assignment, names = _our_names(notebooks, assignment)
    missing = sorted(set(course.notebook_names(assignment)) - names)
    problems = {p.name: found for p in notebooks if (found := structure_problems(p.name, p.read_bytes(), assignment))}
    if problems:
        return Submission(None, problems, missing)
    out = out or Path(f"{safe_id(student)}.zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in notebooks:
            archive.writestr(f"{assignment}/{path.name}", path.read_bytes())
    return Submission(out, {}, missing)


def copy_notebooks(assignment: str, dest: Path) -> tuple[list[Path], list[Path]]:
    """Copy the release of `assignment` into `dest` for the learner to work on (an installed
    course's own copy is read-only): returns (copied, kept), kept being the notebooks already
    in `dest`, never overwritten."""
    dest.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for name in course.notebook_names(assignment):
        target = dest / name
        if target.exists():
            kept.append(target)
        else:
            target.write_bytes((course.release(assignment) / name).read_bytes())
            copied.append(target)
    return copied, kept


def _our_names(notebooks: list[Path], assignment: str | None = None) -> tuple[str, set[str]]:
    """The assignment `notebooks` belong to, and their file names. Without `assignment`, the one
    whose release holds every one of their names: with two chapters that share a notebook's name,
    the learner is told which --assignment values fit, never given one silently."""
    for path in notebooks:
        if not path.is_file():
            raise UsageError(f"no such notebook: {path}")
    if len({p.name for p in notebooks}) != len(notebooks):
        raise UsageError("the same notebook is given twice")
    names = {p.name for p in notebooks}
    if assignment is not None:
        assignment = course.known(assignment)
        if foreign := sorted(names - set(course.notebook_names(assignment))):
            raise UsageError(f"{', '.join(foreign)} is not a notebook of {assignment} "
                             f"({', '.join(course.notebook_names(assignment))})")
        return assignment, names
    if not notebooks:
        return course.default_assignment(), names
    holding = {name: {a for a in course.assignments() if name in course.notebook_names(a)} for name in sorted(names)}
    for name, found in holding.items():
        if not found:
            raise UsageError(f"{name} is not a notebook of this course ({', '.join(_all_names())})")
    fitting = sorted(set.intersection(*holding.values()))
    if len(fitting) == 1:
        return fitting[0], names
    if fitting:
        raise UsageError(f"these notebooks are in more than one assignment: say which with "
                         f"{' or '.join(f'--assignment {a}' for a in fitting)}")
    raise UsageError(f"these notebooks belong to different assignments "
                     f"({', '.join(sorted(set().union(*holding.values())))}): check or hand in one assignment at a time")


def _all_names() -> list[str]:
    return [name for assignment in course.assignments() for name in course.notebook_names(assignment)]
