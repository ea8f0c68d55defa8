"""Warm workers for grading: a pool of zygotes (zygote.py), each in its own sandbox, each
running one notebook at a time in a fresh fork."""
from __future__ import annotations

import json
import queue
import subprocess
import sys
from pathlib import Path

from .sandbox import bubblewrap, bwrap_command


class ZygoteFailed(RuntimeError):
    pass


class Zygote:
    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        # bubblewrap's --die-with-parent follows the *thread* that started it: spawn from a thread
        # that outlives the zygote (the main thread, or a worker thread of the pool using it)
        self.scratch.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "autograde.zygote"]
        env = {"HOME": str(self.scratch), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        bwrap = bubblewrap()
        if bwrap:
            command = bwrap_command(bwrap, self.scratch, command, {**env, "AUTOGRADE_SANDBOX": "1"})
        # only these variables: the grader's environment may hold secrets (a gradebook password, keys)
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, cwd=self.scratch, env=env)

    def wait_ready(self) -> None:
        ready = self.proc.stdout.readline()
        if not ready or not json.loads(ready).get("ready"):
            raise ZygoteFailed("the grading worker did not start")

    def run(self, request: dict) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        try:
            self.proc.stdin.write(json.dumps({**request, "scratch_root": str(self.scratch)}) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            return json.loads(line)
        except (OSError, ValueError) as exc:  # the zygote itself went away: start a new one next time
            self.close()
            raise ZygoteFailed(f"the grading worker failed: {exc}") from exc

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


class WarmPool:
    """`workers` zygotes shared by threads; `run` blocks until one is free."""

    def __init__(self, workers: int, scratch: Path):
        self.zygotes = [Zygote(scratch / f"worker-{i}") for i in range(workers)]
        self.free: queue.Queue[Zygote] = queue.Queue()
        for z in self.zygotes:  # they warm up in parallel
            z.spawn()
        for z in self.zygotes:
            z.wait_ready()
            self.free.put(z)

    def run(self, request: dict) -> dict:
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
