"""Where notebooks run: warm workers on this machine, or on a Dask cluster.

Either way the grading process only hands out cells and gets outputs back: it alone
sanitizes, compares and writes the gradebook, so SQLite stays safe (and PostgreSQL via
--db works the same).
"""
from __future__ import annotations

import concurrent.futures
import os
import tempfile
import threading
from pathlib import Path

from .protocol import Reply, Request
from .warm import WarmPool


class LocalRunner:
    """`workers` warm zygotes on this machine."""

    def __init__(self, workers: int, scratch: Path, sandbox: bool = True, warm: tuple[str, ...] | None = None):
        self.pool = WarmPool(workers, scratch, sandbox, warm)
        self.threads = concurrent.futures.ThreadPoolExecutor(workers)

    def submit(self, request: Request):
        return self.threads.submit(self.pool.run, request)

    def first_sent(self) -> float | None:
        return self.pool.first_sent()

    def close(self) -> None:
        self.threads.shutdown(wait=False, cancel_futures=True)
        self.pool.close()


class DaskRunner:
    """Notebooks run on a Dask cluster's workers, each keeping one warm zygote per thread."""

    def __init__(self, address: str, sandbox: bool = True, warm: tuple[str, ...] | None = None):
        from distributed import Client

        self.client = Client(address, timeout=30)
        self.sandbox, self.warm = sandbox, warm

    def submit(self, request: Request):
        return self.client.submit(run_on_worker, request, self.sandbox, self.warm, pure=False)

    def first_sent(self) -> float | None:
        return None  # on another machine's clock

    def close(self) -> None:
        self.client.close()


_worker_pools: dict[int, WarmPool] = {}
_lock = threading.Lock()


def run_on_worker(request: Request, sandbox: bool = True, warm: tuple[str, ...] | None = None) -> Reply:
    """Runs inside a Dask worker: a warm zygote per worker thread, started on first use
    (from that long-lived thread, so the zygote lives as long as it does), warming `warm`."""
    key = threading.get_ident()
    with _lock:
        pool = _worker_pools.get(key)
    if pool is None:
        scratch = Path(tempfile.mkdtemp(prefix=f"autograde-{os.getpid()}-"))
        pool = WarmPool(1, scratch, sandbox, warm)
        with _lock:
            _worker_pools[key] = pool
    return pool.run(request)
