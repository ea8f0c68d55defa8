"""Listing what a class handed in, without reading it.

A source (a folder, a zip, a notebook) becomes a list of `Entry`s: a path from the source's
root (through zips, one level of zip inside a zip included), a declared size, and a way to
read at most N bytes later. Nothing is extracted, so a zip's `../` paths cannot write
anywhere; nothing is decompressed until grading asks for that one file; symbolic links are
listed as problems and never followed.

The whole class lists at most MAX_CLASS_ENTRIES files, whatever its archives nest: a zip is
charged what its directory declares before that directory is parsed. Zips side by side (in one
folder, or handed in inside one export) get that budget smallest first, so a bomb of many small
entries comes last: only it, and any zip bigger still, is refused with a status, and nobody
else loses a file.
"""
from __future__ import annotations

import datetime
import errno
import io
import os
import stat
import struct
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
MAX_CLASS_ENTRIES = 200_000  # files listed in all, across every archive of one source


class _Budget:
    """How many more entries the walk of one source may list."""

    def __init__(self, left: int):
        self.left = left

    def take(self, count: int) -> bool:
        if count > self.left:
            return False
        self.left -= count
        return True


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
    # when the outermost listing that holds it says it was written (naive UTC): the source zip's
    # own entry for it (a zip's dates have no zone: taken as UTC), or the file's on disk; inside
    # a zip that is itself in a zip or on disk, that zip's time, never the inner zip's (whoever
    # made that one chose its dates). What the late policy reads of an LMS download.
    time: datetime.datetime | None = None

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
    budget = _Budget(MAX_CLASS_ENTRIES)
    if source.is_symlink():
        yield Entry((source.name,), 0, "", problem=say("symlink"))
    elif source.is_file() and source.suffix.lower() == ".zip":
        archive = _OnDisk(source)
        yield from _zip_if_granted(archive, (source.name,), False, budget, _grant({source.name: archive}, budget)[source.name])
    elif source.is_file():
        yield from _file(source, (source.name,), budget)
    else:
        yield from _folder(source, (), budget)


def _grant(archives: dict[str, object], budget: _Budget) -> dict[str, int | None]:
    """Zips side by side (name -> archive): name -> the entries it declares (what it was charged),
    or None when it is refused; the budget goes to the smallest first."""
    declared = {}
    for name, archive in archives.items():
        try:
            declared[name] = _declared_entries(archive)
        except Exception:  # hostile bytes: whatever zipfile or zlib raise, it is said to be a bad zip when opened
            declared[name] = 0
    granted: dict[str, int | None] = dict.fromkeys(archives)
    for name in sorted(declared, key=lambda n: (declared[n], n)):
        if declared[name] > MAX_ZIP_ENTRIES or budget.take(declared[name]):
            granted[name] = declared[name]  # one too big for any zip is refused by _zip, and costs nothing
    return granted


def _zip_if_granted(archive, parts: tuple[str, ...], nested: bool, budget: _Budget, granted: int | None,
                    time: datetime.datetime | None = None) -> Iterator[Entry]:
    """The zip's entries, if `_grant` gave it its declared count (`granted`); else why not.
    `time`: the zip's own (see Entry.time), which its entries take; None: each its own date."""
    if granted is None:
        yield Entry(parts, 0, "", problem=say("class-too-many", limit=MAX_CLASS_ENTRIES))
    else:
        yield from _zip(archive, parts, nested, budget, granted, time)


def _folder(folder: Path, parts: tuple[str, ...], budget: _Budget) -> Iterator[Entry]:
    try:
        children = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Entry(parts or (folder.name,), 0, "", problem=say("unreadable-folder", reason=_reason(exc)))
        return
    children = [c for c in children if not c.name.startswith(".") and c.name != "__MACOSX"]
    zips = {c.name: _OnDisk(Path(c.path)) for c in children
            if c.name.lower().endswith(".zip") and c.is_file(follow_symlinks=False)}
    granted = _grant(zips, budget)
    for child in children:
        here = (*parts, child.name)
        if child.is_symlink():
            yield Entry(here, 0, "", problem=say("symlink"))
        elif child.name in zips:
            yield from _zip_if_granted(zips[child.name], here, False, budget, granted[child.name],
                                       _mtime(child))
        elif child.is_dir(follow_symlinks=False):
            yield from _folder(Path(child.path), here, budget)
        elif child.is_file(follow_symlinks=False):
            yield from _file(Path(child.path), here, budget)


def _file(path: Path, parts: tuple[str, ...], budget: _Budget) -> Iterator[Entry]:
    if not budget.take(1):
        yield Entry(parts, 0, "", problem=say("class-too-many", limit=MAX_CLASS_ENTRIES))
        return
    try:
        info = path.stat()
    except OSError as exc:
        yield Entry(parts, 0, "", problem=say("unreadable-file", reason=_reason(exc)))
        return

    def read(limit: int) -> bytes:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as f:
                return f.read(limit)
        except OSError as exc:
            raise UnreadableEntry(say("unreadable-file", reason=_reason(exc))) from None

    yield Entry(parts, info.st_size, f"{info.st_size}:{info.st_mtime_ns}", read, time=_utc(info.st_mtime))


def _mtime(child: os.DirEntry) -> datetime.datetime | None:
    try:
        return _utc(child.stat(follow_symlinks=False).st_mtime)
    except OSError:
        return None


def _utc(seconds: float) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):  # a time no calendar holds: no time
        return None


def _zip_time(info: zipfile.ZipInfo) -> datetime.datetime | None:
    try:  # the DOS date of a hostile zip may be month 0 or day 0
        return datetime.datetime(*info.date_time)
    except (TypeError, ValueError):
        return None


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


def _zip(archive, parts: tuple[str, ...], nested: bool, budget: _Budget, entries: int,
         time: datetime.datetime | None = None) -> Iterator[Entry]:
    """The entries of a zip that declares `entries` (already charged to the budget); `time` as in _zip_if_granted."""
    try:
        if entries > MAX_ZIP_ENTRIES:
            yield Entry(parts, 0, "", problem=say("zip-too-many", count=entries, limit=MAX_ZIP_ENTRIES))
            return
        infos = archive.open().infolist()
    except Exception:  # damaged, encrypted, an unknown compression: hostile bytes are a status, never the run's end
        yield Entry(parts, 0, "", problem=say("bad-zip"))
        return
    if len(infos) > entries and not budget.take(len(infos) - entries):  # its end record under-declared
        yield Entry(parts, 0, "", problem=say("class-too-many", limit=MAX_CLASS_ENTRIES))
        return
    inner_zips = {}
    if not nested:  # zips handed in inside this one: granted the budget smallest first, as in a folder
        inner_zips = {info.filename: _Nested(archive, info.filename) for info in infos
                      if not info.is_dir() and _member_name(info).lower().endswith(".zip")
                      and info.file_size <= MAX_NESTED_ZIP_BYTES and not stat.S_ISLNK(info.external_attr >> 16)}
    granted = _grant(inner_zips, budget)
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
        elif info.filename in inner_zips:
            yield from _zip_if_granted(inner_zips[info.filename], here, True, budget, granted[info.filename],
                                       time or _zip_time(info))
        else:
            yield Entry(here, info.file_size, f"{info.CRC}:{info.file_size}", _member_reader(archive, info.filename),
                        time=time or _zip_time(info))


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
    """How many entries the zip holds: the larger of what its end record declares and what its
    central directory lists, counted record by record without parsing it (so a directory that
    declares 1 entry and lists a million is seen before zipfile builds a million ZipInfos);
    the count stops past MAX_ZIP_ENTRIES."""
    with archive.path.open("rb") if isinstance(archive, _OnDisk) else archive.file() as f:
        end = zipfile._EndRecData(f)  # the stdlib's own reader of the end record (zip64 included)
        if not end:
            raise zipfile.BadZipFile("File is not a zip file")
        declared = int(end[zipfile._ECD_ENTRIES_TOTAL])
        return declared if declared > MAX_ZIP_ENTRIES else max(declared, _listed_entries(f, end, MAX_ZIP_ENTRIES + 1))


def _listed_entries(f, end, limit: int) -> int:
    """The central directory's records, walked as zipfile walks them (header, then the name,
    extra and comment lengths it gives), up to `limit`."""
    size, offset = end[zipfile._ECD_SIZE], end[zipfile._ECD_OFFSET]
    start = end[zipfile._ECD_LOCATION] - size  # where zipfile reads it from, data prepended to the zip included
    if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
        start -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
    f.seek(start)
    count, read = 0, 0
    while read < size and count < limit:
        header = f.read(zipfile.sizeCentralDir)
        if len(header) < zipfile.sizeCentralDir or header[:4] != zipfile.stringCentralDir:
            break  # zipfile will say it is a bad zip
        name, extra, comment = struct.unpack_from("<3H", header, 28)
        f.seek(name + extra + comment, os.SEEK_CUR)
        read += zipfile.sizeCentralDir + name + extra + comment
        count += 1
    return count
