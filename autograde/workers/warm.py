"""Warm workers for grading: a pool of zygotes (zygote.py), each in its own sandbox, each
running one notebook at a time in a fresh, confined fork.

The grader trusts nothing a worker says unless it is one whole frame that carries the nonce
of the request it answers, and arrives before that notebook's deadline. Anything else costs
the worker its life (it is killed and a fresh one started) and the notebook it was running a
status in plain words; no other notebook's result can move.
"""
from __future__ import annotations

import queue
import secrets
import subprocess
import sys
import time
from pathlib import Path

from .. import course
from . import confine, protocol
from .sandbox import bubblewrap, bwrap_command, notebook_uid, unavailable
from ..verdict.statuses import Message, say

START_SECONDS = 120.0  # importing torch takes seconds; a worker that is not ready by then will not be
ANSWER_MARGIN = 15.0  # beyond a notebook's own time limit, before its worker counts as stuck
MAX_REPLY_BYTES = 64 * 2**20  # one notebook's reply; its outputs are capped well below this


class WorkerFailed(RuntimeError):
    """The grading machinery failed (a worker could not start, or could not confine a
    notebook): not the notebook's doing, so not a grade."""


class SandboxUnavailable(WorkerFailed):
    pass


class WorkersBroken(WorkerFailed):
    """A worker none of whose notebooks ever reached its first cell, STARTS_BEFORE_STOP in a
    row: the machine refuses what confining a notebook needs, and the run stops."""


STARTS_BEFORE_STOP = 3  # notebooks in a row that die before their first cell, none ever having reached one


class NotebookBrokeWorker(RuntimeError):
    """The notebook stopped, killed or tampered with the worker running it: `status` says which."""

    def __init__(self, status: Message):
        super().__init__(status)
        self.status = status


class Zygote:
    def __init__(self, scratch: Path, sandbox: bool = True, warm: tuple[str, ...] | None = None):
        self.scratch, self.sandbox = scratch, sandbox
        self.warm = warm  # the modules it loads before its first notebook (None: the zygote's default)
        self.proc: subprocess.Popen | None = None
        self.reader: protocol.FrameReader | None = None
        self.warming = False  # spawned, and its "ready" not read yet
        self.first_sent: float | None = None  # time.monotonic() when its first notebook started running
        self.reached_a_cell = False  # some notebook of this worker got to its first cell
        self.could_not_start = 0  # notebooks in a row that did not

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        # bubblewrap's --die-with-parent follows the *thread* that started it: spawn from a thread
        # that outlives the zygote (the main thread, or a worker thread of the pool using it)
        self.scratch.mkdir(parents=True, exist_ok=True)
        # -I: neither the working folder nor PYTHON* variables decide what the worker imports
        command = [sys.executable, "-I", "-m", "autograde.workers.zygote",
                   *(["--warm", ",".join(self.warm)] if self.warm is not None else [])]
        # only these variables: the grader's environment may hold secrets (a gradebook password, keys)
        env = {"HOME": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "AUTOGRADE_COURSE": str(course.ROOT)}  # the same course, whatever the worker's folder
        if self.sandbox:
            bwrap = bubblewrap()
            if not bwrap:
                raise SandboxUnavailable(f"no working sandbox: {unavailable()}")
            uid = notebook_uid()
            sandboxed = {**env, "AUTOGRADE_SANDBOX": "1", **({"AUTOGRADE_NOTEBOOK_UID": str(uid)} if uid else {})}
            command = bwrap_command(bwrap, command, sandboxed)
        else:
            env = {**env, "HOME": str(self.scratch), "AUTOGRADE_SCRATCH": str(self.scratch)}
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     bufsize=0, cwd=self.scratch, env=env)
        self.reader = protocol.FrameReader(self.proc.stdout.fileno(), max_bytes=1 << 62)
        self.warming = True

    def wait_ready(self) -> None:
        self.warming = False
        try:
            ready = self.reader.read(time.monotonic() + START_SECONDS)
        except protocol.ProtocolError as exc:
            self.close()
            raise WorkerFailed(f"a grading worker did not start ({exc})") from exc
        if not protocol.is_ready(ready):
            self.close()
            raise WorkerFailed("a grading worker did not start (unexpected first message)")

    def run(self, request: protocol.Request) -> protocol.Reply:
        """One notebook's reply. A worker that breaks while running it is replaced and the
        notebook run once more, so a machine's hiccup is not charged to it; a notebook that
        breaks its worker twice gets the status of the second time."""
        status = None
        for _ in range(2):
            try:
                return self._run_once(request)
            except NotebookBrokeWorker as exc:
                if exc.status.code in ("worker-stopped", "worker-timeout"):
                    raise  # it already had its whole time
                status = exc.status
        raise NotebookBrokeWorker(status)

    def _ready(self) -> None:
        """A worker that has said it is ready: the one spawned ahead, else a fresh one."""
        if self.proc is not None and self.proc.poll() is None:
            if not self.warming:
                return
            try:
                self.wait_ready()
                return
            except WorkerFailed:
                pass  # one more try below; if that fails too, this notebook is not graded
        self.close()
        self.start()

    def _run_once(self, request: protocol.Request) -> protocol.Reply:
        self._ready()
        nonce = secrets.token_hex(16)
        deadline = time.monotonic() + float(request["notebook_timeout"]) + ANSWER_MARGIN
        try:
            fd = self.proc.stdin.fileno()
            self.first_sent = self.first_sent or time.monotonic()
            # the limits first: the worker forks the notebook's process before it reads the nonce and the cells
            protocol.send(fd, protocol.limits_of(request))
            protocol.send(fd, protocol.Nonce(nonce=nonce))
            protocol.send(fd, protocol.Cells(cells=request["cells"], files=request.get("files", {})))
            self.reader.max_bytes = self.reader.total + MAX_REPLY_BYTES
            reply = protocol.reply_of(self.reader.read(deadline), request, nonce)
        except protocol.TimedOut:
            stopped = any(confine.state_of(pid) in ("T", "t") for pid in confine.processes_under(self.proc.pid))
            self.close()
            raise NotebookBrokeWorker(say("worker-stopped" if stopped else "worker-timeout")) from None
        except (protocol.Closed, BrokenPipeError, ConnectionError):
            self.close()
            raise NotebookBrokeWorker(say("worker-killed")) from None
        except protocol.ProtocolError:  # garbage, or a frame that is not the reply to this request
            self.close()
            raise NotebookBrokeWorker(say("worker-tampered")) from None
        if reply["stopped"] is not None and reply["stopped"]["why"] == protocol.COULD_NOT_START:
            self.could_not_start += 1
            if not self.reached_a_cell and self.could_not_start >= STARTS_BEFORE_STOP:
                raise WorkersBroken(
                    f"grading stopped: the first {self.could_not_start} notebooks a grading worker started all ended "
                    "before their first cell, so this machine refuses what confining a notebook needs (a limit "
                    "such as --max-processes or --memory-gb that it does not allow?); no grade was recorded for "
                    "them. Fix the machine or the limits and run the same command again.")
            raise WorkerFailed("a grading worker could not confine the notebook")
        self.reached_a_cell, self.could_not_start = True, 0
        return reply

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            for pipe in (self.proc.stdin, self.proc.stdout):
                pipe.close()
            self.proc = None


class WarmPool:
    """`workers` zygotes shared by threads; `run` blocks until one is free."""

    def __init__(self, workers: int, scratch: Path, sandbox: bool = True, warm: tuple[str, ...] | None = None):
        if sandbox and not bubblewrap():
            raise SandboxUnavailable(f"no working sandbox: {unavailable()}")
        self.zygotes = [Zygote(scratch / f"worker-{i}", sandbox, warm) for i in range(workers)]
        self.free: queue.Queue[Zygote] = queue.Queue()
        for z in self.zygotes:  # they warm up in parallel, and while the caller gets on with its own set-up
            z.spawn()
            self.free.put(z)

    def first_sent(self) -> float | None:
        """When the first notebook started running (time.monotonic()), if one did."""
        return min((z.first_sent for z in self.zygotes if z.first_sent), default=None)

    def run(self, request: protocol.Request) -> protocol.Reply:
        zygote = self.free.get()
        try:
            return zygote.run(request)
        finally:
            self.free.put(zygote)

    def close(self) -> None:
        for z in self.zygotes:
            z.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
