"""Grading speed: stock `nbgrader autograde` against `autograde grade` on the same class.

    python bench/bench.py N [N ...] [--course attention|nbgrader-docs] [--workers W] [--no-stock] [--profile] [--dask]

For each N, builds a class of N students, grades it once with stock nbgrader (one
`nbgrader autograde` command for the whole class) and once with `autograde grade`, checks
that both gave the same scores, and prints one line: both times, the ratio, the time per
notebook, the grading process's own CPU time per notebook, and the peak memory (PSS) of
`autograde grade` and its workers while grading (and with the class report it writes after).
Then, on a class of one student, the start-up of the `autograde grade` command: from the
command to its first notebook running.

--course    attention (default): this course, all five notebooks a student; students
            correct, partly wrong and broken in turn; every honest submission's scores compared.
            nbgrader-docs: nbgrader's own documentation course (ps1: problem1, problem2, an
            image beside them, tests/plain_course.py), its two students' hand-ins copied to N
            students, graded where it lies (source/, submitted/, its own nbgrader_config.py);
            every cell's auto score compared.
--profile   also the seconds per notebook of each stage (read, sanitize, execute, compare,
            record, feedback)
--notebooks K  (attention) each student hands in only the assignment's first K notebooks
            (a quick run, as the test suite's: every kind of student, fewer notebooks each)
--dask      (attention) also grade the class on a Dask LocalCluster of two worker processes,
            check that the scores are the same as the local run's, and measure the bytes that
            cross the network per notebook
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograde import course
from autograde.grading.grader import Row, Settings
from autograde.verdict.mistakes import MISTAKES
from autograde.workers import confine

sys.path.insert(0, str(course.ROOT / "tests"))  # the example class and the documentation course the benchmark grades
import example_class as ex  # noqa: E402
import plain_course  # noqa: E402

KINDS = ("correct", "partly-wrong", "broken")
COURSES = ("attention", "nbgrader-docs")
DOCS_AUTHORS = ("bitdiddle", "hacker")  # the documentation course's two students
DOCS_CONFIG = 'c = get_config()\nc.CourseDirectory.course_id = "example_course"\n'


def handed_in(notebooks: int | None = None) -> list[str]:
    """The notebooks each student hands in: the assignment's, or (`notebooks`) its first few."""
    return ex.ASSIGNMENT_NOTEBOOKS[:notebooks]


def build_class(n: int, dest: Path, notebooks: int | None = None) -> dict[str, str]:
    """N students in nbgrader's submitted layout, each handing in the assignment's notebooks (or
    its first `notebooks`: a quicker run, each kind of student still there); returns student id -> kind."""
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
        students[student], kinds[student] = {name: files[name] for name in handed_in(notebooks)}, kind
    ex.write_class(dest, students)
    return kinds


def build_docs_course(n: int, root: Path) -> Path:
    """nbgrader's documentation course as it lies (source/ps1, nbgrader's default folders, its
    own config), with N students: bitdiddle's and hacker's hand-ins in turn."""
    docs = plain_course.DOCS
    shutil.copytree(docs / "source" / "ps1", root / "source" / "ps1")
    for i in range(n):
        author = DOCS_AUTHORS[i % 2]
        shutil.copytree(docs / "submitted" / author / "ps1", root / "submitted" / f"s{i:04d}-{author}" / "ps1")
    (root / "nbgrader_config.py").write_text(DOCS_CONFIG, encoding="utf-8")
    return root


class PeakMemory:
    """Samples the memory of a process and all its descendants: their proportional set sizes
    (PSS) added up, so pages that forked workers share count once. `peak` is the whole run's;
    `peak_until` the peak before `until()` first answers True."""

    def __init__(self, root: int, until=lambda: False, interval: float = 0.2):
        self.root, self.until, self.interval = root, until, interval
        self.peak = self.peak_until = 0
        self._stop = threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        reached = False
        while not self._stop.wait(self.interval):
            now = tree_pss(self.root)
            self.peak = max(self.peak, now)
            reached = reached or self.until()
            if not reached:
                self.peak_until = max(self.peak_until, now)


def tree_pss(root: int) -> int:
    return sum(confine.smaps_bytes(pid) or 0 for pid in confine.processes_under(root))  # 0: gone meanwhile


def stock(submitted: Path, root: Path, timeout: float | None = None) -> tuple[float, dict]:
    """Stock nbgrader: generate the assignment, then one `nbgrader autograde` for the class
    (killed, with everything it started, after `timeout` seconds)."""
    from nbgrader.api import Gradebook

    shutil.copytree(course.solutions("ch03"), root / "solutions" / "ch03")
    shutil.copytree(submitted, root / "submitted")
    shutil.copyfile(course.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", "ch03", "--force"], cwd=root, env=env,
                   check=True, capture_output=True)
    started = time.monotonic()
    # exits non-zero when some notebooks cannot be graded (the broken ones): expected here
    run = subprocess.Popen([*nbgrader, "autograde", "ch03", "--force"], cwd=root, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        run.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, 9)
        run.wait()
    seconds = time.monotonic() - started
    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for submission in gb.assignment_submissions("ch03"):
            for nb in submission.notebooks:
                scores[(submission.student.id, nb.name)] = {g.name: g.score for g in nb.grades}
    return seconds, scores


@dataclass
class Result:
    students: int
    notebooks: int
    stock_seconds: float | None
    ours_seconds: float
    main_cpu_seconds: float  # the grading process's own CPU time (its threads included, its workers not)
    setup_cpu_seconds: float  # of which set-up: imports, nbgrader's assignment, the references
    peak_bytes: int  # while grading: the command and its workers, until the last grade is recorded
    command_peak_bytes: int  # the whole command, with the class report it writes afterwards
    same_scores: bool | None
    stages: dict[str, float] = field(default_factory=dict)
    rows: list = field(default_factory=list, repr=False)
    compared: str = "honest scores"  # what same_scores compares

    def line(self) -> str:
        per = (f"ours {self.ours_seconds:.1f} s ({self.ours_seconds / self.notebooks:.3f} s/notebook, grading process CPU "
               f"{self.main_cpu_seconds / self.notebooks:.3f} s/notebook, "
               f"{(self.main_cpu_seconds - self.setup_cpu_seconds) / self.notebooks:.3f} after its "
               f"{self.setup_cpu_seconds:.1f} s of set-up)")
        memory = (f"peak {self.peak_bytes / 2**30:.2f} GiB while grading "
                  f"({self.command_peak_bytes / 2**30:.2f} GiB with the class report)")
        if self.stock_seconds is None:
            return f"N={self.students} notebooks={self.notebooks}: stock not run, {per}, {memory}"
        return (f"N={self.students} notebooks={self.notebooks}: stock {self.stock_seconds:.1f} s "
                f"({self.stock_seconds / self.notebooks:.3f} s/notebook), {per}, "
                f"ratio {self.stock_seconds / self.ours_seconds:.1f}x, {memory}, "
                f"{self.compared} {'identical' if self.same_scores else 'DIFFER'}")

    def profile(self) -> str:
        order = ("read", "sanitize", "execute", "compare", "record", "feedback")
        return "  ".join(f"{stage} {self.stages.get(stage, 0.0) / self.notebooks:.4f}" for stage in order) + \
            "  (seconds per notebook; execute is the workers' time, the rest the grading process's)"


def run(n: int, workers: int, with_stock: bool = True, work: Path | None = None, scheduler: str | None = None,
        course_name: str = "attention", notebooks: int | None = None) -> Result:
    """Stock nbgrader and `autograde grade` on a class of N students of `course_name` (COURSES),
    each handing in every notebook of the assignment or (`notebooks`, attention) its first few.
    Both are timed as commands, from launch (so with their imports and set-up) to the last
    grade recorded."""
    work = work or Path(tempfile.mkdtemp(prefix="bench-"))
    if course_name == "nbgrader-docs":
        return _run_docs(n, workers, with_stock, work)
    if not (work / "class").exists():
        build_class(n, work / "class", notebooks)
    kinds = {p.name: p.name.split("-", 1)[1] for p in (work / "class").iterdir()}
    stock_seconds, stock_scores = stock(work / "class", work / "stock") if with_stock else (None, {})
    out = work / ("ours-dask" if scheduler else "ours")
    command = [sys.executable, "-m", "autograde.cli", "grade", str(work / "class"), "--out", str(out), "--json",
               "--workers", str(workers), "--profile", str(work / "profile.json"), *(["--scheduler", scheduler] if scheduler else [])]
    seconds, profile, rows, memory = _grade(command, work / "profile.json")
    same = None
    if with_stock:
        honest = [r for r in rows if kinds.get(r.student_id) in ("correct", "partly-wrong") and r.status == "ok"]
        same = all(stock_scores.get((r.student_id, r.notebook)) == r.exercises for r in honest) and bool(honest)
    return Result(n, n * len(handed_in(notebooks)), stock_seconds, seconds,
                  profile["process_cpu_seconds"], profile["setup_cpu_seconds"], memory.peak_until, memory.peak, same,
                  profile["seconds"], rows)


def _grade(command: list[str], profile_path: Path, env: dict | None = None) -> tuple[float, dict, list[Row], PeakMemory]:
    """`autograde grade` as a command: seconds from launch to the last grade recorded, its
    profile, its rows and its memory."""
    profile_path.unlink(missing_ok=True)  # written when the last grade is recorded, before the class report
    launched = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    with PeakMemory(process.pid, until=profile_path.exists) as memory:
        stdout, stderr = process.communicate()
    if process.returncode not in (0, 1):  # 1: some hand-ins of the class are broken on purpose
        raise RuntimeError(f"autograde grade failed:\n{stderr[-3000:]}")
    profile = json.loads(profile_path.read_text())
    rows = [Row(**r) for r in json.loads(stdout)["rows"]]
    return profile["graded_monotonic"] - launched, profile, rows, memory


def _run_docs(n: int, workers: int, with_stock: bool, work: Path) -> Result:
    """nbgrader's documentation course, graded where it lies: stock in one copy of the course
    folder, ours in another; every cell's auto score compared."""
    stock_seconds, same = None, None
    if with_stock:
        stock_root = build_docs_course(n, work / "stock")
        nbgrader = [sys.executable, "-m", "nbgrader"]
        plain_course._run([*nbgrader, "generate_assignment", "ps1", "--force"], stock_root)
        started = time.monotonic()
        plain_course._run([*nbgrader, "autograde", "ps1", "--force"], stock_root)
        stock_seconds = time.monotonic() - started
    ours_root = build_docs_course(n, work / "ours")
    env = {"AUTOGRADE_COURSE": ""}
    ours = [sys.executable, "-m", "autograde.cli", "--course", str(ours_root)]
    plain_course._run([*ours, "release"], ours_root, env)
    seconds, profile, rows, memory = _grade(
        [*ours, "grade", "--out", str(work / "out"), "--json", "--workers", str(workers),
         "--profile", str(work / "profile.json")], work / "profile.json", env)
    if with_stock:
        scores = lambda grades: {key: value[0] for key, value in grades.items()}  # noqa: E731
        stocks = scores(plain_course.cell_grades(f"sqlite:///{stock_root / 'gradebook.db'}", "ps1"))
        same = bool(stocks) and stocks == scores(plain_course.cell_grades(f"sqlite:///{work / 'out' / 'gradebook.db'}", "ps1"))
    return Result(n, 2 * n, stock_seconds, seconds, profile["process_cpu_seconds"], profile["setup_cpu_seconds"],
                  memory.peak_until, memory.peak, same, profile["seconds"], rows, "every cell's auto score")


def startup(work: Path, course_name: str = "attention") -> float:
    """Seconds from launching `autograde grade` (a new process: imports included) on a class
    of one student to its first notebook running."""
    if course_name == "nbgrader-docs":
        root = build_docs_course(1, work / "one")
        command = [sys.executable, "-m", "autograde.cli", "--course", str(root)]
        env = {**os.environ, "AUTOGRADE_COURSE": ""}
        plain_course._run([*command, "release"], root, {"AUTOGRADE_COURSE": ""})
        command += ["grade"]
    else:
        build_class(1, work / "one")
        command, env = [sys.executable, "-m", "autograde.cli", "grade", str(work / "one")], None
    launched = time.monotonic()
    subprocess.run([*command, "--out", str(work / "one-out"), "--profile", str(work / "profile.json")], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    first = json.loads((work / "profile.json").read_text())["first_notebook_monotonic"]
    return first - launched


def network_bytes(work: Path) -> tuple[float, float]:
    """Bytes a notebook's request and reply take as Dask sends them (pickled), averaged over a
    class of three students: what crosses the network per notebook."""
    from autograde.grading.grader import Grader
    from autograde.intake.submissions import collect
    from autograde.workers.protocol import code_cells

    build_class(3, work / "three")
    sizes = [[], []]
    with Grader(work / "three-out", f"sqlite:///{work / 'three-out' / 'gradebook.db'}", Settings(workers=2), "ch03") as grader:
        for handin in collect(work / "three", "ch03"):
            prepared = grader.prepare(handin, course.notebook_names("ch03"))
            for name, future in prepared.running.items():
                sizes[0].append(len(pickle.dumps(grader.settings.request(code_cells(prepared.notebooks[name])))))
                sizes[1].append(len(pickle.dumps(future.result())))
    return sum(sizes[0]) / len(sizes[0]), sum(sizes[1]) / len(sizes[1])


def dask(n: int, local: Result, work: Path) -> str:
    """The same class on a LocalCluster of two single-threaded worker processes."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run(n, 2, with_stock=False, work=work, scheduler=cluster.scheduler_address)
    same = {(r.student_id, r.notebook): (r.score, r.exercises) for r in result.rows} == \
        {(r.student_id, r.notebook): (r.score, r.exercises) for r in local.rows}
    request, reply = network_bytes(work)
    return (f"dask N={n}: {result.notebooks / result.ours_seconds:.2f} notebooks/s on a LocalCluster of 2 processes "
            f"(local: {local.notebooks / local.ours_seconds:.2f} notebooks/s), scores "
            f"{'identical to the local run' if same else 'DIFFER from the local run'}; per notebook over the network: "
            f"request {request / 1024:.1f} KiB, reply {reply / 1024:.1f} KiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", type=int, nargs="+")
    parser.add_argument("--course", choices=COURSES, default="attention",
                        help="this course (default) or nbgrader's documentation course (any nbgrader course's plain tests)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-stock", action="store_true", help="skip stock nbgrader (it takes ~3.5 s per notebook)")
    parser.add_argument("--profile", action="store_true", help="print the seconds per notebook of each stage")
    parser.add_argument("--dask", action="store_true", help="also grade each class on a Dask LocalCluster")
    parser.add_argument("--notebooks", type=int, metavar="K",
                        help="(attention) each student hands in only the assignment's first K notebooks: a quick run")
    args = parser.parse_args()
    if args.dask and args.course != "attention":
        parser.error("--dask measures this course's class (--course attention)")
    status = 0
    for n in args.students:
        work = Path(tempfile.mkdtemp(prefix=f"bench-{n}-"))
        result = run(n, args.workers, not args.no_stock, work, course_name=args.course, notebooks=args.notebooks)
        print(result.line(), flush=True)
        if args.profile:
            print("  profile:", result.profile(), flush=True)
        if args.dask:
            print(" ", dask(n, result, work), flush=True)
        status = status or (0 if result.same_scores in (True, None) else 1)
        shutil.rmtree(work, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="bench-start-") as work:
        print(f"start-up: {startup(Path(work), args.course):.2f} s from the command to the first notebook running", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
