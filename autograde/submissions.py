"""Reading what students handed in, without trusting it and without changing it.

A submission source is one of: a folder in nbgrader's submitted layout
(STUDENT_ID/ASSIGNMENT/*.ipynb), a folder of .zip files as an LMS exports them (one per
student, the id taken from the file name), or a single notebook. Everything is read
into memory; nothing is extracted, so a zip's `../` paths cannot write anywhere.
"""
from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

MAX_NOTEBOOK_BYTES = 20 * 2**20  # our notebooks are well under 1 MB; anything bigger is not one of them


class UsageError(ValueError):
    """The command was asked something it cannot do (unknown folder, unknown assignment)."""


@dataclass
class Handin:
    student_id: str
    files: dict[str, bytes] = field(default_factory=dict)  # file name -> content, as handed in
    problems: dict[str, str] = field(default_factory=dict)  # file name -> why it was not taken


def collect(source: Path, assignment: str) -> list[Handin]:
    """Every student's files from `source`, keyed by student id (sorted)."""
    if not source.exists():
        raise UsageError(f"no such file or folder: {source}")
    if source.is_file():
        if source.suffix == ".zip":
            return [_from_zip(source)]
        return [Handin("student", {source.name: _read(source)})]
    zips = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() == ".zip")
    if zips:
        handins = [_from_zip(z) for z in zips]
    else:
        handins = []
        for folder in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")):
            work = folder / assignment
            handin = Handin(safe_id(folder.name))
            if work.is_dir():
                for path in sorted(work.iterdir()):
                    if path.is_file() and not path.name.startswith("."):
                        handin.files[path.name] = _read(path)
            else:
                handin.problems[assignment] = f"no {assignment}/ folder"
            handins.append(handin)
        if not handins:
            raise UsageError(f"{source} holds neither student folders ({{student}}/{assignment}/*.ipynb) nor .zip files")
    return _merge(handins)


def safe_id(name: str) -> str:
    """A student id that is a safe folder name: letters, digits, '.', '_' and '-' only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "student"
    return cleaned[:64]


def _read(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(MAX_NOTEBOOK_BYTES + 1)


def _from_zip(path: Path) -> Handin:
    handin = Handin(safe_id(path.stem))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        handin.problems[path.name] = f"not a readable zip: {exc}"
        return handin
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            name = parts[-1] if parts else info.filename
            if ".." in parts or info.filename.startswith("/"):
                handin.problems[name] = "unsafe path in zip, skipped"
            elif name.startswith(".") or "__MACOSX" in parts:
                continue
            elif info.file_size > MAX_NOTEBOOK_BYTES:
                handin.problems[name] = "file too large"
            elif name in handin.files:
                handin.problems[name] = "duplicate file in zip, first one kept"
            else:
                try:
                    handin.files[name] = archive.read(info)
                except Exception as exc:  # corrupt member, unsupported compression...
                    handin.problems[name] = f"unreadable in zip: {type(exc).__name__}"
    return handin


def _merge(handins: list[Handin]) -> list[Handin]:
    """Two sources with the same cleaned id become one student."""
    merged: dict[str, Handin] = {}
    for handin in handins:
        into = merged.setdefault(handin.student_id, Handin(handin.student_id))
        for name, content in handin.files.items():
            into.files.setdefault(name, content)
        into.problems.update(handin.problems)
    return [merged[k] for k in sorted(merged)]


def read_notebook(content: bytes) -> tuple[nbformat.NotebookNode | None, str | None]:
    """Parse a handed-in notebook; returns (notebook, note) or (None, reason)."""
    if not content.strip():
        return None, "empty file"
    if len(content) > MAX_NOTEBOOK_BYTES:
        return None, "file too large"
    try:
        data = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not a notebook (not UTF-8 text)"
    except json.JSONDecodeError as exc:
        return None, "invalid JSON (truncated?)"
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return None, "not a notebook (no cells)"
    version = data.get("nbformat")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:
        return None, f"not a readable notebook: {type(exc).__name__}"
    note = f"converted from nbformat {version}" if isinstance(version, int) and version < 4 else None
    for cell in nb.cells:  # nbgrader needs these fields; a hand-edited file may lack them
        cell.setdefault("metadata", {})
        if cell.cell_type == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    return nb, note
