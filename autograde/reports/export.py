"""`autograde export DIR`: grades.csv, totals.csv and the LMS's import file, rebuilt from the
gradebook, so that what was changed after grading flows through: manual grades and extra
credit given in nbgrader's formgrader, a due date, extensions, a late policy.

The gradebook (nbgrader's) holds the scores (`Grade.score`: the manual score where one was
given, else the autograder's, plus extra credit), the assignment's due date
(`Assignment.duedate`), each hand-in's time and the student's extension
(`SubmittedAssignment.timestamp`, `.extension`); the points the late policy takes off go back
into it (`SubmittedNotebook.late_submission_penalty`), as nbgrader's own late penalties do.
What the gradebook cannot hold (who each student is in the LMS, the export's settings) is
kept in DIR/class.json by `autograde grade`. Statuses come from grades.csv, as the run wrote them.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .. import atomic, course
from ..errors import UsageError
from ..grading.grader import Row
from ..intake import lms
from ..intake.roster import Student
from ..intake.submissions import Handin
from ..verdict import statuses
from ..verdict.statuses import say
from . import late, returns
from .grades import cell, csv_writer, student_totals, write_csv

CLASS_FILE = "class.json"
TOTALS_CSV = "totals.csv"
OURS = ("reviewed", "late-penalty")  # the statuses the export adds; an export replaces them, never repeats them
MISSING = ("zero", "blank")


@dataclass
class Policy:
    """How the grades are exported: saved by `autograde grade`, changed by `autograde export`'s flags."""
    format: str | None = None  # canvas, moodle, or None: no LMS file
    lms_assignment: str | None = None
    lms_points: float | None = None
    late_penalty: str = "none"  # a rule for late.parse
    missing: str = "zero"  # a student who handed in nothing: 0 in the LMS file, or left blank

    def rule(self) -> late.Rule:
        return late.parse(self.late_penalty)


@dataclass
class Exported:
    rows: list[Row]
    files: dict[str, Path]
    warnings: list[str] = field(default_factory=list)
    lms_students: int = 0  # lines of the LMS file


def save(out: Path, handins: list[Handin], policy: Policy) -> Path:
    """DIR/class.json: who each student is in the LMS (and the roster) and the export's policy."""
    def student(s: Student | None) -> dict | None:
        if s is None:
            return None
        data = dataclasses.asdict(s)
        data["extension"] = s.extension.total_seconds() if s.extension else None
        return data

    data = {"policy": dataclasses.asdict(policy),
            "students": [{"student_id": h.student_id, "owner": dataclasses.asdict(h.owner) if h.owner else None,
                          "student": student(h.student), "secret": h.secret,
                          "submitted": h.submitted.isoformat() if h.submitted else None} for h in handins]}
    return atomic.write_text(out / CLASS_FILE, json.dumps(data, ensure_ascii=False, indent=1))


def load(out: Path) -> tuple[Policy, list[Handin]]:
    """What `save` wrote (a grading folder without it: no LMS identities, the default policy)."""
    try:
        data = json.loads((out / CLASS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Policy(), []
    except (OSError, ValueError) as exc:
        raise UsageError(f"{out / CLASS_FILE} cannot be read ({exc}): run `autograde grade` into {out} again") from None
    known = {f.name for f in dataclasses.fields(Policy)}
    policy = Policy(**{k: v for k, v in data.get("policy", {}).items() if k in known})
    handins = []
    for entry in data.get("students", []):
        owner, student = entry.get("owner"), entry.get("student")
        if student:
            seconds = student.pop("extension", None)
            student = Student(**{k: str(v) for k, v in student.items() if k in Student.__dataclass_fields__},
                              extension=datetime.timedelta(seconds=seconds) if seconds else None)
        submitted = entry.get("submitted")
        handins.append(Handin(str(entry["student_id"]), owner=lms.Owner(**owner) if owner else None, student=student,
                              secret=entry.get("secret"),
                              submitted=datetime.datetime.fromisoformat(submitted) if submitted else None))
    return policy, handins


def record_times(db_url: str, assignment: str, handins: list[Handin], due: datetime.datetime | None = None) -> None:
    """Into the gradebook: the assignment's due date (when given), and for each student it holds a
    submission of, the hand-in's time and the roster's extension (when the roster gives one)."""
    from nbgrader.api import Assignment, Gradebook, SubmittedAssignment

    with Gradebook(db_url) as gb:
        if due is not None:
            gb.db.query(Assignment).filter(Assignment.name == assignment).update({"duedate": due})
        by_student = {h.student_id: h for h in handins}
        for submission in (gb.db.query(SubmittedAssignment).join(Assignment)
                           .filter(Assignment.name == assignment)):
            handin = by_student.get(submission.student_id)
            if handin is None:
                continue
            if handin.submitted is not None:
                submission.timestamp = handin.submitted
            if handin.student is not None and handin.student.extension:
                submission.extension = handin.student.extension
        gb.db.commit()


def current_rows(out: Path, db_url: str | None = None, assignment: str | None = None,
                 policy: Policy | None = None, save: bool = True) -> list[Row]:
    """The class's rows as they stand: scores from the gradebook, a status part for each score
    reviewed in formgrader and for lateness, the late policy applied (with `save`, its penalty
    written back into the gradebook; the class report only reads)."""
    from nbgrader.api import Assignment, Gradebook, SubmittedAssignment

    from .class_report import class_grades, rows_from_gradebook

    assignment = course.known(assignment)
    db_url = db_url or default_db(out)
    policy = policy or load(out)[0]
    rule = policy.rule()
    rows = rows_from_gradebook(out, db_url, assignment)
    # per notebook: what reviewing changed (manual scores and extra credit over the autograder's), and whether any
    changed: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for student, stem, _, _, score, _, auto_score, reviewed in class_grades(db_url, assignment):
        seen = changed[(student, stem)]
        seen[0], seen[1] = seen[0] + score - auto_score, seen[1] or reviewed
    lateness: dict[str, tuple[float, datetime.datetime | None]] = {}
    with Gradebook(db_url) as gb:
        submissions = (gb.db.query(SubmittedAssignment).join(Assignment).filter(Assignment.name == assignment))
        for submission in submissions:
            lateness[submission.student_id] = (submission.total_seconds_late, submission.duedate)
        for row in rows:
            base = statuses.without(row.status, OURS)
            notes = []
            difference, reviewed = changed.get((row.student_id, row.notebook), (0.0, False))
            if reviewed and row.max_score > 0 and abs(difference) > 1e-9:  # a score set to the autograder's is no change
                notes.append(say("reviewed", score=_points(row.score), auto=_points(row.score - difference)))
            seconds, due = lateness.get(row.student_id, (0.0, None))
            share = rule.share(seconds)
            row.hours_late, row.late_penalty = seconds / 3600, row.score * share
            if seconds > 0 and row.max_score > 0 and not base.startswith(say("missing")):
                notes.append(say("late-penalty", late=late.lateness(seconds), due=f"{due:%Y-%m-%d %H:%M} UTC",
                                 rule=rule.text, percent=_points(round(share * 100, 2))))
            row.score -= row.late_penalty
            row.status = statuses.SEPARATOR["en"].join([base, *notes])
        if save:
            _save_penalties(gb, assignment, rows)
    return rows


def _save_penalties(gb, assignment: str, rows: list[Row]) -> None:
    """The points the late policy took off each notebook, where nbgrader keeps its own
    (SubmittedNotebook.late_submission_penalty: formgrader and `nbgrader export` show it)."""
    from nbgrader.api import Assignment, Notebook, SubmittedAssignment, SubmittedNotebook

    penalty = {(r.student_id, r.notebook): r.late_penalty for r in rows}
    query = (gb.db.query(SubmittedNotebook, SubmittedAssignment.student_id, Notebook.name)
             .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
             .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
             .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
             .filter(Assignment.name == assignment))
    for notebook, student, stem in query:
        notebook.late_submission_penalty = penalty.get((student, stem), 0.0) or None
    gb.db.commit()


def export(out: Path, db_url: str | None = None, assignment: str | None = None, **changes) -> Exported:
    """Rebuild DIR/grades.csv, DIR/totals.csv and (if the policy names an LMS) its import file
    from the gradebook. `changes` are Policy fields (format, lms_assignment, lms_points,
    late_penalty, missing) that replace the saved ones and are saved for the next export;
    `due` (a naive UTC datetime) becomes the assignment's due date in the gradebook."""
    from . import lms_export

    assignment = course.known(assignment)
    db_url = db_url or default_db(out)
    policy, handins = load(out)
    due = changes.pop("due", None)
    policy = dataclasses.replace(policy, **{k: v for k, v in changes.items() if v is not None})
    policy.rule()  # a rule that does not parse stops here, before anything is written
    if policy.missing not in MISSING:
        raise UsageError(f"--missing {policy.missing!r}: expected one of {', '.join(MISSING)}")
    if due is not None:
        record_times(db_url, assignment, [], due)
    if handins or (out / CLASS_FILE).exists():
        save(out, handins, policy)
    rows = current_rows(out, db_url, assignment, policy)
    files = {"grades": write_csv(rows, out / "grades.csv", assignment), "totals": write_totals(rows, out / TOTALS_CSV)}
    if returns.write_nbgrader(out, assignment, handins):
        files["nbgrader_feedback"] = out / returns.NBGRADER_FEEDBACK
    warnings, written, pages = [], None, {}
    if policy.format:
        feedback, pages = returns.write_lms(policy.format, out, handins)
        if feedback:
            files[f"{policy.format}_feedback"] = feedback
        written = lms_export.write(policy.format, rows, handins or [Handin(s) for s in sorted({r.student_id for r in rows})],
                                   out, policy.lms_assignment or assignment, policy.lms_points, missing=policy.missing,
                                   feedback=pages)
        files[policy.format] = written.path
        warnings += written.warnings
    return Exported(rows, files, warnings, written.written if written else 0)


def write_totals(rows: list[Row], path: Path) -> Path:
    """One line per student: the total of their notebooks (after the late policy) and how late."""
    with atomic.replacing(path, newline="") as f:
        writer = csv_writer(f)
        writer.writerow(["student_id", "score", "max_score", "hours_late", "late_penalty"])
        for student, total in sorted(student_totals(rows).items()):
            writer.writerow([cell(student), f"{round(total.score, 4):g}", f"{total.max_score:g}",
                             f"{round(total.hours_late, 2):g}", f"{round(total.late_penalty, 4):g}"])
    return path


FORMGRADER_CONFIG = Path(".nbgrader") / "nbgrader_config.py"


def write_formgrader_config(out: Path, db_url: str) -> Path:
    """DIR/.nbgrader/nbgrader_config.py: nbgrader's formgrader, started in that folder, opens the
    run's course folder (its autograded notebooks) and gradebook, to review and change scores."""
    from ..grading.nbgrader_api import SCRATCH_FOLDERS, nbgrader_config

    folder = nbgrader_config((out / ".nbgrader").resolve(), db_url).CourseDirectory  # as grading set nbgrader up
    lines = ["# written by `autograde grade`: formgrader on this grading folder (README: Grades back into the LMS)",
             "c = get_config()  # noqa: F821"]
    lines += [f"c.CourseDirectory.{name} = {folder[name]!r}"
              for name in ("root", "db_url", "course_id", *SCRATCH_FOLDERS) if name in folder]
    return atomic.write_text(out / FORMGRADER_CONFIG, "\n".join(lines) + "\n")


def default_db(out: Path) -> str:
    return f"sqlite:///{(out / 'gradebook.db').resolve()}"


def _points(x: float) -> str:
    return f"{round(x, 4):g}"
