"""`autograde grade`: a whole class through nbgrader's autograde, with the verdicts computed
outside the students' kernels (preprocessors.py), one row per student and notebook.

Plain functions; cli.py only parses arguments and prints.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import copy
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from . import course, statuses
from .protocol import DEFAULT_DISK_BYTES, DEFAULT_MAX_PROCESSES, Request
from .references import REFERENCE_DIR, references
from .statuses import Message, say
from .submissions import Handin, Intake, UnreadableEntry, UsageError, collect, read_notebook

STATE_FILE = ".grading-state.json"
LOG_FILE = "grading.log"  # what went wrong inside the machinery, in its own words (never in a status)
NO_SANDBOX = say("no-sandbox")
NOT_GRADED = say("not-graded")
log = logging.getLogger(__name__)


@dataclass
class Row:
    student_id: str
    notebook: str
    score: float
    max_score: float
    status: str  # in English: the parts of `messages` joined with "; " (what grades.csv holds)
    exercises: dict[str, float] = field(default_factory=dict)
    graded: bool = True  # False: the machinery failed, not the notebook; the next run grades it again
    messages: list[dict] = field(default_factory=list)  # the status's parts from statuses.py: {"code", "en", "zh"}

    def status_in(self, lang: str) -> str:
        """The status in English ("en") or Chinese ("zh"); a row read back from grades.csv has English only."""
        return statuses.joined(self.messages, lang) if self.messages else self.status


@dataclass
class Settings:
    timeout: int = 30  # seconds per cell
    memory_bytes: int = 3 * 2**30
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_output_bytes: int = 2_000_000
    scheduler: str | None = None  # a Dask scheduler's address; None: warm workers on this machine
    sandbox: bool = True  # False: --no-sandbox, every row says so
    max_processes: int = DEFAULT_MAX_PROCESSES
    disk_bytes: int = DEFAULT_DISK_BYTES
    notebook_timeout: int | None = None  # seconds for a whole notebook (default: ten cells' worth, at least 60)
    lang: str = "both"  # of the feedback pages: en, zh or both

    def fingerprint(self) -> str:
        """What a grade and its feedback depend on besides the hand-in: limits, references, the
        statuses' wording and the pages' language (not the worker count)."""
        digest = hashlib.sha256(json.dumps([self.timeout, self.memory_bytes, self.max_output_bytes, self.sandbox,
                                            self.max_processes, self.disk_bytes, self.notebook_timeout, self.lang,
                                            statuses.digest()]).encode())
        for path in sorted(REFERENCE_DIR.rglob("*.safetensors")):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def request(self, cells: list[str]) -> Request:
        return Request(cells=cells, timeout=self.timeout, notebook_timeout=self.notebook_timeout or max(60, 10 * self.timeout),
                       memory_bytes=self.memory_bytes, max_output_bytes=self.max_output_bytes,
                       max_processes=self.max_processes, disk_bytes=self.disk_bytes)


def grade(
    submissions: Path | Intake,
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
    `on_start` gets the number of notebooks to expect, `on_student` each student's rows.
    `submissions` is a path, or what `submissions.collect` listed (e.g. with a roster).
    Students are read one at a time, as they are graded.
    """
    if assignment != course.ASSIGNMENT:
        raise UsageError(f"unknown assignment {assignment!r}: this course has {course.ASSIGNMENT!r}")
    settings = settings or Settings()
    if settings.sandbox and not settings.scheduler:  # a cluster's workers check their own
        from .sandbox import INSTALL_HINT, bubblewrap

        if not bubblewrap():
            raise UsageError(f"no working sandbox to run student code in: {INSTALL_HINT}")
    unsandboxed = [] if settings.sandbox else [NO_SANDBOX]  # said on every row, last
    names = course.notebook_names()
    handins = submissions if isinstance(submissions, Intake) else collect(submissions, assignment)
    out.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{(out / 'gradebook.db').resolve()}"
    state_path = out / STATE_FILE
    state = _load_state(state_path)
    fingerprint = settings.fingerprint()
    keys: dict[str, str] = {}

    def key(handin: Handin) -> str:  # reads the student's notebooks: only when that student comes up
        if handin.student_id not in keys:
            keys[handin.student_id] = _handin_key(handin, fingerprint, db_url)
        return keys[handin.student_id]

    def cached(handin: Handin) -> list[Row] | None:
        entry = state.get(handin.student_id)
        feedback = out / "feedback" / handin.student_id
        if entry and entry["key"] == key(handin) and all((feedback / f).exists() for f in entry["feedback"]):
            return [Row(**r) for r in entry["rows"]]
        return None

    if on_start:
        on_start(sum(len(set(names) | set(h.files) | set(h.problems)) for h in handins))
    earlier = {h.student_id: cached(h) for h in handins}
    todo = [h for h in handins if earlier[h.student_id] is None]
    rows: list[Row] = []
    with contextlib.ExitStack() as stack:
        stack.enter_context(_logging_to(out / LOG_FILE))
        grader = stack.enter_context(Grader(out, db_url, settings)) if todo else None
        prepared = {}
        ahead = iter(todo)
        for handin in handins:
            student_rows = earlier[handin.student_id]
            if student_rows is None:
                # keep the workers busy: students further on are executing while this one is recorded
                while len(prepared) < 2 * settings.workers + 1:
                    nxt = next(ahead, None)
                    if nxt is None:
                        break
                    prepared[nxt.student_id] = grader.prepare(nxt, names)
                student_rows = _with_notes(grader.finish(prepared.pop(handin.student_id)), [*handin.notes, *unsandboxed])
                feedback = out / "feedback" / handin.student_id
                if all(r.graded for r in student_rows):  # a machinery failure is graded again next run
                    state[handin.student_id] = {"key": key(handin), "rows": [asdict(r) for r in student_rows],
                                                "feedback": sorted(p.name for p in feedback.glob("*.html"))}
                else:
                    state.pop(handin.student_id, None)
                _save_state(state_path, state)
            rows += student_rows
            if on_student:
                on_student(handin.student_id, student_rows)
    rows.sort(key=lambda r: (r.student_id, r.notebook))
    return rows


@dataclass
class Prepared:
    student: str
    rows: list[Row]
    running: dict[str, concurrent.futures.Future]  # notebook file name -> a worker's reply (or a Dask future)
    read_notes: dict[str, str | None]


class Grader:
    """One nbgrader course folder (out/.nbgrader) and a pool of warm workers.

    Students go through two steps: `prepare` (here: read and sanitize the notebooks, then
    hand their cells to the workers) and `finish` (nbgrader's autograde, filled in with the
    workers' outputs, then feedback). Only this process writes to the gradebook.
    """

    def __init__(self, out: Path, db_url: str, settings: Settings):
        from .cluster import DaskRunner, LocalRunner
        from .nbgrader_api import course_folder

        self.out, self.db_url, self.settings = out, db_url, settings
        self.root = out / ".nbgrader"
        source = self.root / "solutions" / course.ASSIGNMENT
        if source.exists():  # the solutions may have changed since the last run: no stale files
            shutil.rmtree(source)
        self.api = course_folder(self.root, db_url)
        _configure(self.api.config)
        self.runner = (DaskRunner(settings.scheduler, settings.sandbox) if settings.scheduler
                       else LocalRunner(settings.workers, (self.root / "scratch").resolve(), settings.sandbox))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.runner.close()

    def prepare(self, handin: Handin, names: list[str]) -> Prepared:
        student = handin.student_id
        submitted = self.root / "submitted" / student / course.ASSIGNMENT
        if submitted.exists():
            shutil.rmtree(submitted)
        submitted.mkdir(parents=True)
        prepared = Prepared(student, [], {}, {})
        for name in sorted(handin.files):
            if name not in names:  # never read: it cannot be graded
                prepared.rows.append(_row(student, name, 0.0, 0.0, [say("not-in-assignment")]))
                continue
            try:
                nb, note = read_notebook(handin.files[name])
            except UnreadableEntry as exc:
                nb, note = None, exc.message
            if nb is None:
                prepared.rows.append(_zero_row(student, name, note))
                continue
            try:
                cells = self._sanitized_cells(nb, student, Path(name).stem)
            except Exception:  # nbgrader refused it: it would fail the whole student below
                log.warning("%s/%s: nbgrader's sanitizing steps failed", student, name, exc_info=True)
                prepared.rows.append(_zero_row(student, name, say("nbgrader-refused")))
                continue
            nbformat.write(nb, submitted / name)
            prepared.running[name] = self.runner.submit(self.settings.request(cells))
            prepared.read_notes[name] = note
        for name, reason in sorted(handin.problems.items()):
            if name not in handin.files:
                prepared.rows.append(_zero_row(student, name, reason) if name in names else _row(student, name, 0.0, 0.0, [reason]))
        for name in names:
            if name not in handin.files and name not in handin.problems:
                prepared.rows.append(_zero_row(student, name, say("missing")))
        return prepared

    def finish(self, prepared: Prepared) -> list[Row]:
        from .preprocessors import PrecomputedExecute
        from .warm import NotebookBrokeWorker

        rows = list(prepared.rows)
        taken = []
        for name, future in prepared.running.items():
            try:
                PrecomputedExecute.results[(prepared.student, Path(name).stem)] = future.result()
                taken.append(name)
                continue
            except NotebookBrokeWorker as exc:  # its own doing: a grade of zero, with what it did
                row = _zero_row(prepared.student, name, exc.status)
            except Exception:  # a worker that could not start, or any other failure of the machinery: never a grade
                log.warning("%s/%s: not graded", prepared.student, name, exc_info=True)
                row = _zero_row(prepared.student, name, NOT_GRADED)
                row.graded = False
            rows.append(row)
            (self.root / "submitted" / prepared.student / course.ASSIGNMENT / name).unlink()
        if taken:
            rows += self._autograde(prepared.student, taken, prepared.read_notes)
        return sorted(rows, key=lambda r: r.notebook)

    def _sanitized_cells(self, nb, student: str, stem: str) -> list[str]:
        """The code the student's notebook will run: after nbgrader's own sanitizing steps
        (the same ones its autograde runs again before recording)."""
        nb = copy.deepcopy(nb)
        resources = {"nbgrader": {"notebook": stem, "assignment": course.ASSIGNMENT, "student": student, "db_url": self.db_url}}
        for step in sanitize_preprocessors(for_execution=True):
            nb, resources = step(config=self.api.config).preprocess(nb, resources)
        return [cell.source for cell in nb.cells if cell.cell_type == "code"]

    def _autograde(self, student: str, taken: list[str], read_notes: dict[str, str | None]) -> list[Row]:
        from nbgrader.api import Gradebook, MissingEntry

        from . import feedback

        result = self.api.autograde(course.ASSIGNMENT, student, force=True, create=True)
        failed = not result["success"]
        if failed:
            log.warning("%s: nbgrader's autograde failed:\n%s", student, result.get("error") or result.get("log"))
        target = self.out / "feedback" / student
        if target.exists():
            shutil.rmtree(target)
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
                    if not failed:
                        log.warning("%s/%s: nbgrader's autograde left no %s", student, name,
                                    "gradebook entry" if submission is None else "autograded notebook")
                    rows.append(_zero_row(student, name, say("nbgrader-failed" if failed else "no-result")))
                    continue
                graded = nbformat.read(autograded, as_version=4)
                notes = [n for n in [read_notes.get(name)] if n] + [
                    Message.from_dict(n) for n in graded.metadata.get("autograde", {}).get("notes", [])]
                exercises = {g.name: float(g.score) for g in submission.grades if g.cell.cell_type == "code"}
                row = _row(student, stem, float(submission.score), float(submission.max_score),
                           list(dict.fromkeys(notes)) or [say("ok")], exercises)
                feedback.write(autograded, target / f"{stem}.html", student, stem, row.score, row.max_score, row.status,
                               lang=self.settings.lang, status_zh=row.status_in("zh"))
                rows.append(row)
        return rows


def _row(student: str, notebook: str, score: float, max_score: float, messages: list[Message],
         exercises: dict[str, float] | None = None) -> Row:
    return Row(student, notebook, score, max_score, "; ".join(messages), exercises or {},
               messages=[m.as_dict() for m in messages])


def _zero_row(student: str, name: str, message: Message) -> Row:
    exercises = references().exercises_of(Path(name).stem)
    return _row(student, Path(name).stem, 0.0, sum(e["points"] for e in exercises.values()), [message],
                dict.fromkeys(exercises, 0.0))


def sanitize_preprocessors(for_execution: bool = False) -> list:
    """nbgrader's sanitizing steps with ours. `for_execution`: only those that change the code
    that runs (the kernelspec and the metadata check matter to nbgrader's record, not to the run)."""
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec

    from .preprocessors import RepairCells

    # Order matters: cells are repaired before nbgrader overwrites them with the source.
    if for_execution:
        return [ClearOutput, DeduplicateIds, RepairCells, OverwriteCells]
    return [ClearOutput, DeduplicateIds, RepairCells, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]


def _configure(config) -> None:
    from nbgrader.preprocessors import LimitOutput, SaveAutoGrades

    from .preprocessors import CompareWithReference, PrecomputedExecute

    config.Autograde.sanitize_preprocessors = sanitize_preprocessors()
    # The verdicts are computed after execution and before nbgrader saves the grades. nbgrader's
    # default list ends with AssignLatePenalties (this command has no due dates) and a second
    # CheckCellMetadata (the sanitizing steps already checked the cells; nothing here changes them).
    config.Autograde.autograde_preprocessors = [PrecomputedExecute, CompareWithReference, LimitOutput, SaveAutoGrades]
    config.OverwriteCells.add_missing_cells = True


def _handin_key(handin: Handin, fingerprint: str, db_url: str) -> str:
    return hashlib.sha256(f"{fingerprint}\n{db_url}\n{handin.digest()}".encode()).hexdigest()


def _with_notes(rows: list[Row], notes: list[Message]) -> list[Row]:
    """What concerns the whole hand-in (an id shared with another, a cap, no sandbox) goes in every row's status."""
    if not notes:
        return rows
    for row in rows:
        row.status = "; ".join([row.status, *notes])
        row.messages += [n.as_dict() for n in notes]
    return rows


@contextlib.contextmanager
def _logging_to(path: Path):
    """The machinery's own words (tracebacks, nbgrader's log) go to `path`, created only if needed."""
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("autograde")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()


def _load_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _save_state(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(tmp, path)  # atomic: a killed run leaves the old state or the new one
