"""Every file grading writes is written whole or not at all: under a temporary name in the
same folder, then renamed over the old one. A run killed (or a writer failing) half-way leaves
the previous file as it was, never a truncated grades.csv or LMS import file.

The rename is atomic on POSIX within one file system; nothing is fsynced (that would cost a
disk flush per feedback page), so this protects against a killed process, not a power cut.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def temporary(path: Path) -> Path:
    """The name `path` is written under first: hidden (globs of `*.html` never see it) and per process."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def replacing(path: Path, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None,
              permissions: int | None = None) -> Iterator[IO]:
    """A file object for `path`'s new content; on leaving the block it replaces `path` (with
    `permissions`, if given). On an exception the temporary file is removed and `path` is untouched."""
    tmp = temporary(path)
    try:
        with open(tmp, mode, encoding=None if "b" in mode else encoding, newline=newline) as f:
            yield f
        if permissions is not None:
            os.chmod(tmp, permissions)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text(path: Path, text: str, permissions: int | None = None) -> Path:
    """`path` holds `text` (UTF-8), written whole or not at all."""
    with replacing(path, permissions=permissions) as f:
        f.write(text)
    return path


def write_bytes(path: Path, data: bytes, permissions: int | None = None) -> Path:
    """`path` holds `data`, written whole or not at all."""
    with replacing(path, "wb", permissions=permissions) as f:
        f.write(data)
    return path
