"""What `autograde grade` shows and writes: a progress bar, a summary table, grades.csv."""
from __future__ import annotations

import csv
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .grading import Row
from .references import references

FIXED = ["student_id", "notebook", "score", "max_score", "status"]


def write_csv(rows: list[Row], path: Path) -> Path:
    columns = references().ordered()
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


def print_check(reports, console: Console | None = None) -> None:
    """`autograde check`: one table per notebook, then what would go wrong at grading."""
    console = console or Console()
    for report in reports:
        table = Table(title=f"{report.notebook}  ({report.status})")
        for column in ("exercise", "points", "hidden", "what to fix · 需要改正"):
            table.add_column(column)
        for ex in report.exercises:
            mark = "✅" if ex.earned == ex.possible else "❌"
            lines = [f"{check}: {en}\n  {zh}" for check, en, zh in ex.failed]
            if ex.failed and ex.hint:
                lines.append(f"hint: {ex.hint[0]}\n  提示：{ex.hint[1]}")
            table.add_row(f"{mark} {ex.title}", f"{ex.earned:g} / {ex.possible:g}", f"+{ex.hidden_points:g} at grading",
                          "\n".join(lines) or "-")
        console.print(table)
        for problem in report.problems:
            console.print(f"[yellow]warning[/yellow] {report.notebook}: {problem}")
