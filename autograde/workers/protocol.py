"""The wire between the grader, its warm workers (zygote.py) and each notebook's process.

Every message is one frame: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
Frames are read exactly (never a byte past the frame), so a worker can read a request's
limits, fork the notebook's process, and only then read the request's nonce and its cells:
neither is ever in the memory of a process that runs student code.

  grader -> worker    Limits (the Request without its cells), then Nonce, then Cells
  worker -> grader    Ready once, then one Reply per Request, carrying its nonce
  notebook -> worker  Ready once its process is confined, before any student code runs
  worker -> notebook  the assignment's Files once, then one Handed cell at a time (its source and
                      a fresh token), then end of pipe
  notebook -> worker  one CellResult for the cell it was handed, carrying that cell's token

Cells are named by their nbformat cell id. A Request carries each code cell's id and source,
in the notebook's order; the Reply gives back each cell that ran as its id and outputs, in
the same order, and says by id where the notebook stopped. The notebook's process never
holds a cell before it is handed, nor names one: the worker hands it one cell's source with a
token drawn for that hand-off, and takes exactly one result carrying that token, only after
handing it; it attaches the cell's id itself. A result written before the hand-off cannot
carry its token, so no notebook answers for a cell that has not started. Anything else is
corrupt output, and the notebook is stopped there: a frame without the token, a second frame
for a cell (the token of an earlier hand-off, or bytes waiting when the next cell is to be
handed), or a process that ends without taking the cell it was handed. The grader
(`match_cells`, for preprocessors.PrecomputedExecute) takes a reply's outputs only if its
cells are the request's, in order: all of them or, for a notebook that stopped, those before
the cell it stopped in. Anything else (an id that was not sent, one twice, cells out of
order) is a Mismatch, never outputs put in another cell.

The messages are plain dicts typed here (TypedDicts): JSON frames on the workers' pipes,
pickled on a Dask cluster. Only this module spells their keys. `is_ready`, `nonce_of`,
`cells_of`, `handed_of`, `cell_result_of` and `reply_of` read what came from the other side,
raising ProtocolError for anything that is not a message of this protocol.
"""
from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import termios
import time
import re
from collections.abc import Callable
from typing import NotRequired, TypedDict

HEADER = struct.Struct(">I")
# Limits of one notebook, unless the instructor sets others (autograde grade --max-processes, --disk-mb)
DEFAULT_MAX_PROCESSES = 64  # processes and threads at once
DEFAULT_DISK_BYTES = 256 * 2**20  # written to /tmp, /dev/shm and its folder, together
DEFAULT_MEMORY_BYTES = 3 * 2**30  # the notebook and all its processes: torch imports, larger allocations fail cleanly


class Cell(TypedDict, total=False):
    id: str  # its nbformat cell id
    source: str
    test: bool  # an nbgrader test cell (graded, not an answer): run under pristine hooks (pristine.py)


class Request(TypedDict):
    cells: list[Cell]  # the notebook's code cells, in its order
    timeout: float  # seconds per cell
    notebook_timeout: float  # seconds for the whole notebook
    memory_bytes: int  # the notebook and all its processes together
    max_output_bytes: int  # what its cells may print and display
    max_processes: int  # processes and threads at once
    disk_bytes: int  # written to /tmp, /dev/shm and its folder, together
    withheld: list[str]  # files of the package its process must not read (answers to its exercises), package-relative
    # [N, derived seed] for each seeded(N) of the hidden tests under an instructor's secret
    # (grading/secret.py; empty without one): inputs, never the secret. It travels with the limits.
    seeds: list[list[int]]
    # the assignment's files beside its notebooks (data, helper modules), path relative to the notebook's
    # working folder -> base64 of the bytes; they may hold a student's own file, so they travel with the cells
    files: dict[str, str]


def limits_of(request: Request) -> dict:
    """What the worker reads before it forks a notebook's process: the Request without its
    cells and files (which may be a student's own: only the notebook's handler ever holds them)."""
    return {key: value for key, value in request.items() if key not in ("cells", "files")}


class Cells(TypedDict):
    cells: list[Cell]  # sent after the nonce, once the notebook's process is forked
    files: dict[str, str]  # the Request's files


class Files(TypedDict):
    files: dict[str, str]  # handed to the notebook's process once, before its first cell


class Handed(TypedDict):
    token: str  # hex, fresh for every hand-off: its result must carry it
    source: str
    test: bool  # the Cell's


class Nonce(TypedDict):
    nonce: str  # hex, fresh for every request


class Ready(TypedDict):
    ready: bool


class CellResult(TypedDict):
    token: str  # the token of the hand-off it answers; the worker checks it
    outputs: list[dict]  # its nbformat outputs
    truncated: bool  # some output was dropped, over the notebook's output cap
    # a test cell's: what of the checking machinery had to be put back before it ran
    # (pristine.Pristine.restored, e.g. "torch.allclose"), for the row to name
    restored: NotRequired[list[str]]


class RanCell(TypedDict):
    id: str  # the id of the request's cell, attached by the worker
    outputs: list[dict]
    restored: NotRequired[list[str]]  # the CellResult's


class Stopped(TypedDict):
    id: str | None  # the cell that did not finish (None: a notebook without code cells that could not start)
    why: str  # "died", "timeout", "time limit", "memory limit", "output limit", "corrupt output", COULD_NOT_START


COULD_NOT_START = "could not start"  # the worker could not confine the notebook: the machinery's failure
# an output's metadata key: a value a test cell showed that was not its own result (pristine.py), not partial credit
NOT_COUNTED = "autograde-not-counted"
# the error a test cell gets when what it must run under could not be put back (zygote.py)
TEST_MACHINERY_CHANGED = "TestMachineryChanged"


class Reply(TypedDict):
    nonce: str
    cells: list[RanCell]  # the cells that ran, in order
    stopped: Stopped | None
    truncated: bool
    seconds: float


class ProtocolError(RuntimeError):
    """The other side sent something that is not a frame of this protocol."""


class Closed(ProtocolError):
    """The other side closed the pipe (it exited or was killed)."""


class TimedOut(ProtocolError):
    """No whole frame arrived before the deadline."""


class TooLarge(ProtocolError):
    """A frame, or the channel's total, is over its cap."""


class Mismatch(ProtocolError):
    """A reply whose cells are not the request's: an id that was not sent, one twice, cells out
    of order, or cells missing without a word of the notebook stopping."""


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
        # the tick keeps its own clock: a writer that sends a byte now and then must not starve it
        next_tick = time.monotonic() + self.tick_seconds
        while left:
            now = time.monotonic()
            if self.tick and now >= next_tick:
                self.tick()
                next_tick = now + self.tick_seconds
            wait = next_tick - now if self.tick else None
            if deadline is not None:
                remaining = deadline - now
                if remaining <= 0:
                    raise TimedOut(f"no frame within the deadline ({n - left} of {n} bytes)")
                wait = remaining if wait is None else min(wait, remaining)
            ready, _, _ = select.select([self.fd], [], [], max(wait, 0) if wait is not None else None)
            if not ready:
                continue
            chunk = os.read(self.fd, min(left, 1 << 20))
            if not chunk:
                raise Closed("the other side closed the pipe")
            self.total += len(chunk)
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)


def waiting(fd: int) -> int:
    """Bytes written into the pipe `fd` (either end) and not read yet."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def send_by(fd: int, message: dict, deadline: float) -> None:
    """`send` into a non-blocking `fd`, giving up with TimedOut if the reader takes no more by `deadline`."""
    data = memoryview(encode(message))
    while data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimedOut("the other side took no more by the deadline")
        _, ready, _ = select.select([], [fd], [], remaining)
        if ready:
            try:
                data = data[os.write(fd, data):]
            except BlockingIOError:
                continue


def code_cells(nb) -> list[Cell]:
    """A notebook's code cells as a Request carries them. Every cell must have an id, and no
    two the same one (grading's sanitizing steps see to it: preprocessors.GiveCellIds)."""
    return [Cell(id=cell["id"], source=cell["source"], test=is_test(cell)) for cell in nb["cells"]
            if cell["cell_type"] == "code"]


def is_test(cell) -> bool:
    """Whether a notebook's cell is an nbgrader test cell: graded code that is not an answer."""
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_ready(message: dict) -> bool:
    return message.get("ready") is True


def nonce_of(message: dict) -> str:
    nonce = message.get("nonce")
    if not isinstance(nonce, str):
        raise ProtocolError("not a nonce")
    return nonce


def cells_of(message: dict) -> list[Cell]:
    cells = message.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) and isinstance(c.get("id"), str)
                                              and isinstance(c.get("source"), str) for c in cells):
        raise ProtocolError("not the cells of a request")
    return [Cell(id=c["id"], source=c["source"], test=c.get("test") is True) for c in cells]


def files_of(message: dict) -> dict[str, str]:
    """The files of a Cells or Files message (none when it has no such key)."""
    files = message.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise ProtocolError("not the files of a request")
    return files


def handed_of(message: dict) -> Handed:
    if not isinstance(message.get("token"), str) or not isinstance(message.get("source"), str):
        raise ProtocolError("not a handed cell")
    return Handed(token=message["token"], source=message["source"], test=message.get("test") is True)


def cell_result_of(message: dict, token: str) -> CellResult:
    """`message` as the result of the cell handed with `token`; ProtocolError if it is not that
    (a frame written before the hand-off cannot carry its token)."""
    outputs = message.get("outputs")
    if message.get("token") != token or not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
        raise ProtocolError("not the outputs of the cell handed")
    return CellResult(token=token, outputs=outputs, truncated=bool(message.get("truncated")),
                      restored=restored_of(message.get("restored", [])))


# a name the machinery has for what it put back: dotted identifiers, few and short (the notebook's
# process sends them, so they are a student's input like any output)
RESTORED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){0,6}")
MAX_RESTORED = 32


def ran_cell(cell_id: str, outputs: list[dict], restored: list[str]) -> RanCell:
    """A RanCell, naming what was put back only when something was."""
    return RanCell(id=cell_id, outputs=outputs, **({"restored": restored} if restored else {}))


def nameable(name) -> bool:
    """Whether `name` can stand in a row as machinery put back."""
    return isinstance(name, str) and len(name) <= 100 and RESTORED_NAME.fullmatch(name) is not None


def restored_of(names) -> list[str]:
    """`names` as the machinery a test cell's process put back; ProtocolError if it is not that."""
    if not (isinstance(names, list) and len(names) <= MAX_RESTORED and all(map(nameable, names))):
        raise ProtocolError("not the names of machinery put back")
    return names


def reply_of(message: dict, request: Request, nonce: str) -> Reply:
    """`message` as the Reply to `request`, sent with `nonce`; ProtocolError if it is not one
    (whether its cells are the request's is `match_cells`'s to say)."""
    cells, stopped = message.get("cells"), message.get("stopped")
    if message.get("nonce") != nonce:
        raise ProtocolError("not the nonce of the request")
    if not (isinstance(cells, list) and len(cells) <= len(request["cells"])
            and all(isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("outputs"), list)
                    and all(isinstance(o, dict) for o in c["outputs"]) for c in cells)):
        raise ProtocolError("not the cells of a reply")
    if stopped is not None and not (isinstance(stopped, dict) and isinstance(stopped.get("why"), str)
                                    and (stopped.get("id") is None or isinstance(stopped.get("id"), str))):
        raise ProtocolError("not a stopped notebook")
    if not isinstance(message.get("truncated"), bool) or isinstance(message.get("seconds"), bool) \
            or not isinstance(message.get("seconds"), (int, float)):
        raise ProtocolError("not a reply")
    return Reply(nonce=nonce, cells=[ran_cell(c["id"], c["outputs"], restored_of(c.get("restored", []))) for c in cells],
                 stopped=None if stopped is None else Stopped(id=stopped.get("id"), why=stopped["why"]),
                 truncated=message["truncated"], seconds=float(message["seconds"]))


def match_cells(sent: list[Cell], reply: Reply) -> list[RanCell]:
    """The reply's cells, checked against the cells that were sent: the same ids in the same
    order, all of them, or those before the cell the notebook stopped in. Mismatch otherwise.
    Linear in the number of cells (a notebook of 150,000 empty cells is matched at once)."""
    positions = {cell["id"]: position for position, cell in enumerate(sent)}
    if len(positions) != len(sent):
        raise ValueError("the cells sent must have distinct ids")
    ran = reply["cells"]
    for position, cell in enumerate(ran):
        at = positions.get(cell["id"])
        if at is None:
            raise Mismatch(f"outputs for cell {cell['id']!r}, which was not sent")
        if at < position:
            raise Mismatch(f"outputs twice for cell {cell['id']!r}")
        if at != position:
            raise Mismatch(f"outputs out of order: cell {cell['id']!r} where cell {sent[position]['id']!r} belongs")
    first_without = sent[len(ran)]["id"] if len(ran) < len(sent) else None
    stopped = reply["stopped"]
    if stopped is None and first_without is not None:
        raise Mismatch(f"no outputs from cell {first_without!r} on, and no word of the notebook stopping")
    if stopped is not None and stopped["id"] != first_without:
        raise Mismatch(f"stopped in cell {stopped['id']!r}, but the first cell without outputs is {first_without!r}")
    return ran
