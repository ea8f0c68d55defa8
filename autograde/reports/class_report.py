"""The class at a glance, after `autograde grade`: DIR/report.html, DIR/mistakes.csv and
DIR/similarity.csv.

Everything is read from what grading left in DIR: the rows (from the run, or rebuilt from
the nbgrader gradebook), and the autograded notebooks nbgrader keeps under
DIR/.nbgrader/autograded, whose test cells hold each check's verdict and mistake id
(scoring.CompareWithReference) and whose metadata holds the time the notebook ran.
Steps, each a plain function: load -> aggregate -> write.
"""
from __future__ import annotations

import csv
import json
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .. import atomic, course, pages
from ..grading.grader import Row, zero_row
from ..grading.plain_tests import MANUAL, catalogue, manual_points
from .similarity import Similarity, Thresholds, compare_class, exercise_cells, own_code
from ..verdict.statuses import say
from ..errors import UsageError

REPORT, MISTAKES_CSV, SIMILARITY_CSV = "report.html", "mistakes.csv", "similarity.csv"
SHOWN_PAIRS = 40  # flagged pairs shown side by side; similarity.csv has them all
SHOWN_LINES = 120  # lines of code per side
# A student whose visible checks all pass while every hidden check fails in this many exercises
# is listed under "copied values?": one such exercise can be an honest edge case, several look
# like values copied from the book or the visible references.
COPIED_VALUES_AT = 2


@dataclass
class Mistake:
    """A failed exercise, by kind: one row of mistakes.csv."""
    student_id: str
    notebook: str
    exercise: str
    mistake: str
    checks: list[str]
    en: str
    zh: str


@dataclass
class CommonMistake:
    mistake: str
    count: int
    share: float  # of the students whose notebook was graded
    en: str
    zh: str
    students: list[str]


@dataclass
class Stats:
    key: str
    title: str
    possible: float
    scores: list[float]

    @property
    def mean(self) -> float:
        return statistics.mean(self.scores) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.scores) if self.scores else 0.0

    @property
    def share(self) -> float:
        return self.mean / self.possible if self.possible else 0.0


@dataclass
class ClassData:
    """What a grading run left, read back: the input of every aggregate below."""
    assignment: str
    rows: list[Row]
    notebooks: dict[tuple[str, str], dict] = field(default_factory=dict)  # (student, stem) -> autograded JSON
    feedback: dict[str, list[str]] = field(default_factory=dict)  # student -> feedback page names

    @cached_property
    def stems(self) -> list[str]:
        """The assignment's notebooks, in course order (listed once: the aggregates ask per exercise)."""
        return [Path(n).stem for n in course.notebook_names(self.assignment)]


# ---------------------------------------------------------------- load

def is_grading_output(out: Path, db_url: str | None = None) -> bool:
    return (out / ".nbgrader").is_dir() and (db_url is not None or (out / "gradebook.db").is_file())


def load(out: Path, rows: list[Row] | None = None, db_url: str | None = None,
         assignment: str | None = None) -> ClassData:
    """The class as graded into `out`; `rows` from the run, or rebuilt from the gradebook."""
    assignment = course.known(assignment)
    if rows is None:
        if not is_grading_output(out, db_url):
            raise UsageError(f"{out} is not a grading output folder (no .nbgrader/ and gradebook.db in it): "
                             "run `autograde grade SUBMISSIONS --out DIR` first, or pass --db for a gradebook elsewhere")
        from .export import current_rows  # the scores as exported: formgrader's changes, the late policy

        rows = current_rows(out, db_url, assignment, save=False)
    stems = {Path(n).stem for n in course.notebook_names(assignment)}
    notebooks = {}
    for r in rows:
        path = _autograded(out, assignment, r.student_id, r.notebook)
        if r.notebook in stems and r.max_score > 0 and path.is_file():
            try:  # plain JSON: nbformat's validation would cost more than the whole report
                notebooks[(r.student_id, r.notebook)] = _slim(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                pass
    feedback = {}
    for student in sorted({r.student_id for r in rows}):
        folder = out / "feedback" / student
        feedback[student] = sorted(p.name for p in folder.glob("*.html")) if folder.is_dir() else []
    return ClassData(assignment, rows, notebooks, feedback)


def _slim(nb: dict) -> dict:
    """What the report reads of an autograded notebook: its metadata, and its code cells'
    source and metadata. Outputs (pictures among them) are dropped as each notebook is read,
    so that the report's memory grows with the class only by what it needs."""
    cells = nb.get("cells", []) if isinstance(nb, dict) else []
    return {"metadata": nb.get("metadata", {}) if isinstance(nb, dict) else {},
            "cells": [{key: cell[key] for key in ("cell_type", "metadata", "source") if key in cell}
                      for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"]}


def class_grades(db_url: str, assignment: str):
    """Every grade of the class, in one query (nbgrader's objects would ask once per notebook and
    grade): (student, notebook, cell, cell type, score, max score, autograder's score, whether a
    manual score or extra credit was given)."""
    from nbgrader.api import Assignment, Gradebook, GradeCell, Grade, Notebook, SubmittedAssignment, SubmittedNotebook

    with Gradebook(db_url) as gb:
        query = (gb.db.query(SubmittedAssignment.student_id, Notebook.name, GradeCell.name, GradeCell.cell_type,
                             Grade.score, GradeCell.max_score, Grade.auto_score, Grade.manual_score, Grade.extra_credit)
                 .select_from(Grade)
                 .join(GradeCell, Grade.cell_id == GradeCell.id)
                 .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
                 .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
                 .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                 .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                 .filter(Assignment.name == assignment))
        return [(student, stem, cell, cell_type, float(score or 0.0), float(possible or 0.0), float(auto or 0.0),
                 manual is not None or bool(extra))
                for student, stem, cell, cell_type, score, possible, auto, manual, extra in query]


def notebook_totals(db_url: str, assignment: str) -> dict[tuple[str, str], tuple[float, float]]:
    """(student, notebook) -> (score, max score) as the gradebook sums them (nbgrader's
    SubmittedNotebook.score and .max_score: task cells too, as grading's rows and formgrader)."""
    from nbgrader.api import Assignment, Gradebook, Notebook, SubmittedAssignment, SubmittedNotebook

    with Gradebook(db_url) as gb:
        query = (gb.db.query(SubmittedAssignment.student_id, Notebook.name, SubmittedNotebook.score,
                             SubmittedNotebook.max_score)
                 .select_from(SubmittedNotebook)
                 .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
                 .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                 .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                 .filter(Assignment.name == assignment))
        return {(student, stem): (float(score or 0.0), float(possible or 0.0)) for student, stem, score, possible in query}


def rows_from_gradebook(out: Path, db_url: str, assignment: str) -> list[Row]:
    """One row per student and notebook: scores from the gradebook (so changes made in
    nbgrader's formgrader show), statuses from grades.csv where the run wrote one."""
    written = _read_grades_csv(out / "grades.csv")
    stems = [Path(n).stem for n in course.notebook_names(assignment)]
    scores: dict[tuple[str, str], list[tuple[str, str, float, float]]] = defaultdict(list)
    for student, stem, cell, cell_type, score, possible, _, _ in class_grades(db_url, assignment):
        scores[(student, stem)].append((cell, cell_type, score, possible))
    totals = notebook_totals(db_url, assignment)
    rows: dict[tuple[str, str], Row] = {}
    for (student, stem), grades in scores.items():
        if stem not in stems or not _autograded(out, assignment, student, stem).is_file():
            continue  # nbgrader keeps a zero-score entry for a notebook it never saw
        old = written.get((student, stem))
        score, possible = totals.get((student, stem), (sum(g[2] for g in grades), sum(g[3] for g in grades)))
        rows[(student, stem)] = Row(student, stem, score, possible,
                                    old.status if old else _notes_status(out, assignment, student, stem),
                                    {cell: score for cell, cell_type, score, _ in grades if cell_type == "code"})
    for key, row in written.items():
        rows.setdefault(key, row)
    for student in sorted({s for s, _ in rows}):
        for stem in stems:
            rows.setdefault((student, stem), zero_row(student, stem, say("missing")))
    return sorted(rows.values(), key=lambda r: (r.student_id, r.notebook))


def _uncell(text: str) -> str:
    """A grades.csv cell as the text it stands for (grades.cell added a ' before a formula)."""
    from .grades import FORMULA_STARTS

    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _read_grades_csv(path: Path) -> dict[tuple[str, str], Row]:
    if not path.is_file():
        return {}
    rows = {}
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            try:
                exercises = {k: float(v) for k, v in r.items() if k in catalogue().exercises and v not in ("", None)}
                student, notebook, status = (_uncell(r[k]) for k in ("student_id", "notebook", "status"))
                rows[(student, notebook)] = Row(student, notebook, float(r["score"]), float(r["max_score"]), status, exercises)
            except (KeyError, TypeError, ValueError):
                continue  # a hand-edited line: the gradebook still has the scores
    return rows


def _autograded(out: Path, assignment: str, student: str, stem: str) -> Path:
    return out / ".nbgrader" / "autograded" / student / assignment / f"{stem}.ipynb"


def _notes_status(out: Path, assignment: str, student: str, stem: str) -> str:
    try:
        notes = json.loads(_autograded(out, assignment, student, stem).read_text(encoding="utf-8")).get("metadata", {}).get("autograde", {}).get("notes", [])
    except (OSError, ValueError, AttributeError):
        return "ok"
    return "; ".join(dict.fromkeys(n.get("en", "") if isinstance(n, dict) else str(n) for n in notes)) or "ok"


# ---------------------------------------------------------------- aggregate

def test_cells(nb: dict):
    """(grade id, checks) of each of the course's test cells that holds verdicts."""
    exercises = catalogue().exercises
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        checks = meta.get("autograde", {}).get("checks")
        nbgrader = meta.get("nbgrader", {})
        if isinstance(checks, list) and nbgrader.get("grade") and nbgrader.get("grade_id") in exercises:
            yield nbgrader["grade_id"], checks


def mistakes(data: ClassData) -> list[Mistake]:
    """One row per student, exercise and kind of mistake, from the verdicts of the failed checks."""
    found = []
    for (student, stem), nb in sorted(data.notebooks.items()):
        for grade_id, checks in test_cells(nb):
            kinds: dict[str, list[dict]] = defaultdict(list)
            for check in checks:
                if isinstance(check, dict) and not check.get("passed") and check.get("mistake") != MANUAL:  # a grade to come
                    kinds[str(check.get("mistake") or "undiagnosed")].append(check)
            for kind, failed in kinds.items():
                found.append(Mistake(student, stem, grade_id, kind, [str(c.get("name")) for c in failed],
                                     str(failed[0].get("en", "")), str(failed[0].get("zh", ""))))
    return found


def common_mistakes(data: ClassData, found: list[Mistake]) -> dict[str, list[CommonMistake]]:
    """Exercise -> its mistakes, most common first, with the share of the students graded on it."""
    graded = Counter(stem for _, stem in data.notebooks)
    by_kind: dict[tuple[str, str], list[Mistake]] = defaultdict(list)
    for m in found:
        by_kind[(m.exercise, m.mistake)].append(m)
    result: dict[str, list[CommonMistake]] = defaultdict(list)
    for (exercise, kind), ms in by_kind.items():
        # the texts students saw; a clue's wording can carry a number, so show the most frequent one
        (en, zh), _ = Counter((m.en, m.zh) for m in ms).most_common(1)[0]
        students = sorted({m.student_id for m in ms})
        result[exercise].append(CommonMistake(kind, len(students), len(students) / max(1, graded[ms[0].notebook]),
                                              en, zh, students))
    for exercise in result:
        result[exercise].sort(key=lambda c: (-c.count, c.mistake))
    return dict(result)


def notebook_stats(data: ClassData) -> list[Stats]:
    """Scores per notebook, over the notebooks that were graded (missing ones are listed apart)."""
    graded = {key for key in data.notebooks}
    stats = []
    for stem in data.stems:
        rows = [r for r in data.rows if r.notebook == stem and (r.student_id, stem) in graded]
        possible = float(sum(e["points"] for e in catalogue().exercises_of(stem).values())) + manual_points(stem)
        stats.append(Stats(stem, stem, possible, [r.score for r in rows]))
    return stats


def exercise_stats(data: ClassData) -> list[Stats]:
    """Scores per exercise, hardest first (lowest mean share of its points)."""
    graded = set(data.notebooks)
    stats = []
    for grade_id in catalogue().ordered():
        exercise = catalogue().exercises[grade_id]
        if exercise["notebook"] not in data.stems:
            continue  # another assignment's
        scores = [r.exercises.get(grade_id, 0.0) for r in data.rows
                  if r.notebook == exercise["notebook"] and (r.student_id, r.notebook) in graded]
        stats.append(Stats(grade_id, exercise["title"], float(exercise["points"]), scores))
    return sorted(stats, key=lambda s: (s.share if s.scores else 2.0, s.key))


def needs_attention(data: ClassData) -> dict[str, list[Row]]:
    """Student -> their rows with a status other than ok, or a zero score."""
    found: dict[str, list[Row]] = defaultdict(list)
    for r in data.rows:
        if r.status != "ok" or (r.max_score > 0 and r.score == 0):
            found[r.student_id].append(r)
    return dict(sorted(found.items()))


def copied_values(data: ClassData) -> dict[str, list[str]]:
    """Student -> the exercises (grade ids, in course order) where every visible check passed and
    every hidden one failed, for the students with at least COPIED_VALUES_AT of them. Which checks
    are hidden is the references' word, not the notebook's; a check without a verdict failed."""
    refs = catalogue()  # the course's exercises and the plain test cells test_cells yields
    order = {gid: i for i, gid in enumerate(refs.ordered())}
    found: dict[str, list[str]] = defaultdict(list)
    for (student, _), nb in data.notebooks.items():
        for grade_id, checks in test_cells(nb):
            passed = {str(c.get("name")): c.get("passed") is True for c in checks if isinstance(c, dict)}
            visible, hidden = ([passed.get(c["name"], False) for c in refs.exercises[grade_id]["checks"] if c["hidden"] == kind]
                               for kind in (False, True))
            if visible and hidden and all(visible) and not any(hidden):
                found[student].append(grade_id)
    return {student: sorted(set(gids), key=order.__getitem__)
            for student, gids in sorted(found.items()) if len(set(gids)) >= COPIED_VALUES_AT}


def grading_times(data: ClassData) -> dict[str, list[tuple[float, str]]]:
    """Notebook -> (seconds it ran, student), slowest first."""
    times: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for (student, stem), nb in data.notebooks.items():
        seconds = nb.get("metadata", {}).get("autograde", {}).get("seconds")
        if isinstance(seconds, (int, float)):
            times[stem].append((float(seconds), student))
    return {stem: sorted(times[stem], reverse=True) for stem in sorted(times)}


def similarity(data: ClassData, thresholds: Thresholds = Thresholds()) -> Similarity:
    """Similar and identical code per exercise, the released starter code removed."""
    exercises = {gid for gid, e in catalogue().exercises.items() if e["notebook"] in data.stems}
    released: dict[str, list[str]] = {}
    for name in course.notebook_names(data.assignment):
        released.update(exercise_cells(json.loads((course.release(data.assignment) / name).read_text(encoding="utf-8")),
                                       exercises))
    code: dict[str, dict[str, str]] = defaultdict(dict)
    for (student, _), nb in data.notebooks.items():
        for grade_id, cells in exercise_cells(nb, exercises).items():
            code[grade_id][student] = own_code(cells, released.get(grade_id, []))
    starter = {gid: "\n\n".join(cells) for gid, cells in released.items()}
    notebook_of = {gid: e["notebook"] for gid, e in catalogue().exercises.items()}
    return compare_class(dict(code), starter, thresholds, notebook_of)


# ---------------------------------------------------------------- write

def write(out: Path, rows: list[Row] | None = None, db_url: str | None = None,
          thresholds: Thresholds = Thresholds(), assignment: str | None = None) -> Path:
    """Write report.html, mistakes.csv and similarity.csv into `out`; returns the report's path."""
    started = time.monotonic()
    data = load(out, rows, db_url, assignment)
    found = mistakes(data)
    similar = similarity(data, thresholds)
    write_mistakes_csv(found, out / MISTAKES_CSV)
    write_similarity_csv(similar, out / SIMILARITY_CSV)
    html = render(data, found, similar, thresholds, seconds=time.monotonic() - started)
    path = out / REPORT
    return atomic.write_text(path, html)


def write_mistakes_csv(found: list[Mistake], path: Path) -> Path:
    from .grades import cell, csv_writer  # safe in a spreadsheet, as grades.csv

    with atomic.replacing(path, newline="") as f:
        writer = csv_writer(f)
        writer.writerow(["student_id", "notebook", "exercise", "mistake", "checks", "en", "zh"])
        for m in found:
            writer.writerow([cell(m.student_id), cell(m.notebook), m.exercise, m.mistake, cell("; ".join(m.checks)),
                             cell(m.en), cell(m.zh)])
    return path


def write_similarity_csv(similar: Similarity, path: Path) -> Path:
    from .grades import cell, csv_writer  # student ids are hostile text

    with atomic.replacing(path, newline="") as f:
        writer = csv_writer(f)
        writer.writerow(["rank", "kind", "notebook", "exercise", "student_a", "student_b", "similarity",
                         "share_a", "share_b", "shared_fingerprints", "identical_code", "flagged"])
        rank = 0
        for group in similar.identical:
            for a_index, a in enumerate(group.students):
                for b in group.students[a_index + 1:]:
                    rank += 1
                    writer.writerow([rank, "identical hand-in", group.notebook, "", cell(a), cell(b), 1, 1, 1, "", "yes", "yes"])
        notebook_of = {gid: e["notebook"] for gid, e in catalogue().exercises.items()}
        for p in similar.pairs:
            rank += 1
            writer.writerow([rank, "similar code", notebook_of.get(p.exercise, ""), p.exercise, cell(p.a), cell(p.b),
                             f"{p.similarity:.3f}", f"{p.share_a:.3f}", f"{p.share_b:.3f}", p.shared,
                             "yes" if p.identical else "no", "yes" if p.flagged else "no"])
    return path


def render(data: ClassData, found: list[Mistake], similar: Similarity, thresholds: Thresholds = Thresholds(),
           seconds: float = 0.0) -> str:
    from . import report_plots as plots

    refs = catalogue()
    notebooks = notebook_stats(data)
    exercises = exercise_stats(data)
    times = grading_times(data)
    students = sorted({r.student_id for r in data.rows})
    shown = [p for p in similar.flagged][:SHOWN_PAIRS]
    graded_exercises = [s for s in exercises if s.scores]
    return pages.render(
        "class_report.html.j2",
        assignment=data.assignment,
        generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        students=students,
        rows_by_student={s: [r for r in data.rows if r.student_id == s] for s in students},
        graded_count=len(data.notebooks),
        notebooks=notebooks,
        exercises=exercises,
        titles={gid: e["title"] for gid, e in refs.exercises.items()},
        notebook_of={gid: e["notebook"] for gid, e in refs.exercises.items()},
        common=common_mistakes(data, found),
        mistake_count=len(found),
        attention=needs_attention(data),
        copied=copied_values(data),
        copied_at=COPIED_VALUES_AT,
        times=times,
        times_table=[(stem, len(ts), statistics.median(t for t, _ in ts), statistics.mean(t for t, _ in ts), *ts[0])
                     for stem, ts in times.items()],
        feedback=data.feedback,
        similar=similar,
        shown_pairs=[(p, side_by_side(p)) for p in shown],
        thresholds=thresholds,
        plot_notebooks=plots.score_histograms([(s.title, s.scores, s.possible) for s in notebooks], columns=5)
        if any(s.scores for s in notebooks) else "",
        plot_exercises=plots.score_histograms([(s.key, s.scores, s.possible) for s in graded_exercises])
        if graded_exercises else "",
        plot_hardest=plots.hardest_exercises([(s.key, s.share) for s in graded_exercises]) if graded_exercises else "",
        plot_times=plots.grading_times([(stem, [t for t, _ in ts]) for stem, ts in times.items()]) if times else "",
        build_seconds=seconds,
        files={"grades": "grades.csv", "mistakes": MISTAKES_CSV, "similarity": SIMILARITY_CSV},
    )


def side_by_side(pair) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Each side's lines (at most SHOWN_LINES) with whether a shared fingerprint covers them."""
    def side(code: str, matching: set[int]) -> list[tuple[str, bool]]:
        return [(line, i in matching) for i, line in enumerate(code.splitlines()[:SHOWN_LINES])]

    return side(pair.code_a, pair.lines_a), side(pair.code_b, pair.lines_b)
