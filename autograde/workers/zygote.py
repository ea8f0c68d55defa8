"""A warm process that runs students' notebooks: `python -m autograde.workers.zygote`.

It imports torch and IPython once, then for every notebook it forks a child that runs the
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
import shutil
import signal
import sys
import time

from . import confine, protocol

GRACE = 3.0  # seconds a timed-out cell gets to stop after its interrupt, before the child is killed
CHANNEL_SLACK = 1 << 20  # bytes of framing and check values a notebook may send beyond its output cap
PAGE = os.sysconf("SC_PAGE_SIZE")
NICENESS = 5


class CellTimeout(BaseException):
    """Raised in the child when a cell outlives its time (like nbclient's interrupt)."""


def _warm_up():
    import torch  # noqa: F401  (the point: every child starts with torch imported)
    import torch.nn  # noqa: F401
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    import autograde.kernel.exercise  # noqa: F401  (what every notebook imports first)
    import autograde.kernel.seeding  # noqa: F401
    # a test cell's result, a Score, shows as HTML from a template: Jinja2 and that template
    # load here, once, rather than in every notebook's process
    autograde.kernel.exercise.Score(0.0, 0.0, "")._repr_html_()

    torch.set_num_threads(1)  # no thread pool exists before fork: forking with one is unsafe
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
    shell.run_cell("import torch\nfrom autograde import Exercise, seeded\n"
                   "torch.nn.Linear(3, 2)(torch.ones(2, 3)).softmax(dim=-1)", store_history=False)
    for name in ("torch", "Exercise", "seeded", "_"):
        shell.user_ns.pop(name, None)
    Capture.outputs = []
    return shell, Capture, Stream


def _is_check(output: dict) -> bool:
    from autograde.kernel.exercise import CHECK_MIME

    return CHECK_MIME in output.get("data", {})


def _notebook(request: dict, reply_fd: int, entered_fd: int, shell, Capture, Stream) -> None:
    """The notebook's first process (pid 1 of its namespace): runs the cells, one frame per
    cell, saying only its position (the worker, which checks it, attaches the cell's id).
    It tells `entered_fd` once it is confined, before any student code."""
    import torch

    os.setsid()  # kill(0, ...) now reaches only the notebook's own processes
    confine.enter_as_notebook(request.get("notebook_uid"), int(request["max_processes"]),
                              int(request["memory_bytes"]), int(request["disk_bytes"]), request["isolated"])
    os.write(entered_fd, b"1")
    os.close(entered_fd)
    work = request["work"]
    os.chdir(work)
    os.environ.update({"AUTOGRADE_MODE": "emit", "HOME": work, "TMPDIR": work})
    sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
    torch.seed()  # a fresh kernel's generator starts from a random seed too
    Capture.limit = int(request["max_output_bytes"])

    def on_alarm(signum, frame):
        raise CellTimeout(f"cell timed out after {request['timeout']} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cells: list[protocol.Cell] = request["cells"]
    for position, cell in enumerate(cells):
        Capture.outputs = []
        signal.setitimer(signal.ITIMER_REAL, float(request["timeout"]))
        try:
            shell.run_cell(cell["source"], store_history=True)
        except CellTimeout as exc:  # raised outside the cell's own try (e.g. during display)
            Capture.add({"output_type": "error", "ename": "CellTimeoutError", "evalue": str(exc), "traceback": []})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        for output in Capture.outputs:
            if output["output_type"] == "stream":
                output["text"] = "".join(output["text"])
        protocol.send(reply_fd, protocol.CellResult(position=position, outputs=Capture.outputs, truncated=Capture.truncated))


def _middle(request: dict, reply_fd: int, pid_fd: int, warm) -> None:
    """Between the worker and the notebook: makes the notebook's namespaces, forks its first
    process into them, reports that process's pid and waits for it."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the worker's protocol must stay out of a student's reach
        os.dup2(devnull, fd)
    keep = sorted({reply_fd, pid_fd})
    os.closerange(3, keep[0])
    os.closerange(keep[0] + 1, keep[1])
    os.closerange(keep[1] + 1, 65536)
    try:
        confine.new_namespaces(int(request["disk_bytes"]), request["keep"])
        request = {**request, "work": confine.WORK, "isolated": True}
    except (confine.ConfineError, OSError):
        if request.get("require_isolation"):
            os._exit(71)
        os.mkdir(request["fallback_work"], 0o700)
        request = {**request, "work": request["fallback_work"], "notebook_uid": None, "isolated": False}
    entered_r, entered_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(pid_fd)
            os.close(entered_r)
            _notebook(request, reply_fd, entered_w, *warm)
        finally:
            os._exit(0)
    os.close(reply_fd)
    os.close(entered_w)
    # Its pid goes to the worker only once it is confined: a notebook that could not be (no /proc
    # of its own, a limit or uid refused) did not start, which is the machinery's failure, not a grade.
    entered = os.read(entered_r, 1) == b"1"
    os.close(entered_r)
    if not entered:
        os.waitpid(pid, 0)
        os._exit(71)
    os.write(pid_fd, f"{pid} {int(request['isolated'])}".encode())
    os.close(pid_fd)
    os.waitpid(pid, 0)
    os._exit(0)


class MemoryLimit(Exception):
    pass


def _memory_bytes(pids: list[int]) -> int:
    """The anonymous memory of a notebook's processes. One process: its resident pages that are
    not file-backed (cheap, read every tick). Several: their proportional shares (PSS), since
    forked processes share their pages copy-on-write and plain sums would count them again."""
    total = 0
    for pid in pids:
        try:
            if len(pids) == 1:
                with open(f"/proc/{pid}/statm") as f:
                    fields = f.read().split()
                total += (int(fields[1]) - int(fields[2])) * PAGE
            else:
                total += confine.smaps_bytes(pid, "Pss_Anon") or 0
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return total


def run(request: dict, warm, commands: protocol.FrameReader) -> protocol.Reply:
    """Run one notebook in a fresh, confined fork and collect its cells' outputs, each under
    the id of the request's cell it answers."""
    started = time.monotonic()
    # made by the middle process only where the machine allows no namespaces (--no-sandbox without them)
    fallback_work = os.path.join(request["fallback_root"], f"nb-{secrets.token_hex(8)}")
    request = {**request, "fallback_work": fallback_work}
    reply_r, reply_w = os.pipe()
    pid_r, pid_w = os.pipe()
    middle = os.fork()
    if middle == 0:  # never returns
        try:
            os.close(reply_r)
            os.close(pid_r)
            _middle(request, reply_w, pid_w, warm)
        finally:
            os._exit(70)
    os.close(reply_w)
    os.close(pid_w)
    nonce = protocol.nonce_of(commands.read(time.monotonic() + 30))  # read only now: the notebook never held it
    with os.fdopen(pid_r, "rb") as f:
        told = f.read().split()  # written at once by the middle process, or empty if it failed
    cells: list[protocol.Cell] = request["cells"]
    ran: list[protocol.RanCell] = []
    stopped, truncated = None, False
    if len(told) != 2:
        os.waitpid(middle, 0)
        os.close(reply_r)
        shutil.rmtree(fallback_work, ignore_errors=True)
        return protocol.Reply(nonce=nonce, cells=[], truncated=False, seconds=time.monotonic() - started,
                              stopped=protocol.Stopped(id=cells[0]["id"] if cells else None, why=protocol.COULD_NOT_START))
    first, isolated = int(told[0]), told[1] == b"1"
    limit = int(request["memory_bytes"])

    def watchdog() -> None:
        if _memory_bytes(confine.processes_under(first)) > limit:
            raise MemoryLimit

    deadline = started + float(request["notebook_timeout"])
    reader = protocol.FrameReader(reply_r, int(request["max_output_bytes"]) + CHANNEL_SLACK, tick=watchdog)
    for position, cell in enumerate(cells):
        cell_deadline = min(deadline, time.monotonic() + float(request["timeout"]) + GRACE)
        try:
            result = protocol.cell_result_of(reader.read(cell_deadline), position)
        except protocol.TimedOut:
            why = "time limit" if cell_deadline >= deadline else "timeout"
        except protocol.Closed:
            why = "died"
        except MemoryLimit:
            why = "memory limit"
        except protocol.TooLarge:
            why = "output limit"
        except protocol.ProtocolError:
            why = "corrupt output"
        else:
            ran.append(protocol.RanCell(id=cell["id"], outputs=result["outputs"]))
            truncated = truncated or result["truncated"]
            continue
        stopped = protocol.Stopped(id=cell["id"], why=why)
        break
    os.close(reply_r)
    _end(middle, first, isolated)
    shutil.rmtree(fallback_work, ignore_errors=True)
    return protocol.Reply(nonce=nonce, cells=ran, stopped=stopped, truncated=truncated,
                          seconds=time.monotonic() - started)


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


def main() -> None:
    confine.set_dumpable(False)  # no ptrace, no /proc/PID/fd or mem for anything else of this uid
    # Where cores are short, the grading process goes first: it alone does the serial work
    # (sanitizing, recording), and it must not wait behind the workers' warm-up.
    os.nice(NICENESS)
    warm = _warm_up()
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
            request = commands.read()
        except protocol.Closed:
            return
        request.update(keep=keep, notebook_uid=int(os.environ["AUTOGRADE_NOTEBOOK_UID"]) if os.environ.get("AUTOGRADE_NOTEBOOK_UID") else None,
                       require_isolation=os.environ.get("AUTOGRADE_SANDBOX") == "1", fallback_root=fallback_root)
        protocol.send(out, run(request, warm, commands))


if __name__ == "__main__":
    main()
