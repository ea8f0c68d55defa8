"""Whose file is this? The names Canvas, Moodle, Blackboard and nbgrader give hand-ins.

The file-name patterns are written the way nbgrader's `zip_collect` expects them
(`c.FileNameCollectorPlugin.named_regexp`, applied to a file's path: groups `student_id` and
`file_id`, optionally `timestamp`), so the same expression can be handed to nbgrader. They
follow the code that names the files:

- Canvas (lib/content_zipper.rb): `{sortable name, lowercased, punctuation removed}[_LATE]_{user id}_{attachment id}_{file name}`,
  or `[LATE_]anon_{anonymous id}_...` when the assignment is anonymous. Canvas renames a file
  that a student uploads twice to `name-1.ipynb`, `name-2.ipynb`.
- Moodle (mod/assign, "Download all submissions"): a folder per student and plugin,
  `{full name}_{participant id}_assignsubmission_file_`, or flat files with that prefix.
- Blackboard: `{assignment}_{username}_attempt_{YYYY-MM-DD-HH-MM-SS}_{file name}`, with a
  receipt `{assignment}_{username}_attempt_{...}.txt` per attempt (nbgrader's own example).
- nbgrader: the exchange's inbound folders `{student}+{assignment}+{timestamp}[+{random}]`,
  and a course's `submitted/{student}/{assignment}/` folders.

Each LMS writes its part first and then the name the student gave the file, which can hold
anything, another student's prefix included. So a name is read from its start: the first
`_{id}_assignsubmission_`, the first `_attempt_{time}` (lazy groups), and of a path the
outermost part an LMS named. What the student typed after it is theirs: when it reads as another
student's name (`claimed`), the file stays its uploader's and its row says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import renames
from ..verdict.statuses import Message, say

CANVAS = re.compile(r"^(?:.*/)?(?P<name>.+?)(?:_(?P<late>(?i:late)))?_(?P<student_id>\d+)_(?P<attachment_id>\d+)_(?P<file_id>.+)$")
CANVAS_ANONYMOUS = re.compile(
    r"^(?:.*/)?(?:(?P<late>(?i:late))_)?(?P<student_id>anon_[A-Za-z0-9]+)_(?P<attachment_id>\d+)_(?P<file_id>.+)$")
MOODLE_FOLDER = re.compile(r"^(?P<name>.*)_(?P<student_id>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)_?$")
MOODLE_FILE = re.compile(r"^(?:.*/)?(?P<name>.*?)_(?P<student_id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file_id>.+)$")
BLACKBOARD = re.compile(
    r"^(?:.*/)?(?P<assignment>.+?)_(?P<student_id>[^_]+)_attempt_(?P<timestamp>\d{4}(?:-\d{2}){5})(?:_(?P<file_id>.+))?$")
NBGRADER_INBOUND = re.compile(r"^(?P<student_id>[^+]+)\+(?P<assignment>[^+]+)\+(?P<timestamp>[^+]+)(?:\+[^+]*)?$")
CANVAS_TEXT = re.compile(r"^(?:.*/)?(?P<name>.+?)(?:_(?P<late>(?i:late)))?_(?P<student_id>\d+)_(?P<file_id>text\.html|link\.html)$")
CANVAS_RENAMED = re.compile(r"^(?P<stem>.+)-\d+(?P<suffix>\.[^.]+)$")
# what nbgrader puts beside a hand-in: not the student's work (when it was handed in; the secret
# that names the student's feedback in the exchange, nbgrader's exchange/default/submit.py)
NBGRADER_FILES = {"timestamp.txt", "submission_secret.txt"}


@dataclass(frozen=True)
class Owner:
    """Who handed a file in, as the export says it."""

    lms: str  # canvas, moodle, blackboard, nbgrader, zip, folder, file
    key: str  # what the LMS identifies the student by: user id, participant id, username, folder
    name: str  # what the student id is made from when there is no roster
    file: str  # the file's name as the student handed it in
    attempt: str = ""  # sortable; only the latest attempt of a student is graded
    order: str = ""  # sortable; of two copies of one file, the later one is graded
    late: bool = False

    def describe(self) -> Message:
        """Who this is in the LMS's words, e.g. "Canvas user 12345" (both languages)."""
        return say(f"owner-{self.lms}", key=self.key)


def identify(parts: tuple[str, ...], assignment: str, receipts: dict[str, str] | None = None) -> Owner | None:
    """The owner of the file at `parts` (its path in an export), from the outermost name that
    an LMS wrote; None when no LMS naming applies."""
    found = locate(parts, assignment, receipts)
    return found[1] if found else None


def locate(parts: tuple[str, ...], assignment: str, receipts: dict[str, str] | None = None) -> tuple[int, Owner] | None:
    """(index of the part an LMS named, its owner) for the outermost such part of `parts`."""
    receipts = receipts or {}
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        inner = parts[-1]
        if not last:
            if m := MOODLE_FOLDER.match(part):
                return i, Owner("moodle", m["student_id"], m["name"], inner)
            if (m := NBGRADER_INBOUND.match(part)) and m["assignment"] == assignment:
                return i, Owner("nbgrader", m["student_id"], m["student_id"], inner, attempt=m["timestamp"])
            if NBGRADER_INBOUND.match(part):
                return i, Owner("nbgrader", "", "", "")  # another assignment's hand-in: not ours
        if m := MOODLE_FILE.match(part):
            return i, Owner("moodle", m["student_id"], m["name"], m["file_id"] if last else inner)
        if last and part.lower().endswith(".txt") and (m := BLACKBOARD.match(part[:-4])) and not m["file_id"]:
            return i, Owner("blackboard", receipts.get(part[:-4], m["student_id"]), "", "")  # the LMS's receipt
        if m := BLACKBOARD.match(part):
            attempt = f"{m['assignment']}_{m['student_id']}_attempt_{m['timestamp']}"
            username = receipts.get(attempt, m["student_id"])
            file = (m["file_id"] or part) if last else inner
            return i, Owner("blackboard", username, username, file, attempt=m["timestamp"])
        if last and (m := CANVAS_TEXT.match(part)):  # a text entry or a link instead of files
            return i, Owner("canvas", m["student_id"], m["name"], m["file_id"], late=bool(m["late"]))
        for pattern in (CANVAS_ANONYMOUS, CANVAS):
            if m := pattern.match(part):
                name = m["student_id"] if pattern is CANVAS_ANONYMOUS else m["name"]
                return i, Owner("canvas", m["student_id"], name, m["file_id"] if last else inner,
                                order=f"{int(m['attachment_id']):020d}", late=bool(m["late"]))
    return None


def students_part(parts: tuple[str, ...], at: int, owner: Owner) -> tuple[str, ...]:
    """What the student named, below the part an LMS named (`at`): the file name they gave
    (e.g. what follows Canvas's `{name}_{id}_{attachment}_`) and any folders under it."""
    if at == len(parts) - 1:
        return (owner.file,) if owner.file else ()
    # a folder an LMS named is all the LMS's; a file (a zip handed in) ends with the student's name
    named = locate(parts[at:at + 1], "")
    head = (named[1].file,) if named and named[1].file and named[1].file != parts[at] else ()
    return (*head, *parts[at + 1:])


def innermost_file(names: tuple[str, ...]) -> str:
    """The file a student's own part of a path ends with, once every LMS-like name in it is
    read off: `("x_5512_assignsubmission_file_01.ipynb",)` is `01.ipynb`."""
    file = "/".join(names)
    while (found := locate(names, "")) and found[1].file and found[1].file != file:
        file = found[1].file  # shorter each time: the loop ends
        names = (file,)
    return file


# where, in a name an LMS writes, the student's key ends: what follows it
KEY_ENDS = {"moodle": re.compile(r"_assign(?:submission|feedback)_"), "canvas": re.compile(r"(?=_\d+_)"),
            "blackboard": re.compile(r"_attempt_\d{4}(?:-\d{2}){5}")}


def claimed(names: tuple[str, ...], owner: Owner, keys: set[str]) -> Owner | None:
    """Another student of the same LMS (one of `keys`) whose key a student wrote, the way that
    LMS writes it, into `names`: their own part of a path. None when it names nobody else."""
    ends, longest = KEY_ENDS.get(owner.lms), max(map(len, keys), default=0)
    if ends is None:
        return None
    for name in names:
        for end in ends.finditer(name):
            start = end.start()
            # the key is all that comes before, or what follows one of its underscores (keys may hold some)
            window = name[max(0, start - longest - 1):start]
            tails = [window[i + 1:] for i, c in enumerate(window) if c == "_"]
            for key in [name[:start] if start <= longest else "", *tails]:
                if key and key != owner.key and key in keys:
                    return Owner(owner.lms, key, key, "")
    return None


def blackboard_receipt(file: str, text: str) -> tuple[str, str] | None:
    """(attempt, username) from a Blackboard receipt `{attempt}.txt`, whose first line is
    `Name: Jane Doe (jdoe)`: the username may hold underscores that file names cannot tell apart."""
    attempt = BLACKBOARD.match(file[:-4]) if file.lower().endswith(".txt") else None
    if attempt is None or attempt["file_id"]:  # `{attempt}_{name}.txt` is a file the student handed in
        return None
    name = re.search(r"^Name:.*\(([^()\n]+)\)\s*$", text, re.M)
    return (file[:-4], name.group(1).strip()) if name else None


def original_name(file: str, lms: str, names: list[str]) -> str:
    """The file a copy Canvas renamed stands for: its `name-1.ipynb` is `name.ipynb`, when that
    is one of the notebooks or a name a student's tools give one (`name (1)-1.ipynb` is a second
    upload of `name (1).ipynb`, which renames.py matches)."""
    if lms == "canvas" and file not in names and (m := CANVAS_RENAMED.match(file)):
        original = m["stem"] + m["suffix"]
        if original in names or renames.notebook_for(original, names) is not None:
            return original
    return file
