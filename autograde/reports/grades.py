"""What `autograde grade` shows and writes: a progress bar, a summary table, grades.csv.

Names come from students (file names, LMS names) and are hostile: a CSV cell never starts a
formula, and the terminal shows markup and escape sequences as the characters they are.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Column, Table
from rich.text import Text

from .. import atomic
from ..grading.grader import Row
from ..verdict.languages import pick

FIXED = ["student_id", "notebook", "score", "max_score", "status"]
LATE = ["hours_late", "late_penalty"]  # the late policy's (reports/export.py): score is after the penalty


# OWASP, "CSV Injection": a cell starting with one of these is a formula in Excel,
# LibreOffice and Google Sheets; prefixing a single quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """A text cell that a spreadsheet shows as text, never runs."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_writer(f):
    """OWASP also asks for every cell in double quotes (with inner quotes doubled)."""
    return csv.writer(f, quoting=csv.QUOTE_ALL)


@dataclass
class Total:
    """A student's notebooks added up: scores after the late policy, the latest hand-in's lateness."""
    score: float = 0.0
    max_score: float = 0.0
    hours_late: float = 0.0
    late_penalty: float = 0.0


def student_totals(rows: list[Row]) -> dict[str, Total]:
    """Student id -> their Total (totals.csv, the LMS files)."""
    totals: dict[str, Total] = {}
    for r in rows:
        total = totals.setdefault(r.student_id, Total())
        total.score += r.score
        total.max_score += r.max_score
        total.hours_late = max(total.hours_late, r.hours_late)
        total.late_penalty += r.late_penalty
    return totals


def exercise_columns(assignment: str | None) -> list[str]:
    """The grade ids of `assignment`'s notebooks, in course order (None: every assignment's):
    one chapter's grades.csv holds no other chapter's exercises."""
    from .. import course
    from ..grading.plain_tests import catalogue  # torch: only once there are rows to show

    refs = catalogue()
    if assignment is None:
        return refs.ordered()
    stems = {Path(name).stem for name in course.notebook_names(assignment)}
    return [gid for gid in refs.ordered() if refs.exercises[gid]["notebook"] in stems]


def write_csv(rows: list[Row], path: Path, assignment: str | None = None) -> Path:
    """grades.csv: a row per student and notebook, a column per exercise of `assignment`."""
    columns = exercise_columns(assignment)
    with atomic.replacing(path, newline="") as f:
        writer = csv_writer(f)
        writer.writerow(FIXED + columns + LATE)
        for r in rows:
            writer.writerow([cell(r.student_id), cell(r.notebook), f"{r.score:g}", f"{r.max_score:g}", cell(r.status)]
                            + [f"{r.exercises[c]:g}" if c in r.exercises else "" for c in columns]
                            + [f"{round(r.hours_late, 2):g}", f"{round(r.late_penalty, 4):g}"])
    return path


def literal(text: str) -> Text:
    """`text` exactly as written: rich markup is not interpreted, and escape sequences and
    other control characters are shown as `\\x1b` instead of acting on the terminal."""
    shown = "".join(c if c == "\n" or c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return Text(shown)


def print_summary(rows: list[Row], console: Console | None = None, lang: str = "both") -> None:
    """The grades table; statuses in English, Chinese or both (one line each)."""
    console = console or Console()
    table = Table(title=" · ".join(pick(lang, "Grades", "成绩")))
    for column in (("student", "学生"), ("score", "得分"), ("notebooks with a problem", "有问题的笔记本")):
        # fold: a Chinese sentence has no spaces to wrap at, and an id may be one long word; no "…"
        table.add_column(" · ".join(pick(lang, *column)), overflow="fold")
    by_student: dict[str, list[Row]] = {}
    for r in rows:
        by_student.setdefault(r.student_id, []).append(r)
    for student, own in by_student.items():
        score = sum(r.score for r in own)
        possible = sum(r.max_score for r in own)
        table.add_row(literal(student), f"{score:g} / {possible:g}", literal("\n".join(_problems(own, lang)) or "-"))
    console.print(table)


def _problems(rows: list[Row], lang: str = "en") -> list[str]:
    """One line per notebook with a problem (per language); what every row of the student says
    (a shared id, a cap) once, first, as a warning."""
    # (English, Chinese) per part of each status; a row read back from grades.csv has English only
    parts = [[(m["en"], m["zh"]) for m in r.messages] or [(p, None) for p in r.status.split("; ")] for r in rows]
    shared = [p for p in parts[0] if p[0] != "ok" and all(p in other for other in parts)] if len(parts) > 1 else []

    def said(en: str, zh: str | None) -> list[str]:
        return [en] if zh is None else pick(lang, en, zh)

    lines = [line for en, zh in shared for line in said(f"warning: {en}", zh and f"注意：{zh}")]
    for r, own in zip(rows, parts):
        rest = [p for p in own if p not in shared]
        if rest and [en for en, _ in rest] != ["ok"]:
            zh = None if None in (z for _, z in rest) else f"{r.notebook}：{'；'.join(z for _, z in rest)}"
            lines += said(f"{r.notebook}: {'; '.join(en for en, _ in rest)}", zh)
    return lines


class Progress:
    """A progress bar over notebooks, with rate and time remaining."""

    def __init__(self, console: Console | None = None):
        # the line stays on screen, so it fits any width without a "…": the labels and figures
        # never wrap, the bar shrinks first, and the student's name folds (it may be one long word)
        def whole() -> Column:
            return Column(no_wrap=True)

        self.bar = RichProgress(TextColumn("grading", table_column=whole()),
                                BarColumn(bar_width=None, table_column=Column(ratio=1)),
                                MofNCompleteColumn(table_column=whole()), TextColumn("notebooks", table_column=whole()),
                                TextColumn("{task.fields[rate]}", table_column=whole()), TimeElapsedColumn(table_column=whole()),
                                TextColumn("ETA", table_column=whole()), TimeRemainingColumn(table_column=whole()),
                                TextColumn("{task.fields[who]}", markup=False, table_column=Column(overflow="fold", ratio=1)),
                                transient=False, console=console)
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


def print_check(reports, console: Console | None = None, lang: str = "both") -> None:
    """`autograde check`: per notebook, one block per exercise, then what would go wrong at
    grading. Every message wraps at the terminal's width: none is ever cut short."""
    from rich.padding import Padding
    from rich.rule import Rule

    console = console or Console()
    labels = {"hidden": ("at grading, on hidden inputs", "评分时另有隐藏输入检查"), "hint": ("hint", "提示"),
              "warning": ("warning", "注意")}

    def label(key: str) -> str:
        return " · ".join(pick(lang, *labels[key]))

    def lines(en: str, zh: str, indent: int) -> None:
        for line in pick(lang, en, zh):
            console.print(Padding(Text(line, overflow="fold"), (0, 0, 0, indent)))

    for report in reports:
        status = " / ".join(pick(lang, report.status, report.status_zh or report.status))
        console.print(Rule(Text(f"{report.notebook} ({status})", overflow="fold"), align="left"))
        for ex in report.exercises:
            mark = "✅" if ex.earned == ex.possible else "❌"
            head = Text(f"{mark} {ex.title}: {ex.earned:g} / {ex.possible:g}", overflow="fold")
            head.append(f"   (+{ex.hidden_points:g} {label('hidden')})", style="dim")
            console.print(head)
            for check, en, zh in ex.failed:
                console.print(Padding(Text(check, style="bold", overflow="fold"), (0, 0, 0, 3)))
                lines(en, zh, 5)
            if ex.failed and ex.hint:
                console.print(Padding(Text(f"💡 {label('hint')}", overflow="fold"), (0, 0, 0, 3)))
                lines(*ex.hint, 5)
        for problem in report.problems:
            console.print(Text(f"⚠️ {label('warning')}: {report.notebook}: {problem}", style="yellow", overflow="fold"))
        console.print()


def check_json(reports) -> list[dict]:
    """`autograde check --json`: the same as print_check, as data (schema in the README)."""
    return [{"notebook": r.notebook, "status": r.status, "problems": list(r.problems),
             "exercises": [{"title": ex.title, "earned": ex.earned, "possible": ex.possible,
                            "hidden_points": ex.hidden_points,
                            "failed": [{"check": check, "en": en, "zh": zh} for check, en, zh in ex.failed],
                            "hint": {"en": ex.hint[0], "zh": ex.hint[1]} if ex.failed and ex.hint else None}
                           for ex in r.exercises]}
            for r in reports]
