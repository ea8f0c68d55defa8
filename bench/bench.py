"""Grading speed: stock `nbgrader autograde` against `autograde grade` on the same class.

    python bench/bench.py N [--workers W] [--no-stock]

Builds a class of N students (correct, partly wrong, broken, in turn; all five notebooks
each), grades it once with stock nbgrader (one `nbgrader autograde` command for the whole
class) and once with `autograde grade`, checks that every honest submission got the same
scores from both, and prints one line: both times, the ratio, time per notebook and the
peak memory of the `autograde grade` process tree.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from autograde import confine, course
from autograde import example_class as ex
from autograde.grading import Settings, grade
from autograde.mistakes import MISTAKES

KINDS = ("correct", "partly-wrong", "broken")


def build_class(n: int, dest: Path) -> dict[str, str]:
    """N students in nbgrader's submitted layout; returns student id -> kind."""
    mistakes = list(MISTAKES)
    students, kinds = {}, {}
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        files = {name: ex.text(ex.solved(name)) for name in ex.ASSIGNMENT_NOTEBOOKS}
        if kind == "partly-wrong":
            for mistake_id in (mistakes[i % len(mistakes)], mistakes[(i + 5) % len(mistakes)]):
                name, content = ex.with_mistake(mistake_id)
                files[name] = content
        elif kind == "broken":
            files[ex.NB1] = files[ex.NB1][: len(files[ex.NB1]) // 3]
            files["03_trainable_weights.ipynb"] = ex.with_cell(ex.solved("03_trainable_weights.ipynb"),
                                                               "ex10-self-attention-v1", "import os\nos._exit(1)")
        student = f"s{i:04d}-{kind}"
        students[student], kinds[student] = files, kind
    ex.write_class(dest, students)
    return kinds


class PeakMemory:
    """Samples the resident memory of this process and all its descendants."""

    def __init__(self, interval: float = 0.2):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, _tree_rss(os.getpid()))


def _tree_rss(root: int) -> int:
    page = os.sysconf("SC_PAGE_SIZE")
    return sum(int(fields[21]) * page for fields in map(confine.stat_fields, confine.processes_under(root)) if fields)


def stock(submitted: Path, root: Path, timeout: float | None = None) -> tuple[float, dict]:
    """Stock nbgrader: generate the assignment, then one `nbgrader autograde` for the class
    (killed, with everything it started, after `timeout` seconds)."""
    from nbgrader.api import Gradebook

    shutil.copytree(course.SOLUTIONS, root / "solutions" / course.ASSIGNMENT)
    shutil.copytree(submitted, root / "submitted")
    shutil.copyfile(course.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", course.ASSIGNMENT, "--force"], cwd=root, env=env,
                   check=True, capture_output=True)
    started = time.monotonic()
    # exits non-zero when some notebooks cannot be graded (the broken ones): expected here
    run = subprocess.Popen([*nbgrader, "autograde", course.ASSIGNMENT, "--force"], cwd=root, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        run.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, 9)
        run.wait()
    seconds = time.monotonic() - started
    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for submission in gb.assignment_submissions(course.ASSIGNMENT):
            for nb in submission.notebooks:
                scores[(submission.student.id, nb.name)] = {g.name: g.score for g in nb.grades}
    return seconds, scores


@dataclass
class Result:
    students: int
    notebooks: int
    stock_seconds: float | None
    ours_seconds: float
    peak_bytes: int
    same_scores: bool | None

    def line(self) -> str:
        per = f"ours {self.ours_seconds:.1f} s ({self.ours_seconds / self.notebooks:.3f} s/notebook)"
        if self.stock_seconds is None:
            return f"N={self.students} notebooks={self.notebooks}: stock not run, {per}, peak {self.peak_bytes / 2**30:.2f} GiB"
        return (f"N={self.students} notebooks={self.notebooks}: stock {self.stock_seconds:.1f} s "
                f"({self.stock_seconds / self.notebooks:.3f} s/notebook), {per}, "
                f"ratio {self.stock_seconds / self.ours_seconds:.1f}x, peak {self.peak_bytes / 2**30:.2f} GiB, "
                f"honest scores {'identical' if self.same_scores else 'DIFFER'}")


def run(n: int, workers: int, with_stock: bool = True, work: Path | None = None) -> Result:
    warnings.filterwarnings("ignore", message="Object of type .* not in session")
    work = work or Path(tempfile.mkdtemp(prefix="bench-"))
    kinds = build_class(n, work / "class")
    stock_seconds, stock_scores = stock(work / "class", work / "stock") if with_stock else (None, {})
    with PeakMemory() as memory:
        started = time.monotonic()
        rows = grade(work / "class", work / "ours", settings=Settings(workers=workers))
        ours_seconds = time.monotonic() - started
    same = None
    if with_stock:
        honest = [r for r in rows if kinds.get(r.student_id) in ("correct", "partly-wrong") and r.status == "ok"]
        same = all(stock_scores.get((r.student_id, r.notebook)) == r.exercises for r in honest) and bool(honest)
    return Result(n, n * len(ex.ASSIGNMENT_NOTEBOOKS), stock_seconds, ours_seconds, memory.peak, same)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", type=int)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-stock", action="store_true", help="skip stock nbgrader (it takes ~3 s per notebook)")
    args = parser.parse_args()
    result = run(args.students, args.workers, not args.no_stock)
    print(result.line())
    return 0 if result.same_scores in (True, None) else 1


if __name__ == "__main__":
    sys.exit(main())
