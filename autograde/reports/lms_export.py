"""`autograde grade --format canvas|moodle`: the grade-import file each LMS takes.

One line per student with the total of their notebooks (optionally rescaled to the LMS
assignment's points). Students the LMS could not match (no LMS id and no roster line) are
left out and named in the returned warnings.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from .. import atomic
from ..grading.grader import Row
from .grades import Total, cell, csv_writer, student_totals
from ..intake.roster import MOODLE_PARTICIPANT
from ..verdict.statuses import say
from ..intake.submissions import Handin

# Canvas, Grades > Import: the header must begin Student, ID, [SIS User ID, SIS Login ID,]
# Section, then one column per assignment, titled "Title (assignment id)" or by its exact
# title; a "Points Possible" row may follow the header. Students are matched by ID (Canvas's
# user id, the number in the submission download's file names), then SIS User ID, SIS Login
# ID, then name. Sources: Canvas Instructor Guide, "How do I import grades in the Gradebook?"
# (https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807)
# and canvas-lms app/models/gradebook_importer.rb (header?, update_column_count, process_student).
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW = "Points Possible"

# Moodle, Assignment > "Upload grading worksheet" (the offline grading worksheet): the importer
# (mod/assign/feedback/offline/importgradeslib.php) needs the columns "Identifier" (values
# "Participant N", N being the participant id that also names the download's folders),
# "Grade" and "Last modified (grade)" (a newer grade in Moodle is not overwritten); the
# downloaded worksheet also holds the other columns below, and "Feedback comments" is imported
# when that feedback type is on. Column names: mod/assign/lang/en/assign.php (recordid,
# lastmodifiedgrade, hiddenuser).
MOODLE_COLUMNS = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                  "Grade can be changed", "Last modified (grade)", "Feedback comments"]


@dataclass
class Export:
    path: Path
    written: int
    warnings: list[str]


def write(kind: str, rows: list[Row], handins: list[Handin], out: Path, title: str, points: float | None = None,
          now: datetime.datetime | None = None, missing: str = "zero", feedback: dict[str, list[str]] | None = None) -> Export:
    """Write OUT/grades-KIND.csv for the LMS `kind`; `title` names the LMS assignment's column
    (Canvas) and `points` rescales the totals to the LMS assignment's maximum. A student who
    handed in nothing gets 0 (as always), or with `missing="blank"` an empty grade cell.
    `feedback` names each student's feedback files (returns.py), which Moodle's comment points to."""
    totals = student_totals(rows)
    possible = max((t.max_score for t in totals.values()), default=0.0)
    scale = points / possible if points and possible else 1.0
    path = out / f"grades-{kind}.csv"
    lines, skipped = [], []
    now = now or datetime.datetime.now(datetime.timezone.utc)
    for handin in sorted(handins, key=lambda h: h.student_id):
        own = [r for r in rows if r.student_id == handin.student_id]
        absent = missing == "blank" and all(_missing(r) for r in own if r.max_score > 0)
        score = "" if absent else _number(totals.get(handin.student_id, Total()).score * scale)
        line = (_canvas if kind == "canvas" else _moodle)(handin, score, _number(possible * scale), rows, now,
                                                          (feedback or {}).get(handin.student_id, []))
        if line is None:
            skipped.append(handin.student_id)
        else:
            lines.append([cell(str(c)) for c in line])
    with atomic.replacing(path, newline="") as f:
        writer = csv_writer(f)
        if kind == "canvas":
            writer.writerow([*CANVAS_COLUMNS, cell(title)])
            writer.writerow([CANVAS_POINTS_ROW, "", "", "", "", _number(possible * scale)])
        else:
            writer.writerow(MOODLE_COLUMNS)
        writer.writerows(lines)
    warnings = []
    if skipped:
        what = "Canvas user id" if kind == "canvas" else "Moodle participant id"
        warnings.append(f"left out of {path.name}, no {what} (not from a {kind.capitalize()} download, not in "
                        f"--roster): {', '.join(skipped)}")
    return Export(path, len(lines), warnings)


def _canvas(handin: Handin, score: str, possible: str, rows: list[Row], now, pages: list[str]) -> list | None:
    student, owner = handin.student, handin.owner
    lms_id = student.lms_id if student else owner.key if owner and owner.lms == "canvas" else ""
    if lms_id.startswith("anon_"):
        lms_id = ""  # an anonymous id does not name a Canvas user
    name = student.name if student and student.name else owner.name if owner and owner.lms == "canvas" else ""
    sis_user, sis_login = (student.sis_user_id, student.sis_login_id) if student else ("", "")
    if not (lms_id or sis_user or sis_login or (student and student.name)):
        return None
    return [name or handin.student_id, lms_id, sis_user, sis_login, student.section if student else "", score]


def _moodle(handin: Handin, score: str, possible: str, rows: list[Row], now, pages: list[str]) -> list | None:
    student, owner = handin.student, handin.owner
    lms_id = student.lms_id if student else owner.key if owner and owner.lms == "moodle" else ""
    if not lms_id.isdigit():
        return None
    name = student.name if student and student.name else owner.name if owner else handin.student_id
    own = [r for r in rows if r.student_id == handin.student_id]
    handed_in = any(not _missing(r) for r in own)
    feedback = "; ".join(f"{r.notebook}: {r.score:g}/{r.max_score:g}" + ("" if r.status == "ok" else f" ({r.status})")
                         for r in own if r.max_score > 0)
    if pages:
        feedback += f"; feedback files: {', '.join(pages)}"
    return [f"{MOODLE_PARTICIPANT}{lms_id}", name, student.email if student else "",
            "Submitted for grading" if handed_in else "No submission", score, possible, "Yes",
            now.isoformat(timespec="seconds"), feedback]


def _number(x: float) -> str:
    return f"{round(x, 2):g}"


def _missing(row: Row) -> bool:
    """Nothing was handed in for this notebook (a row read back from grades.csv has its text only)."""
    missing = say("missing")
    return row.messages[0]["code"] == missing.code if row.messages else row.status.startswith(missing)
