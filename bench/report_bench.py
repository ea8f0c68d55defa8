"""Class report speed: similarity and the whole report for a class of N students.

    python bench/report_bench.py N [--copies C] [--seed S]

Builds N students in memory from the solution notebooks, each with code of their own (a
dozen statements of their own in every exercise cell, then the solution, names changed) and
random verdicts in the test cells, plants C renamed copies, then times the similarity
ranking and the whole report (aggregates, plots, page) and checks that every planted copy
is flagged. Prints one line. No grading is run: this measures the report alone.
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from autograde import course
from autograde.reports import class_report
from autograde.grading.grader import Row
from autograde.verdict.mistakes import MISTAKES
from autograde.verdict.references import references

WORDS = ["alpha", "beta", "gamma", "delta", "scale", "total", "buffer", "tmp", "acc", "norm", "shift", "eps", "mask", "out"]
OPS = ["torch.randn({a}, {b})", "torch.ones({a}) * {c}", "torch.arange({a}).float() / {b}", "torch.zeros({a}, {b}) + {c}",
       "({v} ** 2).sum()", "torch.tanh(torch.tensor({c}))", "max({a}, {b}) - {c}", "[{a} * i for i in range({b})]"]


def own_statements(rng: random.Random, count: int) -> str:
    """A few lines no other student wrote the same way."""
    lines, names = [], []
    for _ in range(count):
        name = f"{rng.choice(WORDS)}_{rng.randrange(1000)}"
        op = rng.choice(OPS).format(a=rng.randrange(2, 9), b=rng.randrange(2, 9), c=round(rng.uniform(0, 3), 2),
                                    v=rng.choice(names) if names else "1.5")
        lines.append(f"{name} = {op}")
        names.append(name)
    return "\n".join(lines)


def renamed(code: str, rng: random.Random) -> str:
    names = sorted(set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*=(?!=)", code)))
    mapping = {n: f"{n}_{rng.randrange(100)}" for n in names if n not in ("dim", "keepdim", "bias", "diagonal")}
    return re.sub(r"\b[a-z_][a-z0-9_]*\b", lambda m: mapping.get(m.group(), m.group()), code)


def build_class(n: int, copies: int, seed: int) -> tuple[class_report.ClassData, set[tuple[str, str]]]:
    rng = random.Random(seed)
    refs = references()
    solutions = {Path(name).stem: json.loads((course.solutions("ch03") / name).read_text(encoding="utf-8"))
                 for name in course.notebook_names("ch03")}
    mistake_ids = {stem: [m.id for m in MISTAKES.values() if m.notebook == stem] for stem in solutions}
    rows, notebooks = [], {}
    students = [f"s{i:04d}" for i in range(n)]
    for student in students:
        for stem, solution in solutions.items():
            nb = copy.deepcopy(solution)
            earned = {}
            for cell in nb["cells"]:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if meta.get("solution"):
                    cell["source"] = own_statements(rng, rng.randrange(8, 20)) + "\n" + renamed("".join(cell["source"]), rng)
                if meta.get("grade") and meta.get("grade_id") in refs.exercises:
                    exercise = refs.exercises[meta["grade_id"]]
                    checks = []
                    for check in exercise["checks"]:
                        passed = rng.random() < 0.75
                        mistake = "" if passed else rng.choice(mistake_ids[stem] + ["values-differ", "code-failed"])
                        checks.append({**check, "passed": passed, "mistake": mistake, "en": mistake, "zh": mistake})
                    cell["metadata"]["autograde"] = {"checks": checks}
                    earned[meta["grade_id"]] = float(sum(c["points"] for c in checks if c["passed"]))
            nb["metadata"]["autograde"] = {"notes": [], "seconds": round(rng.uniform(0.05, 0.4), 3)}
            notebooks[(student, stem)] = nb
            possible = float(sum(e["points"] for e in refs.exercises_of(stem).values()))
            rows.append(Row(student, stem, sum(earned.values()), possible, "ok", earned))
    planted = set()
    for i in range(copies):
        source, copier = students[2 * i], students[2 * i + 1]
        stem = sorted(solutions)[i % len(solutions)]
        theirs = copy.deepcopy(notebooks[(source, stem)])
        for cell in theirs["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                cell["source"] = renamed(cell["source"], rng)
        notebooks[(copier, stem)] = theirs
        planted |= {(copier, source) if copier < source else (source, copier)}
    return class_report.ClassData("ch03", rows, notebooks, {s: [] for s in students}), planted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", type=int)
    parser.add_argument("--copies", type=int, default=5, help="renamed copies to plant (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data, planted = build_class(args.students, min(args.copies, args.students // 2), args.seed)
    started = time.monotonic()
    similar = class_report.similarity(data)
    similarity_seconds = time.monotonic() - started
    found = {(p.a, p.b) for p in similar.flagged}
    false = found - planted
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        page = class_report.render(data, class_report.mistakes(data), class_report.similarity(data))
        (Path(tmp) / "report.html").write_text(page, encoding="utf-8")
        report_seconds = time.monotonic() - started
    print(f"N={args.students} notebooks={len(data.notebooks)}: similarity {similarity_seconds:.1f} s "
          f"({len(similar.flagged)} exercise pairs flagged, {len(planted & found)} of {len(planted)} planted copies found, "
          f"{len(false)} other pairs), "
          f"whole report (similarity included) {report_seconds:.1f} s, {len(page) / 2**20:.1f} MiB")
    return 0 if planted <= found and not false else 1


if __name__ == "__main__":
    sys.exit(main())
