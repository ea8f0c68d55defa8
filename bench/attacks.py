"""What each hostile notebook does to stock `nbgrader autograde` and to `autograde grade`.

    python bench/attacks.py [--timeout SECONDS] [--only NAME] [--plain]

For every attack in tests/hostile.py, a class of two: the attacker (a correct notebook 1 with
the hostile cell added), then an honest student. Both graders take the class in one run: stock
nbgrader as one `nbgrader autograde` command (killed after --timeout seconds if it hangs), ours
with one worker, so the honest student runs right after the attacker on the same worker.
Prints a Markdown table of what the honest student got from each. Runs the attacks
unconfined under stock nbgrader: do it on a machine you can spare (each attack is bounded
in time and size).

--plain: the attacks only a plain nbgrader course invites (hostile.PLAIN_ATTACKS, and hand-ins
that change a test cell, plain_course.TEST_EDITS), each a class of four in the plain assignment
of tests/plain_course.py: an honest student, the wrong answer alone (0/4), the attacker (the
wrong answer and the attack), an honest student after it (4/4). The table gives what the
attacker's and that last honest student's test cells earned.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench import stock  # noqa: E402
from hostile import ATTACKS, LEFTOVERS, PLAIN_ATTACKS, remove_sysv_leftovers  # noqa: E402

import example_class as ex  # noqa: E402
from autograde.grading.grader import Settings, grade  # noqa: E402
from autograde.verdict.references import references  # noqa: E402

STEM = ex.NB1[:-6]


def one(attack, timeout: float, work: Path) -> tuple[str, str]:
    full = sum(e["points"] for e in references().exercises_of(STEM).values())
    students = {"a-attacker": {ex.NB1: ex.with_cell(ex.solved(ex.NB1), "ex1-dot-scores", attack.source)},
                "b-honest": {ex.NB1: ex.text(ex.solved(ex.NB1))}}
    ex.write_class(work / "class", students)
    seconds, scores = stock(work / "class", work / "stock", timeout)
    for leftover in LEFTOVERS:
        Path(leftover).unlink(missing_ok=True)
    left_segments = remove_sysv_leftovers()
    honest = scores.get(("b-honest", STEM))
    printed = _printed(work / "stock" / "autograded")
    if seconds >= timeout:
        stock_says = f"run did not end (killed after {timeout:.0f} s); honest: {_score(honest, full)}"
    else:
        stock_says = f"{printed}honest: {_score(honest, full)} ({seconds:.0f} s)"
    if left_segments:
        stock_says += f"; {left_segments} SysV segments left on the machine after the run"
    limits = {"memory_bytes": int(attack.memory_gb * 2**30)} if attack.memory_gb else {}
    started = time.monotonic()
    rows = {r.student_id: r for r in grade(work / "class", work / "ours", settings=Settings(timeout=10, workers=1, **limits))
            if r.notebook == STEM}
    seconds = time.monotonic() - started
    ours = (f"{_printed(work / 'ours' / '.nbgrader' / 'autograded')}"
            f"honest: {rows['b-honest'].score:g}/{full:g} `{rows['b-honest'].status}`; "
            f"attacker: `{rows['a-attacker'].status}` ({seconds:.0f} s)")
    return stock_says, ours


def one_plain(name: str, work: Path) -> tuple[str, str]:
    """A plain-course attack after a wrong answer, then an honest student, under both graders."""
    from plain_course import PLAIN_TESTS, TEST_EDITS, ours, plain_attacks, stock as stock_nbgrader

    scenario = plain_attacks(work / "hand-ins", [a for a in PLAIN_ATTACKS if a.name == name],
                             {name: TEST_EDITS[name]} if name in TEST_EDITS else {})
    attacker, honest = f"02a-{name}", "02b-honest"

    def earned(grades: dict, student: str) -> str:
        return f"{sum((grades.get((student, 'p1', cell)) or (0.0,))[0] or 0.0 for cell in PLAIN_TESTS):g}/{len(PLAIN_TESTS)}"

    started = time.monotonic()
    stock_grades = stock_nbgrader(work / "stock", scenario, check=False)
    stock_says = f"attacker: {earned(stock_grades, attacker)}; honest: {earned(stock_grades, honest)} " \
                 f"({time.monotonic() - started:.0f} s)"
    started = time.monotonic()
    grades, rows, _ = ours(work / "ours", scenario)
    status = {r["student_id"]: r["status"] for r in rows}
    ours_says = (f"attacker: {earned(grades, attacker)} `{status[attacker]}`; honest: {earned(grades, honest)} "
                 f"`{status[honest]}` ({time.monotonic() - started:.0f} s)")
    return stock_says, ours_says


def _printed(autograded: Path) -> str:
    """What the attack cell printed in the attacker's graded notebook (what it reached), if anything."""
    import nbformat

    path = autograded / "a-attacker" / "ch03" / ex.NB1
    if not path.exists():
        return ""
    cells = nbformat.read(path, as_version=4).cells
    index = next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1-dot-scores")
    text = " ".join(o.get("text", "").strip() for o in cells[index + 1].get("outputs", []) if o.get("output_type") == "stream")
    # bytes an attack wrote into a stream (a frame's length, say) show as escapes, not as control characters
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    if len(text) > 100:
        text = f"{text[:20]}… ({len(text.encode()) / 2**20:.0f} MiB kept in the graded notebook)"
    return f"attack printed `{text}`; " if text else ""


def _score(scores: dict | None, full: float) -> str:
    return "no grade" if scores is None else f"{sum(v or 0 for v in scores.values()):g}/{full:g}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds before a stuck stock run is killed")
    parser.add_argument("--only", action="append", help="run only this attack (repeatable)")
    parser.add_argument("--plain", action="store_true", help="the attacks on a plain nbgrader course instead")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Object of type .* not in session")
    print("| attack | stock `nbgrader autograde` | `autograde grade` |\n|---|---|---|")
    if args.plain:
        from plain_course import TEST_EDITS

        for name, what in [(a.name, a.what) for a in PLAIN_ATTACKS] + [(n, f"test cell {c} {how}") for n, (c, how) in TEST_EDITS.items()]:
            if not args.only or name in args.only:
                stock_says, ours = one_plain(name, Path(tempfile.mkdtemp(prefix=f"attack-{name}-")))
                print(f"| {name}: {what} | {stock_says} | {ours} |", flush=True)
        return 0
    for attack in [a for a in ATTACKS if not args.only or a.name in args.only]:
        stock_says, ours = one(attack, args.timeout, Path(tempfile.mkdtemp(prefix=f"attack-{attack.name}-")))
        print(f"| {attack.name}: {attack.what} | {stock_says} | {ours} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
