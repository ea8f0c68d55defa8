"""`--roster roster.csv`: which id each LMS student gets in grades.csv, and the details the
LMS's grade-import file needs (name, email, section, SIS ids).

A roster is a CSV with a header. Our own columns are `student_id` (the id written to
grades.csv), `lms_id` (the number or username the LMS puts in its file names: Canvas user id,
Moodle participant id, Blackboard username) and `name`, with optional `email`, `section`,
`sis_user_id` and `sis_login_id`, and `extension` (extra time for this student's due date: `2`
or `2d` days, `36h` hours). A Canvas gradebook export (Student, ID, SIS User ID,
SIS Login ID, Section) and a Moodle grading worksheet (Identifier, Full name, Email address)
also work as they are downloaded.
"""
from __future__ import annotations

import csv
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

ALIASES = {
    "student_id": ["student_id", "student id"],
    "lms_id": ["lms_id", "lms id", "id", "identifier"],
    "name": ["name", "student", "full name"],
    "email": ["email", "email address"],
    "section": ["section"],
    "sis_user_id": ["sis user id", "sis_user_id"],
    "sis_login_id": ["sis login id", "sis_login_id"],
    "id_number": ["id number"],
    "extension": ["extension"],
}
EXTENSION = re.compile(r"^(\d+(?:\.\d+)?)\s*(d|days?|h|hours?)?$")
MOODLE_PARTICIPANT = "Participant "  # Moodle's 'hiddenuser' string, before the participant id


@dataclass
class Student:
    student_id: str
    lms_id: str = ""
    name: str = ""
    email: str = ""
    section: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    extension: datetime.timedelta | None = None  # added to the assignment's due date for this student


@dataclass
class Roster:
    students: list[Student] = field(default_factory=list)

    def find(self, key: str, name: str) -> Student | None:
        """The student an LMS calls `key` (id or username), else the one whose name matches."""
        for student in self.students:
            if key and key in (student.lms_id, student.student_id):
                return student
        wanted = name_key(name)
        matches = [s for s in self.students if wanted and name_key(s.name) == wanted]
        return matches[0] if len(matches) == 1 else None


def name_key(name: str) -> str:
    """A name as Canvas puts it in file names: letters and digits only, lowercase
    ("Doe, Jane" and "doejane" agree)."""
    return "".join(c for c in unicodedata.normalize("NFC", name).casefold() if c.isalnum())


def load(path: Path) -> Roster:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"cannot read the roster {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"the roster {path} is not UTF-8 text (save it as CSV UTF-8)") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise UsageError(f"the roster {path} is empty")
    column = {}
    lowered = [h.strip().casefold() for h in header]
    for key, aliases in ALIASES.items():
        for alias in aliases:
            if alias in lowered:
                column[key] = lowered.index(alias)
                break
    if "student_id" not in column and not {"sis_login_id", "sis_user_id", "id_number", "email", "lms_id"} & column.keys():
        raise UsageError(f"the roster {path} has no student_id column (its columns: {', '.join(header)}); "
                         "expected student_id, lms_id, name (or a Canvas gradebook export / Moodle grading worksheet)")
    roster = Roster()
    seen: dict[str, dict[str, int]] = {"student_id": {}, "lms_id": {}}
    for line, row in enumerate(reader, start=2):
        cell = {key: row[i].strip() if i < len(row) else "" for key, i in column.items()}
        if cell.get("name", "").startswith("Points Possible") or not any(cell.values()):
            continue  # Canvas's second row; blank lines
        if cell.get("lms_id", "").startswith(MOODLE_PARTICIPANT):
            cell["lms_id"] = cell["lms_id"][len(MOODLE_PARTICIPANT):]
        student_id = (cell.get("student_id") or cell.get("sis_login_id") or cell.get("sis_user_id")
                      or cell.get("id_number") or cell.get("email") or cell.get("lms_id") or "")
        if not student_id:
            raise UsageError(f"the roster {path}, line {line}: no student id")
        student = Student(student_id, **{k: cell.get(k, "") for k in ("lms_id", "name", "email", "section",
                                                                       "sis_user_id", "sis_login_id")},
                          extension=_extension(cell.get("extension", ""), path, line))
        for key in seen:
            value = getattr(student, key)
            if value and value in seen[key]:
                raise UsageError(f"the roster {path}: {key} {value!r} is on lines {seen[key][value]} and {line}")
            seen[key][value] = line
        roster.students.append(student)
    return roster


def _extension(text: str, path: Path, line: int) -> datetime.timedelta | None:
    """A roster's `extension` cell: days (`2`, `2d`, `1.5 days`) or hours (`36h`); blank for none."""
    if not text:
        return None
    m = EXTENSION.match(text.strip().casefold())
    if m is None:
        raise UsageError(f"the roster {path}, line {line}: extension {text!r} is not a number of days (2, 2d) or hours (36h)")
    amount = float(m[1])
    return datetime.timedelta(hours=amount) if (m[2] or "d").startswith("h") else datetime.timedelta(days=amount)
