"""The wire between the grader, its warm workers (zygote.py) and each notebook's process.

Every message is one frame: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
Frames are read exactly (never a byte past the frame), so a worker can read a request, fork
the notebook's process, and only then read the request's nonce: the nonce is never in the
memory of a process that runs student code.

  grader -> worker   Request, then {"nonce": hex}
  worker -> grader   {"ready": true} once, then one Reply per Request, carrying its nonce
  notebook -> worker one CellResult per cell that ran
"""
from __future__ import annotations

import json
import os
import select
import struct
import time
from collections.abc import Callable
from typing import TypedDict

HEADER = struct.Struct(">I")
# Limits of one notebook, unless the instructor sets others (autograde grade --max-processes, --disk-mb)
DEFAULT_MAX_PROCESSES = 64  # processes and threads at once
DEFAULT_DISK_BYTES = 256 * 2**20  # written to /tmp, /dev/shm and its folder, together
DEFAULT_MEMORY_BYTES = 3 * 2**30  # the notebook and all its processes: torch imports, larger allocations fail cleanly


class Request(TypedDict):
    cells: list[str]
    timeout: float  # seconds per cell
    notebook_timeout: float  # seconds for the whole notebook
    memory_bytes: int  # the notebook and all its processes together
    max_output_bytes: int  # what its cells may print and display
    max_processes: int  # processes and threads at once
    disk_bytes: int  # written to /tmp, /dev/shm and its folder, together


class Stopped(TypedDict):
    cell: int  # index of the code cell that did not finish
    why: str  # "died", "timeout", "time limit", "memory limit", "output limit", "corrupt output", "could not start"


class Reply(TypedDict):
    nonce: str
    outputs: list[list[dict]]  # per code cell that ran, its nbformat outputs
    stopped: Stopped | None
    truncated: bool
    seconds: float


class CellResult(TypedDict):
    outputs: list[dict]
    truncated: bool


class ProtocolError(RuntimeError):
    """The other side sent something that is not a frame of this protocol."""


class Closed(ProtocolError):
    """The other side closed the pipe (it exited or was killed)."""


class TimedOut(ProtocolError):
    """No whole frame arrived before the deadline."""


class TooLarge(ProtocolError):
    """A frame, or the channel's total, is over its cap."""


def encode(message: dict) -> bytes:
    body = json.dumps(message, default=str).encode()
    return HEADER.pack(len(body)) + body


def send(fd: int, message: dict) -> None:
    data = memoryview(encode(message))
    while data:
        data = data[os.write(fd, data):]


class FrameReader:
    """Reads frames from `fd`, at most `max_bytes` in all (the channel's cap), each by a deadline.

    `tick` is called about every `tick_seconds` while waiting; it may raise to give up early
    (the worker's memory watchdog does)."""

    def __init__(self, fd: int, max_bytes: int, tick: Callable[[], None] | None = None, tick_seconds: float = 0.05):
        self.fd, self.max_bytes, self.tick, self.tick_seconds = fd, max_bytes, tick, tick_seconds
        self.total = 0

    def read(self, deadline: float | None = None) -> dict:
        size = HEADER.unpack(self._exactly(HEADER.size, deadline))[0]
        if self.total + size > self.max_bytes:
            raise TooLarge(f"frame of {size} bytes is over the channel's cap")
        try:
            message = json.loads(self._exactly(size, deadline))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProtocolError("frame is not JSON") from exc
        if not isinstance(message, dict):
            raise ProtocolError("frame is not a JSON object")
        return message

    def _exactly(self, n: int, deadline: float | None) -> bytes:
        parts, left = [], n
        while left:
            wait = self.tick_seconds if self.tick else None
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimedOut(f"no frame within the deadline ({n - left} of {n} bytes)")
                wait = remaining if wait is None else min(wait, remaining)
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                if self.tick:
                    self.tick()
                continue
            chunk = os.read(self.fd, min(left, 1 << 20))
            if not chunk:
                raise Closed("the other side closed the pipe")
            self.total += len(chunk)
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)
