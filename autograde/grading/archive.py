"""Listing what a class handed in, without reading it.

A source (a folder, a zip, a notebook) becomes a list of `Entry`s: a path from the source's
root (through zips, one level of zip inside a zip included), a declared size, and a way to
read at most N bytes later. Nothing is extracted, so a zip's `../` paths cannot write
anywhere; nothing is decompressed until grading asks for that one file; symbolic links are
listed as problems and never followed.
"""
from __future__ import annotations

import errno
import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from ..verdict.statuses import Message, say

# A zip's central directory is parsed whole when it is opened: refuse one that lists more
# entries than any class could hand in, before parsing it.
MAX_ZIP_ENTRIES = 100_000
MAX_NESTED_ZIP_BYTES = 64 * 2**20  # a zip handed in inside an LMS export zip


class UnreadableEntry(Exception):
    """A listed file that could not be read; `message` is the row's status."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Entry:
    parts: tuple[str, ...]  # path from the source's root, zip names included
    size: int  # declared uncompressed size (0 when `problem` is set)
    stamp: str  # changes when the file does: (crc, size) in a zip, (size, mtime) on disk
    reader: Callable[[int], bytes] | None = None
    problem: Message | None = None  # why it is never read (unsafe path, symbolic link, unreadable zip)

    @property
    def name(self) -> str:
        return self.parts[-1]

    def read(self, limit: int) -> bytes:
        """At most `limit` bytes of the file (decompressed now, not before)."""
        if self.reader is None:
            raise UnreadableEntry(self.problem or say("unreadable-file", reason=say("reason-os")))
        return self.reader(limit)


def walk(source: Path) -> Iterator[Entry]:
    """Every file under `source` (a folder, a zip or one file), in a stable order."""
    if source.is_symlink():
        yield Entry((source.name,), 0, "", problem=say("symlink"))
    elif source.is_file():
        yield from _file(source, (source.name,))
    else:
        yield from _folder(source, ())


def _folder(folder: Path, parts: tuple[str, ...]) -> Iterator[Entry]:
    try:
        children = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Entry(parts or (folder.name,), 0, "", problem=say("unreadable-folder", reason=_reason(exc)))
        return
    for child in children:
        if child.name.startswith(".") or child.name == "__MACOSX":
            continue
        here = (*parts, child.name)
        if child.is_symlink():
            yield Entry(here, 0, "", problem=say("symlink"))
        elif child.is_dir(follow_symlinks=False):
            yield from _folder(Path(child.path), here)
        elif child.is_file(follow_symlinks=False):
            yield from _file(Path(child.path), here)


def _file(path: Path, parts: tuple[str, ...]) -> Iterator[Entry]:
    if path.suffix.lower() == ".zip":
        yield from _zip(_OnDisk(path), parts, nested=False)
        return
    info = path.stat()

    def read(limit: int) -> bytes:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as f:
                return f.read(limit)
        except OSError as exc:
            raise UnreadableEntry(say("unreadable-file", reason=_reason(exc))) from None

    yield Entry(parts, info.st_size, f"{info.st_size}:{info.st_mtime_ns}", read)


def _reason(exc: OSError) -> Message:
    """The kind of problem the operating system had, not its words."""
    return say({errno.EACCES: "reason-permission", errno.EPERM: "reason-permission",
                errno.ENOENT: "reason-gone"}.get(exc.errno, "reason-os"))


class _OnDisk:
    """A zip file on disk, opened (and its directory parsed) once per run."""

    def __init__(self, path: Path):
        self.path = path
        info = path.stat()
        self.key = (str(path), info.st_mtime_ns, info.st_size)

    def open(self) -> zipfile.ZipFile:
        return _open_zip(*self.key)


@lru_cache(maxsize=4)
def _open_zip(path: str, mtime_ns: int, size: int) -> zipfile.ZipFile:
    return zipfile.ZipFile(path)


class _Nested:
    """A zip inside a zip: read (capped) from its parent each time it is needed."""

    def __init__(self, parent, member: str):
        self.parent, self.member = parent, member

    def file(self) -> io.BytesIO:
        with self.parent.open().open(self.member) as f:
            return io.BytesIO(f.read(MAX_NESTED_ZIP_BYTES))

    def open(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(self.file())


def _zip(archive, parts: tuple[str, ...], nested: bool) -> Iterator[Entry]:
    try:
        entries = _declared_entries(archive)
        if entries > MAX_ZIP_ENTRIES:
            yield Entry(parts, 0, "", problem=say("zip-too-many", count=entries, limit=MAX_ZIP_ENTRIES))
            return
        infos = archive.open().infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        yield Entry(parts, 0, "", problem=say("bad-zip"))
        return
    for info in infos:
        if info.is_dir():
            continue
        name = _member_name(info)
        inner = PurePosixPath(name.replace("\\", "/")).parts
        if not inner:
            continue
        here = (*parts, *inner)
        if ".." in inner or name.startswith(("/", "\\")) or ":" in inner[0]:
            yield Entry((*parts, inner[-1]), 0, "", problem=say("unsafe-zip-path"))
        elif any(p.startswith(".") or p == "__MACOSX" for p in inner):
            continue
        elif stat.S_ISLNK(info.external_attr >> 16):
            yield Entry(here, 0, "", problem=say("zip-symlink"))
        elif not nested and inner[-1].lower().endswith(".zip") and info.file_size <= MAX_NESTED_ZIP_BYTES:
            yield from _zip(_Nested(archive, info.filename), here, nested=True)
        else:
            yield Entry(here, info.file_size, f"{info.CRC}:{info.file_size}", _member_reader(archive, info.filename))


def _member_reader(archive, member: str) -> Callable[[int], bytes]:
    def read(limit: int) -> bytes:
        try:
            with archive.open().open(member) as f:
                return f.read(limit)
        except Exception:  # corrupt member, bad CRC, unsupported compression, encrypted...
            raise UnreadableEntry(say("unreadable-in-zip")) from None
    return read


def _member_name(info: zipfile.ZipInfo) -> str:
    """Many tools write UTF-8 names without setting the zip's UTF-8 flag; Python then
    decodes them as cp437. Undo that when the bytes are valid UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _declared_entries(archive) -> int:
    """The number of entries the zip's end record declares, read without parsing the directory."""
    with archive.path.open("rb") if isinstance(archive, _OnDisk) else archive.file() as f:
        end = zipfile._EndRecData(f)  # the stdlib's own reader of the end record (zip64 included)
    if not end:
        raise zipfile.BadZipFile("File is not a zip file")
    return int(end[zipfile._ECD_ENTRIES_TOTAL])
