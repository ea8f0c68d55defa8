"""Synthetic submission downloads, named the way each LMS names its files (see autograde/intake/lms.py
for the code each follows). Each builder returns {path in the download: content}; `write`
lays it out as a folder (unzipped) or as the one zip the LMS hands out."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path


def canvas(students: list[dict]) -> dict[str, bytes | str]:
    """students: {"name": "Doe, Jane" (sortable name), "user_id": 12345, "files": {display name: content},
    "late": True or the marker as written ("LATE" today, "late" in older downloads)}; files are
    numbered with increasing attachment ids, in the order given."""
    tree, attachment = {}, 67890
    for s in students:
        slug = re.sub(r"[^\w]", "", s["name"].lower())  # Canvas: sortable name, downcased, [[:word:]] only
        late = s.get("late")
        prefix = "_".join(p for p in [slug, ("LATE" if late is True else late) or None, str(s["user_id"])] if p)
        for display, content in s["files"].items():
            attachment += 1
            tree[f"{prefix}_{attachment}_{display}"] = content
    return tree


def moodle(students: list[dict], trailing_underscore: bool = True) -> dict[str, bytes | str]:
    """students: {"name": "Jane Doe" (full name), "participant": 12345, "files": {...}}: a folder per student."""
    tree = {}
    for s in students:
        folder = f"{s['name']}_{s['participant']}_assignsubmission_file" + ("_" if trailing_underscore else "")
        for name, content in s["files"].items():
            tree[f"{folder}/{name}"] = content
    return tree


def blackboard(assignment: str, attempts: list[dict]) -> dict[str, bytes | str]:
    """attempts: {"name": "Jane Doe", "username": "jdoe", "when": "2026-11-25-10-30-00", "files": {...}}:
    each file prefixed with the attempt, plus the attempt's receipt."""
    tree = {}
    for a in attempts:
        attempt = f"{assignment}_{a['username']}_attempt_{a['when']}"
        listed = "".join(f"\tOriginal filename: {name}\n\tFilename: {attempt}_{name}\n" for name in a["files"])
        tree[f"{attempt}.txt"] = (
            f"Name: {a['name']} ({a['username']})\nAssignment: {assignment}\nDate Submitted: {a['when']}\n"
            "Current Grade: Needs Grading\n\nSubmission Field:\nThere is no student submission text data for this "
            "assignment.\n\nComments:\nThere are no student comments for this assignment.\n\nFiles:\n" + listed)
        for name, content in a["files"].items():
            tree[f"{attempt}_{name}"] = content
    return tree


def nbgrader_inbound(assignment: str, hand_ins: list[dict]) -> dict[str, bytes | str]:
    """hand_ins: {"student": "jdoe", "when": "2026-11-25 10:30:00.000000 UTC", "files": {...}}."""
    tree = {}
    for i, h in enumerate(hand_ins):
        folder = f"{h['student']}+{assignment}+{h['when']}+r{i:04d}"
        tree[f"{folder}/timestamp.txt"] = h["when"]
        for name, content in h["files"].items():
            tree[f"{folder}/{name}"] = content
    return tree


def write(tree: dict[str, bytes | str], where: Path, zipped: bool) -> Path:
    """The download as a folder `where`, or as the zip `where`.zip."""
    if zipped:
        path = where.with_suffix(".zip")
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in tree.items():
                archive.writestr(name, content)
        return path
    for name, content in tree.items():
        target = where / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return where


def zip_bytes(files: dict[str, str]) -> bytes:
    """A zip of `files` ({name: content}), as a student packs their own notebooks into one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
