"""A warm process that runs students' notebooks: `python -m autograde.zygote`.

It imports torch and IPython once, then for every notebook it forks a child that runs the
cells in a fresh IPython shell and reports each cell's outputs. The child is a copy of a
process that never ran student code, so nothing one notebook does (monkeypatching torch,
globals, files in its scratch folder, stray processes) reaches the next one: the child's
memory goes with it, its folder is deleted, its process group is killed.

Protocol on stdin/stdout: one JSON object per line.
  request:  {"cells": [source, ...], "timeout": s, "notebook_timeout": s, "memory_bytes": n, "max_output_bytes": n}
  reply:    {"outputs": [[output, ...] per cell that ran], "stopped": null or {"cell": i, "why": ...},
             "truncated": bool, "seconds": s}
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time

GRACE = 3.0  # seconds a timed-out cell gets to stop after its interrupt, before the child is killed


class CellTimeout(BaseException):
    """Raised in the child when a cell outlives its time (like nbclient's interrupt)."""


def _warm_up():
    import torch  # noqa: F401  (the point: every child starts with torch imported)
    import torch.nn  # noqa: F401
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    import autograde  # noqa: F401

    torch.set_num_threads(1)  # no thread pool exists before fork: forking with one is unsafe

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
    from autograde.exercise import CHECK_MIME

    return CHECK_MIME in output.get("data", {})


def _child(request: dict, reply_fd: int, shell, Capture, Stream) -> None:
    import resource

    import torch

    os.setpgid(0, 0)  # its own process group: everything it starts is killed with it
    os.closerange(3, reply_fd)  # the zygote's protocol must stay out of a student's reach
    os.closerange(reply_fd + 1, 65536)
    limit = int(request["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    scratch = request["scratch"]
    os.chdir(scratch)
    os.environ.update({"AUTOGRADE_MODE": "emit", "HOME": scratch, "TMPDIR": scratch})
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
    torch.seed()  # a fresh kernel's generator starts from a random seed too
    Capture.limit = int(request["max_output_bytes"])

    def on_alarm(signum, frame):
        raise CellTimeout(f"cell timed out after {request['timeout']} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with os.fdopen(reply_fd, "w", buffering=1) as reply:
        for source in request["cells"]:
            Capture.outputs = []
            signal.setitimer(signal.ITIMER_REAL, float(request["timeout"]))
            try:
                shell.run_cell(source, store_history=True)
            except CellTimeout as exc:  # raised outside the cell's own try (e.g. during display)
                Capture.add({"output_type": "error", "ename": "CellTimeoutError", "evalue": str(exc), "traceback": []})
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            for output in Capture.outputs:
                if output["output_type"] == "stream":
                    output["text"] = "".join(output["text"])
            reply.write(json.dumps({"outputs": Capture.outputs, "truncated": Capture.truncated}, default=str) + "\n")


def run(request: dict, warm) -> dict:
    """Fork a child for one notebook and collect its cells' outputs."""
    started = time.monotonic()
    scratch = tempfile.mkdtemp(prefix="nb-", dir=request["scratch_root"])
    request = {**request, "scratch": scratch}
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns
        try:
            os.close(read_fd)
            _child(request, write_fd, *warm)
        finally:
            os._exit(0)
    os.close(write_fd)
    outputs, stopped, truncated = [], None, False
    deadline = started + float(request["notebook_timeout"])
    buffer = b""
    with os.fdopen(read_fd, "rb") as pipe:
        for index in range(len(request["cells"])):
            cell_deadline = min(deadline, time.monotonic() + float(request["timeout"]) + GRACE)
            line = None
            while line is None:
                if b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    break
                left = cell_deadline - time.monotonic()
                ready, _, _ = select.select([pipe], [], [], max(0.0, left))
                if not ready:
                    break
                chunk = os.read(pipe.fileno(), 1 << 20)
                if not chunk:
                    break
                buffer += chunk
            if line is None:
                why = "died" if time.monotonic() < cell_deadline else "timeout" if time.monotonic() < deadline else "time limit"
                stopped = {"cell": index, "why": why}
                break
            result = json.loads(line)
            outputs.append(result["outputs"])
            truncated = truncated or result["truncated"]
    _end(pid)
    # nothing a student left behind reaches the next notebook: not its folder, not the worker's, not /tmp
    _wipe(request["scratch_root"], keep=set())
    if os.environ.get("AUTOGRADE_SANDBOX") == "1":
        _wipe("/tmp", keep=TMP_AT_START)  # the sandbox's own tmpfs; what was there at start holds mount points
    return {"outputs": outputs, "stopped": stopped, "truncated": truncated, "seconds": time.monotonic() - started}


def _end(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except ProcessLookupError:
            pass
    os.waitpid(pid, 0)


TMP_AT_START: set[str] = set()


def _wipe(folder: str, keep: set[str]) -> None:
    for entry in set(os.listdir(folder)) - keep:
        path = os.path.join(folder, entry)
        try:
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
        except OSError:
            pass


def main() -> None:
    warm = _warm_up()
    TMP_AT_START.update(os.listdir("/tmp"))
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stray prints must not corrupt the protocol
    protocol.write(json.dumps({"ready": True}) + "\n")
    for line in iter(sys.stdin.readline, ""):
        request = json.loads(line)
        try:
            reply = run(request, warm)
        except Exception as exc:  # the zygote itself must keep serving
            reply = {"outputs": [], "stopped": {"cell": 0, "why": f"could not run: {type(exc).__name__}"},
                     "truncated": False, "seconds": 0.0}
        protocol.write(json.dumps(reply, default=str) + "\n")


if __name__ == "__main__":
    main()
