"""Reading what students handed in, without trusting it and without changing it.

A source is a folder, a zip or one notebook, laid out as an LMS or nbgrader leaves it (see
lms.py): Canvas, Moodle and Blackboard downloads (zipped or unzipped), nbgrader's exchange
inbound folders and `submitted/STUDENT/ASSIGNMENT/` folders, or a folder of zips, one per
student. `collect` only lists the files and decides whose they are; a file's content is read
(at most MAX_NOTEBOOK_BYTES) when grading reaches its student, and never when it cannot be
one of the assignment's notebooks.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import course
from . import lms
from . import renames
from . import roster as roster_module
from .archive import Entry, UnreadableEntry, walk
from ..errors import UsageError
from ..verdict.statuses import Message, say

if TYPE_CHECKING:
    from nbformat import NotebookNode

MAX_NOTEBOOK_BYTES = 20 * 2**20  # our notebooks are well under 1 MB; anything bigger is not one of them
MAX_HANDIN_FILES = 100  # five notebooks are expected; a hand-in with more is mostly something else
MAX_HANDIN_BYTES = 256 * 2**20  # declared uncompressed size of everything one student handed in
MAX_RECEIPT_BYTES = 64 * 2**10
MAX_ID_LENGTH = 64
MAX_NESTING = 100  # a notebook's JSON nests about six levels; far deeper is no notebook
log = logging.getLogger(__name__)

__all__ = ["Handin", "Intake", "UnreadableEntry", "UsageError", "collect", "read_notebook", "safe_id"]


class Files(Mapping[str, bytes]):
    """A hand-in's files by name; a file is read when it is looked up, and not kept."""

    def __init__(self, entries: dict[str, Entry]):
        self.entries = entries

    def __getitem__(self, name: str) -> bytes:
        return self.entries[name].read(MAX_NOTEBOOK_BYTES + 1)

    def __contains__(self, name: object) -> bool:  # Mapping's own would read the file (and raise if it cannot)
        return name in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass
class Handin:
    student_id: str
    files: Mapping[str, bytes] = field(default_factory=dict)  # file name -> content, as handed in
    problems: dict[str, Message] = field(default_factory=dict)  # file name -> why it was not taken
    notes: list[Message] = field(default_factory=list)  # about the whole hand-in; added to each row's status
    owner: lms.Owner | None = None  # who the export says handed it in
    student: roster_module.Student | None = None  # the roster's line for this student
    submitted: datetime.datetime | None = None  # when it was handed in (UTC), for the late policy: see handed_in_at
    secret: str | None = None  # nbgrader's submission_secret.txt: what its release_feedback names the feedback by

    def digest(self, names: Collection[str]) -> str:
        """Changes when the hand-in does: the assignment's notebooks (`names`) by content, other
        files by their listing (size, CRC or modification time), without decompressing them."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            entry = self.files.entries.get(name) if isinstance(self.files, Files) else None
            if entry is not None and name not in names:
                part = entry.stamp.encode()
            else:
                try:
                    part = hashlib.sha256(self.files[name]).digest()
                except UnreadableEntry as exc:
                    part = str(exc).encode()
            digest.update(name.encode() + b"\0" + part)
        digest.update(json.dumps([self.problems, self.notes], sort_keys=True).encode())
        return digest.hexdigest()


class Intake(list):
    """The hand-ins of a class, sorted by student id, and the files no student could be found for."""

    def __init__(self, handins: list[Handin], unrecognised: list[str]):
        super().__init__(handins)
        self.unrecognised = unrecognised


def collect(source: Path, assignment: str | None = None, roster: roster_module.Roster | None = None) -> Intake:
    """Every student's hand-in of `assignment` (None: the course's only one) in `source`, sorted
    by student id. Nothing is read but names, sizes and (for Blackboard) the receipts that give
    usernames."""
    if not source.exists() and not source.is_symlink():
        raise UsageError(f"no such file or folder: {source}")
    assignment = course.known(assignment)
    names = course.notebook_names(assignment)
    entries = list(walk(source))
    receipts = dict(filter(None, (_receipt(e) for e in entries)))
    located, with_assignment = _layout(entries, assignment, receipts)
    lms_layout = any(located)
    groups: dict[tuple[str, str], list[tuple[lms.Owner, Entry]]] = {}
    unrecognised, used = [], set()
    stamps: dict[tuple[str, str], dict[str, Entry]] = {}
    for entry, found in zip(entries, located):
        owner = found[1] if found else _by_layout(entry, source, assignment, None if lms_layout else with_assignment)
        if owner is None:
            unrecognised.append("/".join(entry.parts))
            continue
        if owner.key and owner.lms in ("nbgrader", "folder") and owner.file in lms.NBGRADER_FILES:
            stamps.setdefault((owner.lms, owner.key), {})[owner.file] = entry  # nbgrader's: not the student's work
        elif owner.key and owner.file:
            used.add(entry.parts[0])
            groups.setdefault((owner.lms, owner.key), []).append((owner, entry))
    claims = _own_claims(groups, {id(e): found[0] for e, found in zip(entries, located) if found})
    handins = [_handin(files, names, claims.get(group, []), stamps.get(group, {})) for group, files in groups.items()]
    for folder in _empty_student_folders(source, assignment, used) if not lms_layout else []:
        handins.append(Handin(folder, problems={assignment: say("no-assignment-folder", folder=assignment)},
                              owner=lms.Owner("folder", folder, folder, "")))
    if not handins and roster is None:
        raise UsageError(f"{source} holds no hand-ins: expected an LMS download (Canvas, Moodle, Blackboard), "
                         f"student folders ({{student}}/{assignment}/*.ipynb), .zip files or a notebook")
    return Intake(_name(handins, roster), unrecognised)


def _layout(entries: list[Entry], assignment: str, receipts: dict[str, str]) -> tuple[list, set[str]]:
    """Per entry, (index of the part an LMS named, its owner) or None, and the student folders of
    nbgrader's `submitted/STUDENT/ASSIGNMENT/` layout. The layout is the source's as a whole: an
    LMS download (or nbgrader's exchange) when most of its files carry an LMS's names, so that one
    odd file (a backup `..._2024_11_25.ipynb`, an instructor's notes) cannot switch it; otherwise
    no entry is read as LMS-named."""
    located = [lms.locate(e.parts, assignment, receipts) for e in entries]
    # in submitted/STUDENT/ASSIGNMENT/, what students name their files is never an LMS's naming
    with_assignment = {e.parts[0] for e, found in zip(entries, located)
                       if _in_assignment_folder(e, assignment) and not (found and found[0] == 0)}
    located = [None if e.parts[0] in with_assignment else found for e, found in zip(entries, located)]
    if 2 * sum(1 for found in located if found) <= len(located):
        located = [None] * len(entries)
    return located, with_assignment


def _own_claims(groups: dict[tuple[str, str], list[tuple[lms.Owner, Entry]]],
                named_at: dict[int, int]) -> dict[tuple[str, str], list[Message]]:
    """A file whose own name (the student's part, below the part an LMS named: `named_at` by id
    of entry) holds another student's LMS key stays its uploader's: it is graded as the file
    that name ends with (`x_5512_assignsubmission_file_01_….ipynb` as `01_….ipynb`), and the
    uploader's rows say so (returned by group)."""
    keys: dict[str, set[str]] = {}
    for kind, key in groups:
        keys.setdefault(kind, set()).add(key)
    notes: dict[tuple[str, str], list[Message]] = {}
    for group, files in groups.items():
        for index, (owner, entry) in enumerate(files):
            if id(entry) not in named_at:
                continue
            own = lms.students_part(entry.parts, named_at[id(entry)], owner)
            other = lms.claimed(own, owner, keys[owner.lms])
            if other is not None:
                files[index] = (dataclasses.replace(owner, file=lms.innermost_file(own)), entry)
                notes.setdefault(group, []).append(say("claims-other", file="/".join(own), owner=other.describe()))
    return notes


def _by_layout(entry: Entry, source: Path, assignment: str, with_assignment: set[str] | None) -> lms.Owner | None:
    """Owners of files that no LMS named: a zip per student, a folder per student (None: folders
    are not students here), one notebook."""
    parts = entry.parts
    if source.is_file():
        if source.suffix.lower() == ".zip":
            return lms.Owner("zip", source.stem, source.stem, parts[-1])
        return lms.Owner("file", "student", "student", parts[-1])
    if parts[0].lower().endswith(".zip"):
        stem = parts[0][:-4]
        return lms.Owner("zip", stem, stem, parts[-1])
    if len(parts) < 2 or with_assignment is None:
        return None
    if with_assignment:  # nbgrader's submitted/STUDENT/ASSIGNMENT/: other assignments' files are not ours
        ours = parts[0] in with_assignment and _in_assignment_folder(entry, assignment)
        return lms.Owner("folder", parts[0], parts[0], parts[-1] if ours else "")
    return lms.Owner("folder", parts[0], parts[0], parts[-1])  # a folder per student, e.g. unzipped hand-ins


def _in_assignment_folder(entry: Entry, assignment: str) -> bool:
    """In nbgrader's STUDENT/ASSIGNMENT/: a file under it, or that folder itself when it could not be
    read (its status is then the student's, not a "no ASSIGNMENT/ folder" that is not so)."""
    parts = entry.parts
    return len(parts) >= 2 and parts[1] == assignment and (len(parts) >= 3 or entry.problem is not None)


def _empty_student_folders(source: Path, assignment: str, found: set[str]) -> list[str]:
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir()
                  if p.is_dir() and not p.is_symlink() and not p.name.startswith(".") and p.name not in found
                  and p.name != "__MACOSX" and lms.identify((p.name, "x"), assignment) is None)


def _receipt(entry: Entry) -> tuple[str, str] | None:
    if entry.reader is None or not entry.name.lower().endswith(".txt") or entry.size > MAX_RECEIPT_BYTES:
        return None
    if not lms.BLACKBOARD.match(entry.name[:-4]):
        return None
    try:
        return lms.blackboard_receipt(entry.name, entry.read(MAX_RECEIPT_BYTES).decode("utf-8", "replace"))
    except UnreadableEntry:
        return None


def _handin(files: list[tuple[lms.Owner, Entry]], names: list[str], notes: list[Message] = (),
            nbgrader_files: dict[str, Entry] | None = None) -> Handin:
    """One student's files: the latest attempt, LMS renames undone, caps applied; `notes` are
    said on each of its rows; `nbgrader_files` are nbgrader's own beside them (lms.NBGRADER_FILES)."""
    nbgrader_files = nbgrader_files or {}
    notes = list(notes)
    attempts = sorted({owner.attempt for owner, _ in files})
    if len(attempts) > 1:
        notes.append(say("attempts", count=len(attempts), attempt=attempts[-1]))
        files = [(o, e) for o, e in files if o.attempt == attempts[-1]]
    owner = files[0][0]
    handin = Handin("", owner=owner, notes=notes)
    chosen: dict[str, tuple[lms.Owner, Entry]] = {}
    copies: dict[str, int] = {}
    for o, entry in files:
        name = lms.original_name(o.file, o.lms, names)
        if entry.problem:
            handin.problems[name] = entry.problem
            continue
        copies[name] = copies.get(name, 0) + 1
        if name not in chosen or o.order > chosen[name][0].order:
            chosen[name] = (o, entry)
    for name, count in sorted(copies.items()):
        if count > 1:
            notes.append(say("copies-latest" if owner.order else "copies-first", name=name, count=count))
    if any(o.late for o, _ in files):
        notes.append(say("late", lms=owner.lms.capitalize()))
    _match_renamed(chosen, names, handin.problems, notes)
    entries = {}
    for name, (_, entry) in sorted(chosen.items()):
        if name in names and entry.size > MAX_NOTEBOOK_BYTES:
            handin.problems[name] = say("file-too-large")
        else:
            entries[name] = entry
    count, size = len(files), sum(e.size for _, e in files)
    if count > MAX_HANDIN_FILES or size > MAX_HANDIN_BYTES:  # the notebooks are still graded; the rest is neither read nor listed
        notes.append(_over_caps(count, size))
        entries = {n: e for n, e in entries.items() if n in names}
        handin.problems = {n: p for n, p in handin.problems.items() if n in names}
    handin.files = Files(entries)
    handin.submitted = handed_in_at(owner, [e for _, e in chosen.values()], nbgrader_files.get("timestamp.txt"))
    handin.secret = _secret(nbgrader_files.get("submission_secret.txt"))
    return handin


TIMED_DOWNLOADS = ("canvas", "moodle")  # downloads whose files' times the LMS wrote (archive.Entry.time)


def handed_in_at(owner: lms.Owner, entries: list[Entry], stamp: Entry | None = None) -> datetime.datetime | None:
    """When a hand-in was handed in (naive UTC), from the best the source says: nbgrader's
    time (its inbound folder's name, or the timestamp.txt that `nbgrader collect` leaves),
    Blackboard's attempt in its file names, else, in a Canvas or Moodle download (whose names
    hold no time), the latest time the download gives the student's files. A zip or folder a
    student made has no time anyone but the student chose: None, never late."""
    when = None
    if stamp is not None and stamp.size <= 100:
        with contextlib.suppress(UnreadableEntry):
            when = _nbgrader_time(stamp.read(100).decode("utf-8", "replace"))
    if when is None and owner.lms == "nbgrader":
        when = _nbgrader_time(owner.attempt)
    if when is None and owner.lms == "blackboard":
        with contextlib.suppress(ValueError):
            when = datetime.datetime.strptime(owner.attempt, "%Y-%m-%d-%H-%M-%S")
    if when is None and owner.lms in TIMED_DOWNLOADS:  # elsewhere whoever made the files chose their times
        when = max((e.time for e in entries if e.time is not None), default=None)
    return when


def _secret(entry: Entry | None) -> str | None:
    """nbgrader's submission secret (hex: `secrets.token_hex(64)` in its exchange's submit), or None for anything else."""
    if entry is None or entry.size > 512:
        return None
    try:
        text = entry.read(512).decode("ascii").strip()
    except (UnreadableEntry, UnicodeDecodeError):
        return None
    return text if re.fullmatch(r"[0-9a-fA-F]{1,256}", text) else None


def _nbgrader_time(text: str) -> datetime.datetime | None:
    """nbgrader's timestamps: `2026-11-25 10:30:00.000000 UTC` (its utils.get_utc_timestamp)."""
    text = text.strip()
    if text.upper().endswith(" UTC"):
        text = text[:-4]
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return when


def _match_renamed(chosen: dict[str, tuple[lms.Owner, Entry]], names: list[str],
                   problems: dict[str, Message], notes: list[Message]) -> None:
    """Files named the way tools rename a notebook (`x (1).ipynb`, `x-Copy1.ipynb`, another case)
    are graded as that notebook, and the rows say so, when they are the only file that stands for
    it. A notebook handed in under its own name (or refused under it) keeps that file; two copies
    and no original are never guessed between: the notebook's row names them all."""
    stands_for: dict[str, list[str]] = {}
    for file in chosen:
        name = renames.notebook_for(file, names)
        if name is not None and name not in chosen and name not in problems:
            stands_for.setdefault(name, []).append(file)
    for name, files in sorted(stands_for.items()):
        if len(files) == 1:
            chosen[name] = chosen.pop(files[0])
            notes.append(say("renamed", file=files[0], name=name))
        else:
            for file in files:
                del chosen[file]
            problems[name] = say("renamed-ambiguous", count=len(files), name=name, files=sorted(files))


def _over_caps(count: int, size: int) -> Message:
    mib, limit_mib = f"{size / 2**20:.0f}", MAX_HANDIN_BYTES // 2**20
    if count > MAX_HANDIN_FILES and size > MAX_HANDIN_BYTES:
        return say("over-files-and-bytes", count=count, limit=MAX_HANDIN_FILES, size=mib, size_limit=limit_mib)
    if count > MAX_HANDIN_FILES:
        return say("over-files", count=count, limit=MAX_HANDIN_FILES)
    return say("over-bytes", size=mib, limit=limit_mib)


def _name(handins: list[Handin], roster: roster_module.Roster | None) -> list[Handin]:
    """Student ids for grades.csv: the roster's, else cleaned from the LMS's name. Two hand-ins
    that end up with the same id are both graded, as `id` and `id-2`, each with a warning."""
    matched = set()
    for handin in handins:
        owner = handin.owner
        if roster is not None:
            handin.student = roster.find(owner.key, owner.name)
            if handin.student is None:
                handin.notes.append(say("not-in-roster", owner=owner.describe()))
            else:
                matched.add(id(handin.student))
        handin.student_id = safe_id(handin.student.student_id if handin.student else owner.name)
    if roster is not None:  # everyone on the roster gets rows, with or without a hand-in
        handins += [Handin(safe_id(s.student_id), student=s) for s in roster.students if id(s) not in matched]
    # ids that differ only in case are one folder on macOS and Windows: they collide too
    by_id: dict[str, list[Handin]] = {}
    for handin in sorted(handins, key=lambda h: (h.student_id, h.owner.lms if h.owner else "", h.owner.key if h.owner else "")):
        by_id.setdefault(handin.student_id.casefold(), []).append(handin)
    taken = set(by_id)
    for same in by_id.values():
        if len(same) < 2:
            continue
        student_id = same[0].student_id
        ids = [student_id]
        for other in same[1:]:
            n = 2
            while f"{other.student_id}-{n}".casefold() in taken:
                n += 1
            ids.append(f"{other.student_id}-{n}")
            taken.add(ids[-1].casefold())
        sources = [h.owner.describe() if h.owner else say("owner-roster", key=h.student_id) for h in same]
        for handin, new_id in zip(same, ids):
            handin.notes.append(say("shared-id", count=len(same), id=student_id, sources=sources, new_id=new_id))
            handin.student_id = new_id
    return sorted(handins, key=lambda h: h.student_id)


def safe_id(name: str) -> str:
    """A student id that is a safe folder name in any script: Unicode letters, digits and marks
    (NFC), '.', '_' and '-'; path separators and control characters removed, other characters
    (spaces, punctuation) become '_'; no leading dots, no '..'."""
    kept = []
    for c in unicodedata.normalize("NFC", name):
        category = unicodedata.category(c)
        if c in "/\\" or category[0] == "C":
            continue
        kept.append(c if category[0] in "LNM" or c in "._-" else "_")
    cleaned = re.sub(r"\.{2,}", "", re.sub(r"_+", "_", "".join(kept))).strip("._-")
    return cleaned[:MAX_ID_LENGTH].rstrip("._-") or "student"


def _as_notebook(data: dict):
    """nbformat.reads(text, as_version=4) for JSON already parsed: the same conversion and
    validation, without parsing the text a second time."""
    import nbformat  # a second of jsonschema set-up: not before grading's workers are starting

    major, minor = nbformat.reader.get_version(data)
    if major not in nbformat.versions:
        raise nbformat.NBFormatError(f"Unsupported nbformat version {major}")
    nb = nbformat.convert(nbformat.versions[major].to_notebook_json(data, minor=minor), 4)
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError:
        pass  # as nbformat.reads: an invalid notebook is still read; nbgrader's steps judge what they need
    return nb


def read_notebook(content: bytes) -> tuple[NotebookNode | None, Message | None]:
    """Parse a handed-in notebook; returns (notebook, note) or (None, reason). Never raises:
    any bytes at all give one of the two."""
    try:
        return _read_notebook(content)
    except Exception:  # RecursionError, MemoryError-free surprises of nbformat: the notebook's status, not the run's end
        log.warning("a hand-in could not be read as a notebook", exc_info=True)
        return None, say("unreadable-notebook")


def _read_notebook(content: bytes) -> tuple[NotebookNode | None, Message | None]:
    if not content.strip():
        return None, say("empty-file")
    if len(content) > MAX_NOTEBOOK_BYTES:
        return None, say("file-too-large")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None, say("not-utf8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None, say("invalid-json")
    except (RecursionError, ValueError):  # nested too deep for the parser, or an integer of thousands of digits
        return None, say("unreadable-notebook")
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return None, say("no-cells")
    if _deeper_than(data, MAX_NESTING):  # what reads it next (nbformat, nbgrader, json) recurses
        return None, say("unreadable-notebook")
    version = data.get("nbformat")
    try:
        nb = _as_notebook(data)
    except Exception:  # nbformat's own words would mean nothing to a student: name the kind of problem
        return None, say("unreadable-notebook")
    if not _has_cells_shape(nb):
        return None, say("unreadable-notebook")
    note = say("converted", version=version) if isinstance(version, int) and version < 4 else None
    for cell in nb.cells:  # nbgrader needs these fields; a hand-edited file may lack them
        cell.setdefault("metadata", {})
        if cell.cell_type == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    return nb, note


def _deeper_than(data, limit: int) -> bool:
    """Whether JSON nests more than `limit` levels (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _has_cells_shape(nb) -> bool:
    """What grading reads of every cell is there and of the right type (nbformat's validation
    failing is not refused, as nbformat.reads does not: this is the part that must hold)."""
    if not isinstance(nb.get("cells"), list) or not isinstance(nb.get("metadata", {}), dict):
        return False
    return all(isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown", "raw")
               and isinstance(cell.get("source", ""), str) and isinstance(cell.get("metadata", {}), dict)
               and isinstance(cell.get("outputs", []), list) for cell in nb["cells"])
