"""What `autograde grade` shows and writes: a progress bar, a summary table, grades.csv."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .grading import Row
from .references import references

FIXED = ["student_id", "notebook", "score", "max_score", "status"]


def exercise_columns() -> list[str]:
    """Grade ids in course order: by notebook, then by exercise number (ex2 before ex10)."""
    exercises = references().exercises

    def order(gid: str) -> tuple:
        number = re.search(r"\d+", gid)
        return exercises[gid]["notebook"], int(number.group()) if number else 0, gid

    return sorted(exercises, key=order)


def write_csv(rows: list[Row], path: Path) -> Path:
    columns = exercise_columns()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(FIXED + columns)
        for r in rows:
            writer.writerow([r.student_id, r.notebook, f"{r.score:g}", f"{r.max_score:g}", r.status]
                            + [f"{r.exercises[c]:g}" if c in r.exercises else "" for c in columns])
    return path


def print_summary(rows: list[Row], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Grades")
    for column in ("student", "score", "notebooks with a problem"):
        table.add_column(column)
    by_student: dict[str, list[Row]] = {}
    for r in rows:
        by_student.setdefault(r.student_id, []).append(r)
    for student, own in by_student.items():
        score = sum(r.score for r in own)
        possible = sum(r.max_score for r in own)
        problems = [f"{r.notebook}: {r.status}" for r in own if r.status != "ok"]
        table.add_row(student, f"{score:g} / {possible:g}", "\n".join(problems) or "-")
    console.print(table)


class Progress:
    """A progress bar over notebooks, with rate and time remaining."""

    def __init__(self):
        self.bar = RichProgress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("notebooks"),
                                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                TimeRemainingColumn(), TextColumn("{task.fields[who]}"), transient=False)
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def start(self, total: int) -> None:
        self.task = self.bar.add_task("grading", total=total, who="", rate="")

    def advance(self, student: str, rows: list[Row]) -> None:
        self.bar.update(self.task, advance=len(rows), who=student)
        speed = self.bar.tasks[0].speed
        self.bar.update(self.task, rate=f"{speed:.1f}/s" if speed else "")
