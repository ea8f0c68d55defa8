"""`autograde grade`: a whole class through nbgrader's autograde, with the verdicts computed
outside the students' kernels (preprocessors.py), one row per student and notebook.

Plain functions; cli.py only parses arguments and prints.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .. import atomic, course
from . import assignment_files
from ..verdict import statuses
from ..workers.protocol import DEFAULT_DISK_BYTES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES, Cell, Reply, Request, code_cells
from .nbgrader_api import cell_timeout
from .recording import Stages
from .secret import Secret, check_recorded
from ..verdict.statuses import Message, say
from ..intake.submissions import Handin, Intake, UnreadableEntry, UsageError, collect, read_notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

STATE_FILE = ".grading-state.jsonl"  # one line per graded student; the last line about a student counts
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
    # the late policy's, applied by reports/export.py after grading: how late, and the points it took off `score`
    hours_late: float = 0.0
    late_penalty: float = 0.0

    def status_in(self, lang: str) -> str:
        """The status in English ("en") or Chinese ("zh"); a row read back from grades.csv has English only."""
        return statuses.joined(self.messages, lang) if self.messages else self.status


@dataclass
class Settings:
    timeout: int = field(default_factory=cell_timeout)  # seconds per cell (nbgrader_config.py's c.Execute.timeout)
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_output_bytes: int = 2_000_000
    scheduler: str | None = None  # a Dask scheduler's address; None: warm workers on this machine
    sandbox: bool = True  # False: --no-sandbox, every row says so
    max_processes: int = DEFAULT_MAX_PROCESSES
    disk_bytes: int = DEFAULT_DISK_BYTES
    notebook_timeout: int | None = None  # seconds for a whole notebook (default: ten cells' worth, at least 60)
    lang: str = "both"  # of the feedback pages: en, zh or both
    # the instructor's secret (secret.find; None: the public hidden references), and what grade()
    # derives from it for the assignment: (N, seed) for each seeded(N) of its hidden tests
    secret: Secret | None = None
    seeds: tuple[tuple[int, int], ...] = ()

    def fingerprint(self, assignment: str) -> str:
        """What a grade and its feedback depend on besides the hand-in: limits, the assignment's
        references (a secret's private ones too), the statuses' wording and the pages' language
        (not the worker count)."""
        digest = hashlib.sha256(json.dumps([self.timeout, self.memory_bytes, self.max_output_bytes, self.sandbox,
                                            self.max_processes, self.disk_bytes, self.notebook_timeout, self.lang,
                                            statuses.digest(), assignment, assignment_files.digest(assignment),
                                            *([self.secret.fingerprint()] if self.secret else [])]).encode())
        private = sorted(self.secret.folder(assignment).glob("*.safetensors")) if self.secret else []
        for path in [*sorted(course.references(assignment).rglob("*.safetensors")), *private]:
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def request(self, cells: list[Cell], withheld: list[str] = (), files: dict[str, str] | None = None) -> Request:
        return Request(cells=cells, timeout=self.timeout, notebook_timeout=self.notebook_timeout or max(60, 10 * self.timeout),
                       memory_bytes=self.memory_bytes, max_output_bytes=self.max_output_bytes,
                       max_processes=self.max_processes, disk_bytes=self.disk_bytes, withheld=list(withheld),
                       seeds=[[n, seed] for n, seed in self.seeds], files=files or {})


def grade(
    submissions: Path | Intake,
    out: Path,
    assignment: str | None = None,
    db_url: str | None = None,
    settings: Settings | None = None,
    on_student: Callable[[str, list[Row]], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    stages: Stages | None = None,
) -> list[Row]:
    """Grade every student in `submissions` into `out`; returns all rows, sorted.

    Students whose hand-in and grading settings are unchanged since a previous run into the
    same `out` are not graded again, so a run that was killed resumes where it stopped.
    `on_start` gets the number of notebooks to expect, `on_student` each student's rows.
    `submissions` is a path, or what `submissions.collect` listed (e.g. with a roster).
    Students are read one at a time, as they are graded. `stages` collects the seconds spent
    per stage, for the benchmark's profile. `assignment` is a folder of solutions/ (None: the
    course's only one).
    """
    assignment = course.known(assignment)
    settings = settings or Settings()
    if settings.secret:  # before anything runs: hidden checks are compared with this secret's references only
        check_recorded(settings.secret, assignment)
    if settings.sandbox and not settings.scheduler:  # a cluster's workers check their own
        from ..workers.sandbox import bubblewrap, trial, unavailable

        if not bubblewrap():
            raise UsageError(f"no working sandbox to run student code in: {unavailable()}")
        refused = trial(bubblewrap(), settings.max_processes, settings.memory_bytes, settings.disk_bytes)
        if refused:  # the machine's refusal, not any notebook's doing: no grade can come of it
            raise UsageError(f"this machine cannot confine a notebook with these limits (--max-processes "
                             f"{settings.max_processes}, --memory-gb {settings.memory_bytes / 2**30:g}, --disk-mb "
                             f"{settings.disk_bytes / 2**20:g}): {refused}")
    unsandboxed = [] if settings.sandbox else [NO_SANDBOX]  # said on every row, last
    names = course.notebook_names(assignment)
    handins = submissions if isinstance(submissions, Intake) else collect(submissions, assignment)
    out.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{(out / 'gradebook.db').resolve()}"
    state = load_state(out)
    fingerprint = settings.fingerprint(assignment)
    keys: dict[str, str] = {}

    def key(handin: Handin) -> str:  # reads the student's notebooks: only when that student comes up
        if handin.student_id not in keys:
            keys[handin.student_id] = _handin_key(handin, names, fingerprint, db_url)
        return keys[handin.student_id]

    def cached(handin: Handin) -> list[Row] | None:
        entry = state.get(handin.student_id)
        feedback = out / "feedback" / handin.student_id
        if entry and entry["key"] == key(handin) and all((feedback / f).exists() for f in entry["feedback"]):
            return [Row(**r) for r in entry["rows"]]
        return None

    if on_start:
        own = assignment_files.own_names(assignment) - set(names)  # no row: the release's copies are used
        on_start(sum(len((set(names) | set(h.files) | set(h.problems)) - own) for h in handins))
    earlier = {h.student_id: cached(h) for h in handins}
    todo = [h for h in handins if earlier[h.student_id] is None]
    rows: list[Row] = []
    with contextlib.ExitStack() as stack:
        stack.enter_context(_logging_to(out / LOG_FILE))
        journal = stack.enter_context(_Journal(out / STATE_FILE, state))
        grader = stack.enter_context(Grader(out, db_url, settings, assignment, stages)) if todo else None
        if grader:  # the verdicts' hidden references: the secret's private ones, or the course's
            from ..verdict.references import private_hidden  # torch: only once the workers are starting

            stack.enter_context(private_hidden(settings.secret.references if settings.secret else None))
            if settings.secret:  # and the notebooks' hidden tests draw from the secret's seeds
                grader.settings = replace(settings, seeds=tuple(settings.secret.table(assignment)))
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
                ready = prepared.pop(handin.student_id)
                student_rows = _with_notes(grader.finish(ready, handin, names), [*handin.notes, *ready.file_notes, *unsandboxed])
                feedback = out / "feedback" / handin.student_id
                if all(r.graded for r in student_rows):  # a machinery failure is graded again next run
                    journal.keep(handin.student_id, {"key": key(handin), "rows": [asdict(r) for r in student_rows],
                                                     "feedback": sorted(p.name for p in feedback.glob("*.html"))})
                else:
                    journal.forget(handin.student_id)
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
    notebooks: dict[str, NotebookNode]  # notebook file name -> the sanitized notebook whose cells run
    read_notes: dict[str, Message | None]
    file_notes: list[Message] = field(default_factory=list)  # about the student's own copies of the assignment's files


class Grader:
    """The workers and nbgrader's autograde (a Recorder over the course folder out/.nbgrader),
    set up once for the run.

    Students go through two steps: `prepare` (read and sanitize the notebooks, then hand
    their cells to the workers) and `finish` (nbgrader's autograde steps on the same
    notebooks, filled in with the workers' outputs, then feedback). Only this process
    writes to the gradebook.
    """

    def __init__(self, out: Path, db_url: str, settings: Settings, assignment: str, stages: Stages | None = None):
        from ..workers.cluster import DaskRunner, LocalRunner
        from .warm_imports import imported_modules

        self.out, self.db_url, self.settings, self.assignment = out, db_url, settings, assignment
        self.stages = stages or Stages()
        self.root = out / ".nbgrader"
        # the workers warm up (Python, what the notebooks import: torch here) while nbgrader is set up here
        warm = imported_modules(course.source(assignment))
        self.runner = (DaskRunner(settings.scheduler, settings.sandbox, warm) if settings.scheduler
                       else LocalRunner(settings.workers, (self.root / "scratch").resolve(), settings.sandbox, warm))
        try:
            self.recorder = self._recorder()
            self.files = assignment_files.shipped(assignment, self.recorder.config)
            self.excluded = assignment_files.excluded_files(assignment, self.recorder.config)
            self.own = assignment_files.own_names(assignment, self.excluded)
            given = sum(map(len, self.files.values()))
            if given >= settings.disk_bytes:
                raise UsageError(f"the files beside the assignment's notebooks take {given / 2**20:.1f} MiB, which "
                                 f"does not fit in a notebook's {settings.disk_bytes / 2**20:g} MiB of disk (--disk-mb)")
        except BaseException:
            self.runner.close()
            raise
        self.stages.setup_cpu += time.process_time()  # since the process started: its imports are set-up too

    def _recorder(self):
        from .nbgrader_api import SCRATCH_FOLDERS, course_folder
        from .recording import Recorder

        source = self.root / SCRATCH_FOLDERS["source_directory"] / self.assignment
        if source.exists():  # the solutions may have changed since the last run: no stale files
            shutil.rmtree(source)
        config = course_folder(self.root, self.db_url, self.assignment).config
        config.OverwriteCells.add_missing_cells = True
        return Recorder(self.root, self.db_url, config, self.assignment, sanitize_steps, autograde_steps, self.stages)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stages.first_notebook = self.runner.first_sent()
        self.runner.close()
        self.recorder.close()

    def prepare(self, handin: Handin, names: list[str]) -> Prepared:
        """Never raises: what fails here for one student is their rows' status, and the run goes on."""
        try:
            return self._prepare(handin, names)
        except Exception:
            log.warning("%s: not graded", handin.student_id, exc_info=True)
            return Prepared(handin.student_id, not_graded(handin, names), {}, {}, {})

    def finish(self, prepared: Prepared, handin: Handin, names: list[str]) -> list[Row]:
        """Never raises, as `prepare`, but for WorkersBroken: no notebook can run here, and the
        run stops rather than charge every student."""
        from ..workers.warm import WorkersBroken

        try:
            return self._finish(prepared)
        except WorkersBroken:
            raise
        except Exception:
            log.warning("%s: not graded", prepared.student, exc_info=True)
            with contextlib.suppress(Exception):  # at least no earlier run's scores stay as if current
                self._forget(prepared.student)
            return not_graded(handin, names)

    def _prepare(self, handin: Handin, names: list[str]) -> Prepared:
        student = handin.student_id
        prepared = Prepared(student, [], {}, {}, {})
        files, file_notes = assignment_files.for_handin(self.files, self.excluded, handin.files)
        for name in sorted(handin.files):
            if name in self.own and name not in names:  # the assignment's own file: the release's copy is used (or theirs, if excluded)
                continue
            if name not in names:  # never read: it cannot be graded
                prepared.rows.append(_row(student, name, 0.0, 0.0, [say("not-in-assignment")]))
                continue
            try:
                nb, note = self.stages.timed("read", read_notebook, handin.files[name])
            except UnreadableEntry as exc:
                nb, note = None, exc.message
            if nb is None:
                prepared.rows.append(zero_row(student, name, note))
                continue
            try:
                nb = self.stages.timed("sanitize", self.recorder.sanitize, nb, student, Path(name).stem)
            except Exception:  # nbgrader refused it
                log.warning("%s/%s: nbgrader's sanitizing steps failed", student, name, exc_info=True)
                prepared.rows.append(zero_row(student, name, say("nbgrader-refused")))
                continue
            try:
                from .course_answers import withheld_files  # here: it loads nbgrader, which the command's start-up does not

                withheld = withheld_files(self.recorder.assignment, Path(name).stem)
                prepared.running[name] = self.runner.submit(self.settings.request(code_cells(nb), withheld, files))
            except Exception:  # the machinery's fault, never a grade
                log.warning("%s/%s: not graded", student, name, exc_info=True)
                prepared.rows.append(zero_row(student, name, NOT_GRADED, graded=False))
                continue
            prepared.notebooks[name] = nb
            prepared.read_notes[name] = note
        prepared.file_notes = file_notes
        for name, reason in sorted(handin.problems.items()):
            if name not in handin.files:
                prepared.rows.append(zero_row(student, name, reason) if name in names else _row(student, name, 0.0, 0.0, [reason]))
        for name in names:
            if name not in handin.files and name not in handin.problems:
                prepared.rows.append(zero_row(student, name, say("missing")))
        return prepared

    def _finish(self, prepared: Prepared) -> list[Row]:
        from ..workers.warm import NotebookBrokeWorker, WorkersBroken

        rows = list(prepared.rows)
        replies = {}
        for name, future in prepared.running.items():
            try:
                reply: Reply = future.result()
            except NotebookBrokeWorker as exc:  # its own doing: a grade of zero, with what it did
                rows.append(zero_row(prepared.student, name, exc.status))
                continue
            except WorkersBroken:  # no notebook can run here: stop, rather than charge every student
                raise
            except Exception:  # a worker that could not start, or any other failure of the machinery: never a grade
                log.warning("%s/%s: not graded", prepared.student, name, exc_info=True)
                rows.append(zero_row(prepared.student, name, NOT_GRADED, graded=False))
                continue
            self.stages.seconds["execute"] += reply["seconds"]
            replies[Path(name).stem] = (prepared.notebooks[name], reply)
        if replies:
            rows += self._record(prepared.student, replies, prepared.read_notes)
        else:
            self._forget(prepared.student)
        return sorted(rows, key=lambda r: r.notebook)

    def _forget(self, student: str) -> None:
        """A student none of whose notebooks ran this time: an earlier run's scores in the
        gradebook become zeros, its feedback pages and autograded notebooks go, so that nothing
        shows a score this run did not give (the rows say why)."""
        if self.recorder.has_submission(student):
            self._record(student, {}, {})

    def _record(self, student: str, replies: dict, read_notes: dict[str, Message | None]) -> list[Row]:
        from . import feedback

        try:
            results = self.recorder.record(student, replies)
        except Exception:  # the gradebook refused the student: nothing of theirs was saved
            log.warning("%s: nbgrader's autograde steps failed", student, exc_info=True)
            if replies:  # nor does an earlier run's score stay as if it were this run's
                with contextlib.suppress(Exception):
                    self._forget(student)
            return [zero_row(student, f"{stem}.ipynb", say("nbgrader-failed")) for stem in replies]
        target = self.out / "feedback" / student
        if target.exists():
            shutil.rmtree(target)
        rows = []
        for stem in replies:
            result = results.get(stem)
            if result is None:
                log.warning("%s/%s: nbgrader's autograde steps left no result", student, stem)
                rows.append(zero_row(student, f"{stem}.ipynb", say("no-result")))
                continue
            notes = [n for n in [read_notes.get(f"{stem}.ipynb")] if n] + [
                Message.from_dict(n) for n in result.notebook.metadata.get("autograde", {}).get("notes", [])]
            row = _row(student, stem, result.score, result.max_score, list(dict.fromkeys(notes)) or [say("ok")], result.exercises)
            row.graded = all(n.code != NOT_GRADED.code for n in notes)  # a reply that did not fit its notebook: graded again next run
            try:
                self.stages.timed("feedback", feedback.write, result.notebook, target / f"{stem}.html", student, stem,
                                  row.score, row.max_score, row.status, self.settings.lang, row.status_in("zh"))
            except Exception:  # the grade is saved; the page is written again next run
                log.warning("%s/%s: no feedback page", student, stem, exc_info=True)
                row.graded = False
            rows.append(row)
        return rows


def _row(student: str, notebook: str, score: float, max_score: float, messages: list[Message],
         exercises: dict[str, float] | None = None) -> Row:
    return Row(student, notebook, score, max_score, "; ".join(messages), exercises or {},
               messages=[m.as_dict() for m in messages])


def zero_row(student: str, name: str, message: Message, graded: bool = True) -> Row:
    """A row of zeros for a notebook (file name or stem) that earned nothing, saying why;
    `graded` False: the machinery failed, not the notebook."""
    from .plain_tests import catalogue, manual_points

    exercises = catalogue().exercises_of(Path(name).stem)
    possible = float(sum(e["points"] for e in exercises.values())) + manual_points(Path(name).stem)
    row = _row(student, Path(name).stem, 0.0, possible, [message], dict.fromkeys(exercises, 0.0))
    row.graded = graded
    return row


def not_graded(handin: Handin, names: list[str]) -> list[Row]:
    """A student the machinery failed on: a row per notebook of the assignment, none a grade."""
    return [zero_row(handin.student_id, name, NOT_GRADED, graded=False) for name in names]


def sanitize_steps() -> list:
    """nbgrader's sanitizing steps, in the order its autograde runs them, with ours. Their
    result is the code that runs and the notebook that is recorded."""
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells

    from .preprocessors import (CheckCellMetadataOnce, GiveCellIds, RepairCells, SnapshotOverwriteCells,
                                SnapshotOverwriteKernelspec)

    return in_order([ClearOutput, DeduplicateIds, RepairCells, SnapshotOverwriteKernelspec, SnapshotOverwriteCells,
                     CheckCellMetadataOnce, GiveCellIds], [
        # RepairCells gives back the metadata and the locked cells that OverwriteCells checks
        (RepairCells, OverwriteCells),
        # what the metadata check passes must be what the cells are after overwriting
        (OverwriteCells, CheckCellMetadata),
        # the ids of the cells as they are sent to the workers are the ids their outputs come back
        # under: no step after GiveCellIds may add or replace a cell
        (RepairCells, GiveCellIds),
        (OverwriteCells, GiveCellIds),
    ])


def autograde_steps() -> list:
    """nbgrader's autograde steps after sanitizing, with ours."""
    from nbgrader.preprocessors import IgnorePattern, LimitOutput, SaveAutoGrades

    from .course_answers import RefuseCourseAnswers
    from .plain_tests import PlainTests
    from .preprocessors import PrecomputedExecute, SessionSaveAutoGrades
    from .scoring import CompareWithReference

    # nbgrader's default list ends with AssignLatePenalties (this command has no due dates) and a
    # second CheckCellMetadata (the sanitizing steps already checked the cells; nothing here changes them).
    # IgnorePattern is nbgrader's (off unless its config turns it on), in nbgrader's place after Execute.
    return in_order([PrecomputedExecute, IgnorePattern, RefuseCourseAnswers, CompareWithReference, LimitOutput,
                     PlainTests, SessionSaveAutoGrades], [
        (PrecomputedExecute, CompareWithReference),  # the verdicts read the outputs of the check cells...
        (RefuseCourseAnswers, CompareWithReference),  # ...and score 0 an exercise whose answer is the course's
        (CompareWithReference, LimitOutput),  # ...whole, before long outputs are cut
        (CompareWithReference, SaveAutoGrades),  # and the points they write are what gets saved
        (PrecomputedExecute, IgnorePattern),  # nbgrader's order: stderr it ignores is gone before any scoring
        (IgnorePattern, PlainTests),
        # plain test cells are scored by nbgrader from their outputs as SaveAutoGrades sees them (cut ones included)
        (LimitOutput, PlainTests),
        (PlainTests, SaveAutoGrades),
    ])


def in_order(steps: list[type], rules: list[tuple[type, type]]) -> list[type]:
    """`steps`, checked against `rules`: in each (earlier, later), a step that is (a subclass of)
    `earlier` comes before any step that is `later`, and both are there. The ordering of a
    pipeline is data that is checked, not only a comment."""
    for earlier, later in rules:
        first = [i for i, step in enumerate(steps) if issubclass(step, earlier)]
        second = [i for i, step in enumerate(steps) if issubclass(step, later)]
        if not first or not second or max(first) > min(second):
            names = [step.__name__ for step in steps]
            raise ValueError(f"pipeline order: {earlier.__name__} must come before {later.__name__} in {names}")
    return steps


def _handin_key(handin: Handin, names: list[str], fingerprint: str, db_url: str) -> str:
    return hashlib.sha256(f"{fingerprint}\n{db_url}\n{handin.digest(set(names))}".encode()).hexdigest()


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


def load_state(out: Path) -> dict[str, dict]:
    """What an earlier run into `out` graded: student id -> its key, rows and feedback pages."""
    state: dict[str, dict] = {}
    try:
        lines = (out / STATE_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return state
    for line in lines:
        try:
            entry = json.loads(line)
            student = entry["student"]
        except (ValueError, TypeError, KeyError):
            continue  # the last line of a run that was killed while writing it
        if entry.get("graded"):
            state[student] = entry["graded"]
        else:
            state.pop(student, None)
    return state


class _Journal:
    """The resume state, one line appended per student, so that saving it costs the same for
    the thousandth student as for the first. Opening it rewrites it with only what counts."""

    def __init__(self, path: Path, state: dict[str, dict]):
        self.path = path
        # atomic: a run killed here leaves the old state or the new one
        atomic.write_text(path, "".join(_line(student, entry) for student, entry in state.items()))
        self.file = open(path, "a", encoding="utf-8")

    def keep(self, student: str, entry: dict) -> None:
        self.file.write(_line(student, entry))
        self.file.flush()  # in the kernel's hands: a killed run keeps it

    def forget(self, student: str) -> None:
        self.file.write(_line(student, None))
        self.file.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


def _line(student: str, entry: dict | None) -> str:
    return json.dumps({"student": student, "graded": entry}, ensure_ascii=False) + "\n"
