"""What `autograde grade` shows and writes: a progress bar, a summary table, grades.csv.

Names come from students (file names, LMS names) and are hostile: a CSV cell never starts a
formula, and the terminal shows markup and escape sequences as the characters they are.
"""
from __future__ import annotations

import csv
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .grading import Row
from .references import references

FIXED = ["student_id", "notebook", "score", "max_score", "status"]


# OWASP, "CSV Injection": a cell starting with one of these is a formula in Excel,
# LibreOffice and Google Sheets; prefixing a single quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """A text cell that a spreadsheet shows as text, never runs."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_writer(f):
    """OWASP also asks for every cell in double quotes (with inner quotes doubled)."""
    return csv.writer(f, quoting=csv.QUOTE_ALL)


def write_csv(rows: list[Row], path: Path) -> Path:
    columns = references().ordered()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv_writer(f)
        writer.writerow(FIXED + columns)
        for r in rows:
            writer.writerow([cell(r.student_id), cell(r.notebook), f"{r.score:g}", f"{r.max_score:g}", cell(r.status)]
                            + [f"{r.exercises[c]:g}" if c in r.exercises else "" for c in columns])
    return path


def literal(text: str) -> Text:
    """`text` exactly as written: rich markup is not interpreted, and escape sequences and
    other control characters are shown as `\\x1b` instead of acting on the terminal."""
    shown = "".join(c if c == "\n" or c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return Text(shown)


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
        table.add_row(literal(student), f"{score:g} / {possible:g}", literal("\n".join(_problems(own)) or "-"))
    console.print(table)


def _problems(rows: list[Row]) -> list[str]:
    """One line per notebook with a problem; what every row of the student says (a shared id,
    a cap) once, first, as a warning."""
    parts = [r.status.split("; ") for r in rows]
    shared = [p for p in parts[0] if p != "ok" and all(p in other for other in parts)] if len(parts) > 1 else []
    lines = [f"warning: {p}" for p in shared]
    for r, own in zip(rows, parts):
        rest = [p for p in own if p not in shared]
        if rest and rest != ["ok"]:
            lines.append(f"{r.notebook}: {'; '.join(rest)}")
    return lines


class Progress:
    """A progress bar over notebooks, with rate and time remaining."""

    def __init__(self):
        self.bar = RichProgress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("notebooks"),
                                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                TimeRemainingColumn(), TextColumn("{task.fields[who]}", markup=False), transient=False)
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def start(self, total: int) -> None:
        self.task = self.bar.add_task("grading", total=total, who="", rate="")

    def advance(self, student: str, rows: list[Row]) -> None:
        self.bar.update(self.task, advance=len(rows), who=literal(student).plain)
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
