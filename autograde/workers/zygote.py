"""A warm process that runs students' notebooks: `python -m autograde.workers.zygote`.

It imports what the assignment's notebooks import (`--warm`; torch, for this course) and
IPython once, then for every notebook it forks a child that runs the
cells in a fresh IPython shell and reports each cell's outputs. The child is a copy of a
process that never ran student code, so nothing one notebook does (monkeypatching torch,
globals, files, processes it started) reaches the next one: the child's memory, its /tmp and
every process in its PID namespace go with it.

It speaks protocol.py on stdin and stdout. How each notebook is confined (its own PID and
mount namespaces, its own uid, its limits) is confine.py.
"""
from __future__ import annotations

import gc
import json
import os
import secrets
import select
import shutil
import signal
import sys
import threading
import time
from pathlib import Path, PurePosixPath

from ..kernel.book import WITHHELD_STUB
from . import confine, pristine, protocol

GRACE = 3.0  # seconds a timed-out cell gets to stop after its interrupt, before the child is killed
CHANNEL_SLACK = 1 << 20  # bytes of framing and check values a notebook may send beyond its output cap
NICENESS = 5
PACKAGE = Path(__file__).resolve().parent.parent  # the autograde package, as this worker imports it
START_SECONDS = 60.0  # for a notebook's process to be confined and say so (no student code runs before)
# What a worker warms when it is not told (`--warm`): this course's notebooks' torch and helpers
DEFAULT_WARM = ("torch", "autograde")


class CellTimeout(BaseException):
    """Raised in the child when a cell outlives its time (like nbclient's interrupt)."""


def _warm_up(modules: tuple[str, ...] = DEFAULT_WARM):
    """Load what the notebooks import (`modules`: grading/warm_imports.py reads them from the
    assignment's notebooks), then IPython's shell, once: every child starts with them loaded."""
    import importlib

    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    for name in modules:
        if name.split(".")[0] == "autograde":  # the course's own: only the fixed part below (never a withheld module)
            continue
        try:
            importlib.import_module(name)
        except (Exception, SystemExit):  # not installed here, or it fails to load: the notebook meets that itself
            pass
    torch = sys.modules.get("torch")
    course_kernel = any(name.split(".")[0] == "autograde" for name in modules)
    if course_kernel:
        import autograde.kernel.exercise  # noqa: F401  (what every notebook of the course imports first)
        import autograde.kernel.seeding  # noqa: F401
        import autograde.kernel.provenance  # noqa: F401  (every check runs under it)
        # a test cell's result, a Score, shows as HTML from a template: Jinja2 and that template
        # load here, once, rather than in every notebook's process
        autograde.kernel.exercise.Score(0.0, 0.0, "")._repr_html_()
    if torch is not None:
        import torch.nn  # noqa: F401

        torch.set_num_threads(1)  # no thread pool exists before fork: forking with one is unsafe
    pristine.import_helpers()  # what tests assert with is the warm process's, never a notebook's first import
    # What is warm now is never freed: the collector leaves it alone, so a child neither spends
    # time scanning it nor copies its pages (a scan writes to every object it visits).
    gc.collect()
    gc.freeze()

    class Capture:
        outputs: list = []
        limit = 2_000_000
        used = 0
        truncated = False

        @classmethod
        def add(cls, output: dict) -> None:
            size = len(json.dumps(output, default=str))
            if cls.used + size > cls.limit and not _is_check(output):
                cls.truncated = True
                return
            cls.used += size
            cls.outputs.append(output)

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            Capture.add({"output_type": "display_data", "data": data, "metadata": metadata or {}})

        def clear_output(self, wait=False):
            Capture.outputs.clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            if threading.current_thread() is not threading.main_thread():  # a notebook's thread: not the cell's value
                Capture.add({"output_type": "display_data", "data": format_dict, "metadata": md_dict or {}})
                return
            Capture.add({"output_type": "execute_result", "data": format_dict, "metadata": md_dict or {},
                         "execution_count": self.shell.execution_count})

        def finish_displayhook(self):
            pass

    class Shell(InteractiveShell):
        def _showtraceback(self, etype, evalue, stb):
            name = "CellTimeoutError" if etype is CellTimeout else etype.__name__
            Capture.add({"output_type": "error", "ename": name, "evalue": str(evalue), "traceback": list(stb)})

    class Stream:
        def __init__(self, name):
            self.name = name

        def write(self, text):
            if not isinstance(text, str):
                raise TypeError(f"write() argument must be str, not {type(text).__name__}")
            last = Capture.outputs[-1] if Capture.outputs else None
            if last and last.get("output_type") == "stream" and last["name"] == self.name:
                if Capture.used + len(text) > Capture.limit:
                    Capture.truncated = True
                    return len(text)
                Capture.used += len(text)
                last["text"].append(text)  # joined when the cell ends: += would copy the whole text each time
            else:
                Capture.add({"output_type": "stream", "name": self.name, "text": [text]})
            return len(text)

        def flush(self):
            pass

        def isatty(self):
            return False

    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no history database in a read-only home
    shell = Shell.instance(config=config, display_pub_class=Publisher, displayhook_class=Hook, colors="NoColor")
    # load what the first cell of every notebook would otherwise load, then forget it ran
    if torch is not None:
        shell.run_cell("import torch\n" + ("from autograde import Exercise, seeded\n" if course_kernel else "") +
                       "torch.nn.Linear(3, 2)(torch.ones(2, 3)).softmax(dim=-1)", store_history=False)
    # and what a notebook's first error loads: IPython's traceback formatting and inspect's
    # tables of modules (tens of milliseconds, which every notebook with a failing cell paid)
    shell.run_cell("def _warm():\n    raise ValueError('warm-up')\n_warm()", store_history=False)
    shell.display_formatter.format([1])  # and its first result's formatters, without a result in the namespace
    for name in ("torch", "Exercise", "seeded", "_warm", "_"):
        shell.user_ns.pop(name, None)
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):  # as in a fresh interpreter: none
        if hasattr(sys, name):
            delattr(sys, name)
    shell.last_execution_succeeded, shell.last_execution_result = True, None
    Capture.outputs, Capture.used, Capture.truncated = [], 0, False
    return shell, Capture, Stream


def _is_check(output: dict) -> bool:
    from autograde.kernel.exercise import CHECK_MIME

    return CHECK_MIME in output.get("data", {})


def _notebook(request: dict, cell_fd: int, reply_fd: int, shell, Capture, Stream) -> None:
    """The notebook's first process (pid 1 of its namespace): says it is ready once confined,
    then runs each cell it is handed, one frame per cell carrying that hand-off's token (the
    worker, which checks it, attaches the cell's id). It never holds a cell before it is handed."""
    os.setsid()  # kill(0, ...) now reaches only the notebook's own processes
    confine.enter_as_notebook(request.get("notebook_uid"), int(request["max_processes"]),
                              int(request["memory_bytes"]), int(request["disk_bytes"]), request["isolated"])
    work = request["work"]
    os.chdir(work)
    sys.path.insert(0, "")  # as ipykernel does: the notebook imports the helper modules beside it
    os.environ.update({"AUTOGRADE_MODE": "emit", "HOME": work, "TMPDIR": work})
    if request.get("seeds"):  # under a secret
        from autograde.kernel import seeding

        seeding.DERIVED.update((int(n), int(seed)) for n, seed in request["seeds"])
    sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
    if "torch" in sys.modules:  # warmed: a fresh kernel's generator starts from a random seed too
        sys.modules["torch"].seed()
    Capture.limit = int(request["max_output_bytes"])
    timeout = float(request["timeout"])

    def on_alarm(signum, frame):
        raise CellTimeout(f"cell timed out after {timeout} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cells = protocol.FrameReader(cell_fd, max_bytes=1 << 62)
    del request
    machinery = pristine.Pristine(shell, Capture, Stream)  # before any student code: what test cells run with
    protocol.send(reply_fd, protocol.Ready(ready=True))  # confined: what dies from here on is the notebook's
    _unpack(protocol.files_of(cells.read()), work)  # before its first cell: the assignment's files, as nbgrader copies them
    while True:
        try:
            handed = protocol.handed_of(cells.read())
        except protocol.Closed:  # every cell was handed
            return
        Capture.outputs = []
        give_back = _reset(machinery) if handed["test"] else None
        signal.setitimer(signal.ITIMER_REAL, timeout)
        result = None
        try:
            if give_back is False:  # the machinery could not be put back: the test does not run
                raise TamperedTest("an earlier cell changed how test cells run, and it could not be put back")
            result = shell.run_cell(handed["source"], store_history=True)
        except CellTimeout as exc:  # raised outside the cell's own try (e.g. during display)
            Capture.add({"output_type": "error", "ename": "CellTimeoutError", "evalue": str(exc), "traceback": []})
        except Exception as exc:  # the shell's own error handling broke (a cell replaced showtraceback with None)
            _add_error(Capture, exc)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        failed = _show_hidden_error(Capture, result)
        for output in Capture.outputs:
            if output["output_type"] == "stream":
                output["text"] = "".join(output["text"])
        if handed["test"]:
            failed = failed or any(o.get("output_type") == "error" for o in Capture.outputs)
            Capture.outputs = pristine.outputs_that_count(Capture.outputs, handed["source"], failed)
            if give_back:
                try:
                    give_back()
                except Exception:  # the student's own could not all be given back: their later cells' loss
                    pass
        protocol.send(reply_fd, protocol.CellResult(token=handed["token"], outputs=Capture.outputs, truncated=Capture.truncated,
                                                    restored=_nameable(machinery.restored) if give_back else []))


class TamperedTest(Exception):
    """A test cell that does not run: the hooks it must run under could not be put back."""


TamperedTest.__name__ = protocol.TEST_MACHINERY_CHANGED  # the error's name the grader reads


def _nameable(names: list[str]) -> list[str]:
    """The names the grader can show (a key a student added to builtins may be any string: it is
    still put back, only not named)."""
    return [n for n in names if protocol.nameable(n)][:protocol.MAX_RESTORED]


def _reset(machinery: pristine.Pristine):
    """Put back what test cells run with; the function that gives the student's own back, or
    False when it could not be done (an object of the notebook's that cannot be read or set)."""
    try:
        return machinery.reset()
    except Exception:
        return False


def _unpack(files: dict[str, str], work: str) -> None:
    """The assignment's files into the notebook's working folder, as the notebook's own user
    (each path relative to the folder; the grader checked them, this checks again)."""
    import base64

    for relative, data in files.items():
        parts = _relative_parts(relative)
        if not parts:
            continue
        path = os.path.join(work, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def _add_error(Capture, exc: BaseException) -> None:
    try:
        name, value = type(exc).__name__, str(exc)
    except Exception:  # an exception of the notebook's own whose str() raises
        name, value = "Exception", ""
    Capture.add({"output_type": "error", "ename": str(name), "evalue": value,
                 "traceback": ["ERROR: An error occurred while showtraceback was disabled"]})


def _show_hidden_error(Capture, result) -> bool:
    """A cell that failed without showing an error (its notebook made showtraceback do nothing)
    gets one, as nbgrader's Execute appends the kernel's error reply: a hidden traceback earns
    nothing. Whether the cell failed."""
    try:
        failed = result is not None and (result.error_in_exec is not None or result.error_before_exec is not None)
        error = (result.error_in_exec or result.error_before_exec) if failed else None
    except Exception:  # a result the notebook forged
        failed, error = False, None
    if failed and not any(o.get("output_type") == "error" for o in Capture.outputs):
        _add_error(Capture, error if isinstance(error, BaseException) else Exception("the cell failed"))
    return failed


def _middle(request: dict, cell_fd: int, reply_fd: int, pid_fd: int, warm) -> None:
    """Between the worker and the notebook: makes the notebook's namespaces, forks its first
    process into them, reports that process's pid and waits for it."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the worker's protocol must stay out of a student's reach
        os.dup2(devnull, fd)
    keep = sorted({cell_fd, reply_fd, pid_fd})
    os.closerange(3, keep[0])
    for low, high in zip(keep, keep[1:]):
        os.closerange(low + 1, high)
    os.closerange(keep[-1] + 1, 65536)
    try:
        confine.new_namespaces(int(request["disk_bytes"]), request["keep"], request["withheld"], request["stub"])
        request = {**request, "work": confine.WORK, "isolated": True}
    except (confine.ConfineError, OSError):
        if request.get("require_isolation"):
            os._exit(71)
        os.mkdir(request["fallback_work"], 0o700)
        request = {**request, "work": request["fallback_work"], "notebook_uid": None, "isolated": False}
    pid = os.fork()
    if pid == 0:
        try:
            os.close(pid_fd)
            _notebook(request, cell_fd, reply_fd, *warm)
        finally:
            os._exit(0)
    os.close(cell_fd)
    os.close(reply_fd)
    os.write(pid_fd, f"{pid} {int(request['isolated'])}".encode())
    os.close(pid_fd)
    os.waitpid(pid, 0)
    os._exit(0)


class MemoryLimit(Exception):
    pass


def _memory_bytes(pids: list[int]) -> int:
    """All the memory a notebook's processes hold: anonymous and shared pages they have resident
    (shared: SysV segments, memfds and /dev/shm files they map), and the memfd files they hold
    open, by the bytes allocated to each (written with write(), those are in no process's
    resident memory), each file once. One process: its resident pages (cheap, read every tick).
    Several: their proportional shares (PSS), since forked processes share their pages
    copy-on-write and plain sums would count them again.

    Not a memory cgroup: one is not to be had inside bubblewrap as another user, and not
    everywhere as root (a machine with only a v1 hierarchy, or one the grader does not own).
    What these counts leave out is capped elsewhere: files in its /tmp and /dev/shm by their
    tmpfs (--disk-mb), SysV segments nobody maps by its IPC namespace (confine.SYSV_SHM_BYTES)."""
    total = 0
    memfds: dict[tuple[int, int], int] = {}
    for pid in pids:
        if len(pids) == 1:
            total += confine.status_bytes(pid, "RssAnon", "RssShmem") or 0
        else:
            total += confine.smaps_bytes(pid, "Pss_Anon", "Pss_Shmem") or 0
        memfds.update(confine.memfd_bytes(pid))
    return total + sum(memfds.values())


def run(limits: dict, warm, commands: protocol.FrameReader) -> protocol.Reply:
    """Run one notebook in a fresh, confined fork, handing it its cells one at a time, and
    collect their outputs, each under the id of the cell it answers. Its nonce and cells are
    read from the grader only after the fork: the notebook's process never holds them."""
    started = time.monotonic()
    # made by the middle process only where the machine allows no namespaces (--no-sandbox without them)
    fallback_work = os.path.join(limits["fallback_root"], f"nb-{secrets.token_hex(8)}")
    limits = {**limits, "fallback_work": fallback_work}
    cell_r, cell_w = os.pipe()
    reply_r, reply_w = os.pipe()
    pid_r, pid_w = os.pipe()
    middle = os.fork()
    if middle == 0:  # never returns
        try:
            for fd in (cell_w, reply_r, pid_r):
                os.close(fd)
            _middle(limits, cell_r, reply_w, pid_w, warm)
        finally:
            os._exit(70)
    for fd in (cell_r, reply_w, pid_w):
        os.close(fd)
    os.set_blocking(cell_w, False)  # a notebook that takes no cell must not block the worker
    nonce = protocol.nonce_of(commands.read(time.monotonic() + 30))  # read only now: the notebook never held it
    message = commands.read(time.monotonic() + 30)
    cells, files = protocol.cells_of(message), protocol.files_of(message)
    del message
    with os.fdopen(pid_r, "rb") as f:
        told = f.read().split()  # written at once by the middle process, or empty if it failed
    first, isolated = (int(told[0]), told[1] == b"1") if len(told) == 2 else (None, False)
    limit = int(limits["memory_bytes"])

    def watchdog() -> None:
        if _memory_bytes(confine.processes_under(first)) > limit:
            raise MemoryLimit

    deadline = started + float(limits["notebook_timeout"])
    reader = protocol.FrameReader(reply_r, int(limits["max_output_bytes"]) + CHANNEL_SLACK, tick=watchdog)
    ran: list[protocol.RanCell] = []
    stopped, truncated = None, False
    try:
        if first is None or not _confined(reader, min(deadline, time.monotonic() + START_SECONDS)) \
                or not _give_files(cell_w, files, min(deadline, time.monotonic() + START_SECONDS)):
            stopped = protocol.Stopped(id=cells[0]["id"] if cells else None, why=protocol.COULD_NOT_START)
        else:
            ran, stopped, truncated = _hand_cells(cells, limits, reader, cell_w, deadline)
            if stopped is None:  # every cell was handed: the pipe closes, and its process must end quietly
                os.close(cell_w)
                cell_w = None
                if cells and not _ends_quietly(reader, time.monotonic() + GRACE):
                    ran, stopped = ran[:-1], protocol.Stopped(id=cells[-1]["id"], why="corrupt output")
    finally:
        if cell_w is not None:
            os.close(cell_w)
        os.close(reply_r)
        if first is not None:
            _end(middle, first, isolated)
        else:
            os.waitpid(middle, 0)
        shutil.rmtree(fallback_work, ignore_errors=True)
    return protocol.Reply(nonce=nonce, cells=ran, stopped=stopped, truncated=truncated,
                          seconds=time.monotonic() - started)


def _confined(reader: protocol.FrameReader, deadline: float) -> bool:
    """Whether the notebook's process said it is ready, confined, before any student code ran:
    if it did not, the machinery failed (a limit this machine refuses, say), not the notebook."""
    try:
        return protocol.is_ready(reader.read(deadline))
    except (protocol.ProtocolError, MemoryLimit):
        return False


def _give_files(cell_w: int, files: dict[str, str], deadline: float) -> bool:
    """Hand the notebook's process the assignment's files, before its first cell (no student
    code has run yet: if it cannot take them, the machinery failed)."""
    try:
        protocol.send_by(cell_w, protocol.Files(files=files), deadline)
    except (BrokenPipeError, protocol.TimedOut):
        return False
    return True


def _hand_cells(cells: list[protocol.Cell], limits: dict, reader: protocol.FrameReader, cell_w: int,
                deadline: float) -> tuple[list[protocol.RanCell], protocol.Stopped | None, bool]:
    """Hand the notebook's process one cell at a time and take exactly one result for it,
    carrying that hand-off's token: the cells that ran, where it stopped and why, and whether
    output was truncated."""
    ran: list[protocol.RanCell] = []
    truncated = False
    handed: dict[str, int] = {}  # every token handed out -> the position of its cell
    reply_r = reader.fd

    def corrupt(position: int):  # the cells from `position` on did not run as handed
        del ran[position:]
        return ran, protocol.Stopped(id=cells[position]["id"], why="corrupt output"), truncated

    def ended_early(position: int):  # nothing may come between a cell's result and the next hand-off
        if position and protocol.waiting(reply_r):
            return corrupt(position - 1)  # a second frame from the cell before
        if position == 0:  # no student code had run yet: the machinery's failure
            return ran, protocol.Stopped(id=cells[0]["id"], why=protocol.COULD_NOT_START), truncated
        return corrupt(position)  # its process ended without taking this cell

    for position, cell in enumerate(cells):
        if position and select.select([reply_r], [], [], 0)[0]:
            return ended_early(position)
        token = secrets.token_hex(8)
        handed[token] = position
        cell_deadline = min(deadline, time.monotonic() + float(limits["timeout"]) + GRACE)
        why = None
        try:
            protocol.send_by(cell_w, protocol.Handed(token=token, source=cell["source"], test=cell.get("test") is True), cell_deadline)
            message = reader.read(cell_deadline)
            answered = message.get("token")
            if answered != token and isinstance(answered, str) and answered in handed:
                return corrupt(handed[answered])  # an earlier cell answered twice
            result = protocol.cell_result_of(message, token)
        except BrokenPipeError:
            return ended_early(position)
        except protocol.TimedOut:
            why = "time limit" if cell_deadline >= deadline else "timeout"
        except protocol.Closed:
            if protocol.waiting(cell_w):  # it never took the cell: it ended between cells
                return ended_early(position)
            why = "died"
        except MemoryLimit:
            why = "memory limit"
        except protocol.TooLarge:
            why = "output limit"
        except protocol.ProtocolError:
            why = "corrupt output"
        if why is not None:
            return ran, protocol.Stopped(id=cell["id"], why=why), truncated
        ran.append(protocol.ran_cell(cell["id"], result["outputs"], result["restored"]))
        truncated = truncated or result["truncated"]
    return ran, None, truncated


def _ends_quietly(reader: protocol.FrameReader, deadline: float) -> bool:
    """After the last result: whether the notebook's process, told there are no more cells (its
    pipe closed), ends without sending another byte (a second frame from the last cell). One
    that lingers is killed anyway."""
    before = reader.total
    try:
        reader.read(deadline)
    except (protocol.Closed, protocol.TimedOut, MemoryLimit):
        return reader.total == before
    except protocol.ProtocolError:
        pass
    return False


def _end(middle: int, first: int, isolated: bool) -> None:
    """Kill the notebook: its pid 1 (the kernel then kills the rest of its namespace), or
    without a namespace, its session and every descendant."""
    done, _ = os.waitpid(middle, os.WNOHANG)
    if not done:  # the middle process waits for the notebook's pid 1, so that pid is still its own
        victims = [first] if isolated else confine.processes_under(first)
        for pid in victims:
            for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    target()
                except ProcessLookupError:
                    pass
        os.waitpid(middle, 0)


def _relative_parts(path: str) -> tuple[str, ...]:
    """The parts of `path` if it stays inside the folder it is relative to, else ()."""
    parts = PurePosixPath(path).parts
    return () if not parts or PurePosixPath(path).is_absolute() or ".." in parts else parts


def _warm_list(argv: list[str]) -> tuple[str, ...]:
    """`--warm a,b.c` (comma-separated, possibly empty): the modules to load; DEFAULT_WARM without it."""
    if len(argv) == 2 and argv[0] == "--warm":
        return tuple(name for name in argv[1].split(",") if name)
    return DEFAULT_WARM


def main() -> None:
    confine.set_dumpable(False)  # no ptrace, no /proc/PID/fd or mem for anything else of this uid
    # Where cores are short, the grading process goes first: it alone does the serial work
    # (sanitizing, recording), and it must not wait behind the workers' warm-up.
    os.nice(NICENESS)
    warm = _warm_up(_warm_list(sys.argv[1:]))
    out = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stray prints must not corrupt the protocol
    commands = protocol.FrameReader(0, max_bytes=1 << 62)
    protocol.send(out, protocol.Ready(ready=True))
    fallback_root = os.environ.get("AUTOGRADE_SCRATCH", "/tmp")
    from .sandbox import readable_roots

    keep = [str(root) for root in readable_roots()]  # Python and the course, wherever they live
    while True:
        try:
            limits = commands.read()  # the request without its cells: they come after the fork
        except protocol.Closed:
            return
        withheld = [str(PACKAGE / path) for path in limits.get("withheld", ()) if _relative_parts(path)]
        limits.update(keep=keep, withheld=withheld, stub=str(WITHHELD_STUB), notebook_uid=int(os.environ["AUTOGRADE_NOTEBOOK_UID"]) if os.environ.get("AUTOGRADE_NOTEBOOK_UID") else None,
                      require_isolation=os.environ.get("AUTOGRADE_SANDBOX") == "1", fallback_root=fallback_root)
        # Everything of one notebook (its nonce, its cells, its outputs) passes through a process
        # forked for it alone: this process's memory, which every later notebook inherits
        # (freed memory is not cleared), never holds another student's code or check values.
        handler = os.fork()
        if handler == 0:
            status = 1
            try:
                protocol.send(out, run(limits, warm, commands))
                status = 0
            finally:
                os._exit(status)
        if os.waitpid(handler, 0)[1] != 0:
            return  # the grader sees the worker end, and replaces it


if __name__ == "__main__":
    main()
