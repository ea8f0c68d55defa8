"""`autograde grade` on a class built from the course: honest, alternative, wrong, cheating
and broken hand-ins, with the exact scores and statuses expected in grades.csv."""
import csv
import json
import sqlite3
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograde import course
from autograde.verdict import references
import example_class as ex
import stock
from autograde.grading.grader import STATE_FILE, Settings, grade
from autograde.intake.submissions import Intake, collect
from autograde.verdict.mistakes import KEY_THEN_QUERY, MISTAKES, QUERY_THEN_KEY
from autograde.reports.grades import write_csv
from autograde.verdict.statuses import say
from catalogued import assert_catalogued


NB1 = ex.NB1
STEM1 = NB1[:-6]
NAMES = ex.ASSIGNMENT_NOTEBOOKS
SETTINGS = Settings()  # the course's own cell timeout (nbgrader_config.py): no honest hand-in races it
# the one hand-in meant to hit the cell timeout, graded in a run of its own with a short one, so
# that the class's grades never depend on how loaded the machine is
STUCK, STUCK_SETTINGS = "bad-endless-loop", Settings(timeout=5, workers=1)

# correct solutions written differently from ours: loops, einsum, torch.softmax, float64 intermediates
ALTERNATIVES = {
    NB1: [("attn_scores = torch.empty(inputs.shape[0])\n    for i, x_i in enumerate(inputs):\n"
           "        attn_scores[i] = torch.dot(x_i, query)\n    return attn_scores",
           "return torch.einsum('td,d->t', inputs, query)"),
          ("torch.exp(x) / torch.exp(x).sum(dim=0)", "torch.softmax(x, dim=0)"),
          ("context_vec = torch.zeros(inputs.shape[1])\n    for i, x_i in enumerate(inputs):\n"
           "        context_vec += attn_weights[i] * x_i\n    return context_vec",
           "return (attn_weights.double()[:, None] * inputs.double()).sum(dim=0).float()")],
    "02_attention_all_tokens.ipynb": [
        ("return inputs @ inputs.T", "return torch.stack([torch.stack([torch.dot(a, b) for b in inputs]) for a in inputs])"),
        ("torch.softmax(attn_scores, dim=-1)", "(attn_scores.exp() / attn_scores.exp().sum(dim=-1, keepdim=True))")],
    "03_trainable_weights.ipynb": [
        ("attn_scores = query @ keys.T\n    return torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)",
         "attn_scores = query.double() @ keys.double().T\n    return torch.softmax(attn_scores * keys.shape[-1]**-0.5, dim=-1).float()"),
        ("attn_scores = queries @ keys.T  # omega", "attn_scores = torch.einsum('qd,kd->qk', queries, keys)  # omega"),
        # layers created in another order than the book's: the checks load the book's weights by name
        ("self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)\n        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)",
         "self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)\n        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)")],
    "04_causal_attention.ipynb": [
        ("return attn_scores.masked_fill(mask.bool(), -torch.inf)",
         "return torch.where(mask.bool(), torch.full_like(attn_scores, float('-inf')), attn_scores)"),
        (QUERY_THEN_KEY, KEY_THEN_QUERY)],  # layers created in another order than the book's cost nothing
    "07_attention_that_learns.ipynb": [
        ("pattern = torch.zeros(num_tokens, num_tokens)\n    pattern[0, 0] = 1.0  # nothing comes before the first token: it can only attend to itself\n"
         "    for i in range(1, num_tokens):\n        pattern[i, i - 1] = 1.0\n    return pattern",
         "pattern = torch.eye(num_tokens).roll(-1, dims=1).tril()\n    pattern[0, 0] = 1.0\n    return pattern.tolist()"),
        # another design: any scale that makes the right key win by enough passes
        ("strength = 10.0 * context_length", "strength = 40.0")],
    "05_multi_head_attention.ipynb": [
        ("return torch.cat([head(x) for head in self.heads], dim=-1)",
         "return torch.stack([head(x) for head in self.heads], dim=-2).flatten(-2)"),
        # layer order costs nothing: W_key created before W_query (checks use probes.with_book_weights)
        ("self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)\n        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)",
         "self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)\n        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)")],
    "06_multi_head_in_practice.ipynb": [
        ("return sum(p.numel() for p in model.parameters())",
         "total = 0\n    for p in model.parameters():\n        total += p.numel()\n    return total")],
}

CHEATS = {
    # replace the check helpers: stock nbgrader believes whatever the kernel prints
    "cheat-patched-checks": ex.answered(NB1, {"ex1-dot-scores-solution": ex.PATCHED_CHECKS}),
    "cheat-patched-torch": ex.answered(NB1, {"ex1-dot-scores-solution": (
        "torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"
        "torch.testing.assert_close = lambda *a, **k: None\n"
        "def dot_scores(inputs, query):\n    return torch.zeros(inputs.shape[0])\n"
        "query = inputs[1]\nattn_scores_2 = dot_scores(inputs, query)")}),
    "cheat-patched-builtins": ex.answered(NB1, {"ex1-dot-scores-solution": (
        "import builtins\nbuiltins.repr = lambda obj: '2.0'\nquery = inputs[1]")}),
    "cheat-always-equal": ex.answered(NB1, {"ex1-dot-scores-solution": (
        "class Anything:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
        "def dot_scores(inputs, query):\n    return Anything()\nquery = inputs[1]\nattn_scores_2 = dot_scores(inputs, query)")}),
    "cheat-lying-tensor": ex.answered(NB1, {"ex1-dot-scores-solution": (
        "class Liar(torch.Tensor):\n    @classmethod\n    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
        "        return True\n"
        "def dot_scores(inputs, query):\n    return torch.zeros(inputs.shape[0]).as_subclass(Liar)\n"
        "query = inputs[1]\nattn_scores_2 = dot_scores(inputs, query)")}),
    "cheat-fake-output": ex.answered(NB1, {"ex1-dot-scores-solution": (
        "from IPython.display import display\nfrom autograde.kernel.exercise import CHECK_MIME\n"
        "from autograde.verdict.values import encode\n"
        "print('✅ attn_scores_2: matches the reference')\n"
        "display({CHECK_MIME: {'name': 'attn_scores_2', 'value': encode({'value': inputs @ inputs[1]})}}, raw=True)\n"
        "query = inputs[1]")}),
    "cheat-hard-coded": ex.hard_coded_nb1(),
    "cheat-edited-tests": ex.text(nbformat.from_dict({**ex.blank(NB1), "cells": [
        nbformat.from_dict({**c, "source": "print('all checks passed')\n2.0"}) if c.metadata.get("nbgrader", {}).get("grade") else c
        for c in ex.blank(NB1).cells]})),
}
# cheats whose answer cell imports from the course's package: what the status names
TAKEN_FROM_COURSE = {"cheat-patched-checks": "autograde.kernel.exercise",
                     "cheat-fake-output": "autograde.kernel.exercise.CHECK_MIME, autograde.verdict.values.encode"}
# reads the references from inside the kernel; the sandbox hides the hidden ones
READS_REFERENCES = ex.answered(NB1, {
    "ex1-dot-scores-solution": (
        "import inspect\nfrom autograde.verdict.references import references\n"
        "def _answer():\n    frame = inspect.currentframe()\n"
        "    while frame is not None and 'name' not in frame.f_locals:\n        frame = frame.f_back\n"
        "    return references().expected(frame.f_locals['name'])\n"
        "dot_scores = softmax_naive = context_vector = lambda *args: _answer()\n"
        "query = inputs[1]\nattn_scores_2 = references().expected('attn_scores_2')\n"
        "print('hidden references here:', len(references().hidden))"),
    "ex2-softmax-naive-solution": "attn_weights_2 = references().expected('attn_weights_2')",
    "ex3-context-vector-solution": "context_vec_2 = references().expected('context_vec_2')",
})


def nb1_with(change) -> str:
    return ex.text(with_change(ex.solved(NB1), change))


def with_change(nb, change):
    change(nb)
    return nb


def edit_cell(grade_id: str, old: str, new: str):
    def change(nb):
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        assert old in cell.source
        cell.source = cell.source.replace(old, new)
    return change


# the book's inputs edited in their read-only cell: graded with the release's, the edit named
EDITED_INPUT = ("        [0.43, 0.15, 0.89],  # Your     (x^1)", "        [1.0, 1.0, 1.0],  # Your     (x^1)")


def drop(grade_ids):
    return lambda nb: nb.cells.__setitem__(slice(None), [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in grade_ids])


def duplicate(grade_id):
    def change(nb):
        i = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        copy = nbformat.from_dict(nb.cells[i])
        copy.id = "duplicate"
        nb.cells.insert(i + 1, copy)
    return change


def move_before(grade_id, before):
    def change(nb):
        ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
        cell = nb.cells.pop(ids.index(grade_id))
        ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
        nb.cells.insert(ids.index(before), cell)
    return change


def retype(grade_id):
    def change(nb):
        for i, c in enumerate(nb.cells):
            if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                nb.cells[i] = nbformat.v4.new_markdown_cell(c.source, metadata=c.metadata, id=c.id)
    return change


def forge_metadata(nb):
    """Notes, times and verdicts of its own, where the grader keeps them."""
    nb.metadata["autograde"] = {"notes": ["all good"], "seconds": 999}
    for c in nb.cells:
        c.metadata["autograde"] = {"checks": [{"name": "attn_scores_2", "passed": False, "mistake": "forged", "en": "x", "zh": "x"}]}


def strip_metadata(nb):
    for c in nb.cells:
        c.metadata.pop("nbgrader", None)


def nbformat3() -> str:
    return nbformat.writes(nbformat.convert(ex.solved(NB1), 3), version=3)


BROKEN = {
    "bad-empty": {NB1: b""},
    "bad-truncated": {NB1: ex.text(ex.solved(NB1))[:5000]},
    "bad-not-notebook": {NB1: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "02_attention_all_tokens.ipynb": '["cells"]'},
    "bad-nbformat3": {NB1: nbformat3()},
    "bad-missing-and-extra": {NB1: ex.text(ex.solved(NB1)), "notes.txt": "my notes", "01_attention_without_weights (1).ipynb": "{}"},
    "bad-deleted-cells": {NB1: nb1_with(drop({"setup-01", "ex1-dot-scores"}))},
    "bad-duplicated-cells": {NB1: nb1_with(duplicate("ex2-softmax-naive"))},
    # a test cell duplicated as students have it (the release's, without its hidden tests): a copy, not a forgery
    "bad-duplicated-release-test": {NB1: ex.text(with_change(ex.blank(NB1), duplicate("ex2-softmax-naive")))},
    "bad-reordered-cells": {NB1: nb1_with(move_before("ex3-context-vector", "ex3-context-vector-solution"))},
    "bad-retyped-cells": {NB1: nb1_with(retype("ex1-dot-scores"))},
    "bad-no-metadata": {NB1: nb1_with(strip_metadata)},
    "bad-forged-metadata": {NB1: nb1_with(forge_metadata)},
    "bad-edited-inputs": {NB1: nb1_with(edit_cell("inputs-01", *EDITED_INPUT))},
    "bad-endless-loop": {NB1: ex.with_cell(ex.solved(NB1), "ex1-dot-scores", "while True:\n    pass")},
    "bad-memory-hog": {NB1: ex.with_cell(ex.solved(NB1), "ex1-dot-scores", "hog = torch.ones(2**30)  # 4 GiB")},
    "bad-kernel-exit": {NB1: ex.with_cell(ex.solved(NB1), "ex2-softmax-naive", "import os\nos._exit(1)")},
    "bad-segfault": {NB1: ex.with_cell(ex.solved(NB1), "ex1-dot-scores", "import ctypes\nctypes.string_at(0)")},
    "bad-output-flood": {NB1: ex.with_cell(ex.solved(NB1), "ex1-dot-scores", "for _ in range(200_000):\n    print('x' * 100)")},
}


def full(stem):
    return {gid: e["points"] for gid, e in references.load(hidden=False).exercises_of(stem).items()}


def zero(stem):
    return dict.fromkeys(full(stem), 0.0)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, working_sandbox):
    tmp = tmp_path_factory.mktemp("class")
    students = {"solved": {n: ex.text(ex.solved(n)) for n in NAMES}, "blank": {n: ex.text(ex.blank(n)) for n in NAMES},
                "alternative": {n: ex.edited(n, edits) for n, edits in ALTERNATIVES.items()}}
    for mistake_id in MISTAKES:
        name, content = ex.with_mistake(mistake_id)
        students[f"mistake-{mistake_id}"] = {name: content}
    students.update({student: {NB1: content} for student, content in CHEATS.items()})
    students["cheat-reads-references"] = {NB1: READS_REFERENCES}
    students.update(BROKEN)
    source = ex.write_class(tmp / "submitted", students)
    out = tmp / "out"
    rows = grade_class(source, out)
    write_csv(rows, out / "grades.csv")
    return source, out, students, rows


def grade_class(source: Path, out: Path) -> list:
    """The class into `out`, in two runs: everyone with the course's cell timeout, then STUCK."""
    handins = collect(source)
    rows = grade(Intake([h for h in handins if h.student_id != STUCK], handins.unrecognised), out, settings=SETTINGS)
    rows += grade(Intake([h for h in handins if h.student_id == STUCK], []), out, settings=STUCK_SETTINGS)
    return sorted(rows, key=lambda r: (r.student_id, r.notebook))


def csv_rows(out: Path) -> dict:
    with (out / "grades.csv").open(encoding="utf-8") as f:
        return {(r["student_id"], r["notebook"]): r for r in csv.DictReader(f)}


def scores(row) -> dict:
    return {k: float(v) for k, v in row.items() if k.startswith("ex") and v != ""}


def assert_notebook(graded, student, stem, expected_scores, status="ok"):
    row = csv_rows(graded[1])[(student, stem)]
    assert row["status"] == status, row
    assert scores(row) == expected_scores, row
    assert float(row["score"]) == sum(expected_scores.values())
    assert float(row["max_score"]) == sum(full(stem).values())


def test_every_student_and_notebook_has_a_row(graded):
    rows = csv_rows(graded[1])
    for student in graded[2]:
        for name in NAMES:
            assert (student, name[:-6]) in rows


def test_solutions_and_alternative_solutions_get_full_marks(graded):
    for student in ("solved", "alternative"):
        for name in NAMES:
            assert_notebook(graded, student, name[:-6], full(name[:-6]))


def test_untouched_release_gets_nothing(graded):
    for name in NAMES:
        assert_notebook(graded, "blank", name[:-6], zero(name[:-6]))


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_each_mistake_loses_exactly_its_points(graded, mistake):
    assert_notebook(graded, f"mistake-{mistake.id}", mistake.notebook, {**full(mistake.notebook), **mistake.scores})
    other = next(n[:-6] for n in NAMES if n[:-6] != mistake.notebook)
    assert_notebook(graded, f"mistake-{mistake.id}", other, zero(other), status=say("missing"))


@pytest.mark.parametrize("cheat", CHEATS)
def test_cheats_earn_only_what_they_computed(graded, cheat):
    # hard-coded values pass the one check they copy, the book's input, and no other
    book_input = next(c["points"] for c in references.load(hidden=False).exercises["ex1-dot-scores"]["checks"]
                      if c["name"] == "attn_scores_2")
    expected = {**zero(STEM1), "ex1-dot-scores": book_input} if cheat == "cheat-hard-coded" else zero(STEM1)
    # a cheat that imports the course's checks or encoders into its answer is also named for it,
    # and one that tampers with the checks is named with its evidence (issue: "ok with 0" says nothing)
    named = [say("course-answer", exercise="Exercise 1: dot-product scores",
                 what=say("course-imports", names=TAKEN_FROM_COURSE[cheat]))] if cheat in TAKEN_FROM_COURSE else []
    named += tampering_named(cheat)
    assert_notebook(graded, cheat, STEM1, expected, status="; ".join(m.en for m in named) or "ok")


def tampering_named(cheat: str) -> list:
    """The statuses that name what `cheat` did to the checks, in the order grading finds them."""
    release = nbformat.read(course.release("ch03") / NB1, as_version=4)
    position = {c.metadata["nbgrader"]["grade_id"]: i + 1 for i, c in enumerate(release.cells) if "nbgrader" in c.metadata}
    tests = [c.metadata["nbgrader"]["grade_id"] for c in release.cells if c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")]
    return {
        # the first test cell after the patch runs with the originals, and the row says which were replaced
        "cheat-patched-torch": [say("machinery-restored", cell=position["ex1-dot-scores"],
                                    names="torch.allclose, torch.equal, torch.testing.assert_close")],
        "cheat-patched-builtins": [say("machinery-restored", cell=position["ex1-dot-scores"], names="builtins.repr")],
        # a check result displayed by the answer cell: never counted, named
        "cheat-fake-output": [say("check-outside-test", cells=str(position["ex1-dot-scores-solution"]))],
        # each test cell put back as released, its first changed line quoted
        "cheat-edited-tests": [say("test-cell-edited", grade_id=g, line=1, text=repr("print('all checks passed')"))
                               for g in tests],
    }.get(cheat, [])


def test_hidden_references_are_out_of_reach(graded):
    # the hidden references are not in the sandbox: the student's own code counted them
    nb = nbformat.read(graded[1] / ".nbgrader" / "autograded" / "cheat-reads-references" / "ch03" / f"{STEM1}.ipynb",
                       as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "hidden references here: 0" in printed, printed
    # and the visible ones, read through the course's package, earn nothing: every exercise used them
    row = csv_rows(graded[1])[("cheat-reads-references", STEM1)]
    assert scores(row) == zero(STEM1) and row["status"].count("so the exercise scores 0") == len(zero(STEM1)), row


@pytest.mark.parametrize("student, stem, expected, status", [
    ("bad-empty", STEM1, "zero", say("empty-file")),
    ("bad-truncated", STEM1, "zero", say("invalid-json")),
    ("bad-not-notebook", STEM1, "zero", say("not-utf8")),
    ("bad-not-notebook", "02_attention_all_tokens", "zero", say("no-cells")),
    ("bad-nbformat3", STEM1, "full", "converted from nbformat 3"),
    ("bad-missing-and-extra", STEM1, "full", "ok"),
    ("bad-missing-and-extra", "02_attention_all_tokens", "zero", say("missing")),
    ("bad-deleted-cells", STEM1, "full", "restored deleted cells: setup-01, ex1-dot-scores"),
    ("bad-duplicated-cells", STEM1, "full", "duplicate cells ignored"),
    ("bad-duplicated-release-test", STEM1, "zero", "duplicate cells ignored"),
    ("bad-reordered-cells", STEM1, {"ex3-context-vector": 0.0}, "cells reordered"),
    ("bad-retyped-cells", STEM1, "full", "cell type restored"),
    ("bad-no-metadata", STEM1, "full", "nbgrader metadata restored"),
    ("bad-forged-metadata", STEM1, "full", "ok"),
    ("bad-edited-inputs", STEM1, "full", say("read-only-cell-edited", grade_id="inputs-01", line=3, text=repr(EDITED_INPUT[1]))),
    ("bad-endless-loop", STEM1, "full", say("cell-timeout", cell=9)),
    ("bad-memory-hog", STEM1, "full", say("cell-memory", cell=9)),
    ("bad-kernel-exit", STEM1, {"ex3-context-vector": 0.0}, say("kernel-died", cell=16)),
    ("bad-segfault", STEM1, {"ex2-softmax-naive": 0.0, "ex3-context-vector": 0.0}, say("kernel-died", cell=9)),
    ("bad-output-flood", STEM1, "full", say("output-truncated")),
])
def test_broken_hand_ins_get_a_clear_status(graded, student, stem, expected, status):
    scores_ = zero(stem) if expected == "zero" else full(stem) if expected == "full" else {**full(stem), **expected}
    assert_notebook(graded, student, stem, scores_, status)


def test_every_status_comes_from_the_catalogue(graded):
    assert_catalogued(graded[3])


def test_extra_files_get_their_own_row(graded):
    rows = csv_rows(graded[1])
    assert rows[("bad-missing-and-extra", "notes.txt")]["status"] == "not part of this assignment, ignored"
    assert rows[("bad-missing-and-extra", "01_attention_without_weights (1).ipynb")]["max_score"] == "0"


def test_submissions_are_never_modified(graded):
    source, _, students, _ = graded
    for student, files in students.items():
        for name, content in files.items():
            data = content if isinstance(content, bytes) else content.encode()
            assert (source / student / "ch03" / name).read_bytes() == data


def test_feedback_is_bilingual_and_reveals_no_hidden_tests(graded):
    feedback = graded[1] / "feedback" / "mistake-softmax-dim-0" / "02_attention_all_tokens.html"
    page = feedback.read_text(encoding="utf-8")
    assert "use dim=-1" in page and "请用 dim=-1" in page
    assert "BEGIN HIDDEN TESTS" not in page and "seeded(42)" not in page
    solved = (graded[1] / "feedback" / "solved" / NB1.replace(".ipynb", ".html")).read_text(encoding="utf-8")
    assert "hidden input" in solved and "✅" in solved
    assert "<html lang='en'>" in page and "use dim=-1<br><span lang='zh-CN'>" in page


@pytest.mark.parametrize("lang, html_lang, shown, hidden", [
    ("en", "en", ["use dim=-1", "restored deleted cells: setup-01", "hidden input"], ["请用 dim=-1", "已恢复被删除的单元格", "隐藏输入"]),
    ("zh", "zh-CN", ["请用 dim=-1", "已恢复被删除的单元格：setup-01", "隐藏输入"], ["use dim=-1", "restored deleted cells", "hidden input"]),
])
def test_feedback_in_one_language(graded, lang, html_lang, shown, hidden):
    """The page `grade --lang en|zh` writes: verdicts, hints, labels and the status in that language only."""
    from autograde.grading import feedback

    out, rows = graded[1], graded[3]
    nb = nbformat.read(out / ".nbgrader" / "autograded" / "mistake-softmax-dim-0" / "ch03" / "02_attention_all_tokens.ipynb",
                       as_version=4)
    row = next(r for r in rows if (r.student_id, r.notebook) == ("bad-deleted-cells", STEM1))
    page = feedback.page(nb, "someone", "02_attention_all_tokens", 1, 2, row.status, lang, row.status_in("zh"))
    assert f"<html lang='{html_lang}'>" in page
    assert all(text in page for text in shown) and not any(text in page for text in hidden), page


# what nbgrader keeps per student, by names that stay the same when a run records them again
GRADEBOOK_KEYS = {
    "student": "select id from student",
    "submission": "select s.student_id, a.name from submitted_assignment s join assignment a on a.id = s.assignment_id",
    "notebook": ("select s.student_id, n.name from submitted_notebook sn join submitted_assignment s on s.id = sn.assignment_id "
                 "join notebook n on n.id = sn.notebook_id"),
    "grade": ("select s.student_id, n.name, c.name from grade g join base_cell c on c.id = g.cell_id "
              "join submitted_notebook sn on sn.id = g.notebook_id join submitted_assignment s on s.id = sn.assignment_id "
              "join notebook n on n.id = sn.notebook_id"),
}


def gradebook(out: Path) -> dict[str, list]:
    with sqlite3.connect(out / "gradebook.db") as db:
        return {table: sorted(db.execute(query).fetchall()) for table, query in GRADEBOOK_KEYS.items()}


# graded again by the second run: every notebook of the assignment, one with a known mistake, and
# one nbgrader records as far as its kernel got (the rest keep their state: it costs less)
AGAIN = ("solved", "mistake-softmax-dim-0", "bad-kernel-exit")


def test_a_second_run_changes_nothing(graded, executed):
    """Graded again (their resume state removed, so nbgrader records them once more into the same
    gradebook): not one row more, and the same grades.csv."""
    source, out, _, _ = graded
    before, rows_before = (out / "grades.csv").read_bytes(), gradebook(out)
    assert all(len(set(keys)) == len(keys) for keys in rows_before.values())
    state = (out / STATE_FILE).read_text(encoding="utf-8").splitlines(keepends=True)
    (out / STATE_FILE).write_text("".join(line for line in state if json.loads(line)["student"] not in AGAIN), encoding="utf-8")
    write_csv(grade_class(source, out), out / "grades.csv")
    autograded = [p for student in AGAIN for p in (out / ".nbgrader" / "autograded" / student).rglob("*.ipynb")]
    assert len(executed) == len(autograded) >= len(NAMES) + len(AGAIN) - 1  # each of them ran again, and only them
    assert gradebook(out) == rows_before
    assert (out / "grades.csv").read_bytes() == before


# honest hand-ins stock nbgrader grades too, in the run shared with test_stock_autograde and
# test_recording (tests/stock.py): the same notebooks this class hands in under these ids
HONEST = [stock.hand_in("alternative", {n: ex.edited(n, edits) for n, edits in ALTERNATIVES.items()}),
          *(stock.hand_in(f"mistake-{m}", dict([ex.with_mistake(m)]))
            for m in ("softmax-dim-0", "mask-off-by-one", "no-sqrt-dk-scaling"))]


def test_honest_scores_agree_with_stock_nbgrader(graded, stock_class):
    """Stock nbgrader, run on the same honest hand-ins, gives the same scores."""
    source, out, students, _ = graded
    rows = csv_rows(out)
    compared = 0
    for student in HONEST:
        for stem, stock_scores in stock_class.scores(student).items():
            if (source / student / "ch03" / f"{stem}.ipynb").exists():
                assert nbformat.read(source / student / "ch03" / f"{stem}.ipynb", as_version=4) == nbformat.reads(
                    stock.handed_in(student)[f"{stem}.ipynb"], as_version=4), (student, stem)  # the notebook stock graded
                assert scores(rows[(student, stem)]) == stock_scores, (student, stem)
                compared += 1
    assert compared == len(ALTERNATIVES) + 3


def test_class_report_of_this_class(graded):
    """The class report, rebuilt from the gradebook: every catalogue mistake counted under its
    own id, every broken hand-in among the students who need attention."""
    from autograde.reports import class_report

    _, out, students, _ = graded
    class_report.write(out)
    with (out / "mistakes.csv").open(encoding="utf-8") as f:
        found = {(r["student_id"], r["mistake"]) for r in csv.DictReader(f)}
    refs = references.load()
    for mistake in MISTAKES.values():  # whether it changes a value, its shape, or crashes with a known error
        assert (f"mistake-{mistake.id}", mistake.id) in found, mistake.id
    assert not any(student in ("solved", "alternative", "bad-forged-metadata") for student, _ in found)
    page = (out / "report.html").read_text(encoding="utf-8")
    attention = page[page.index('<table id="attention-table">'):page.index('<h2 id="similarity">')]
    for student in BROKEN:
        assert f">{student}</td>" in attention
    with (out / "similarity.csv").open(encoding="utf-8") as f:
        identical = {(r["notebook"], r["student_a"], r["student_b"]) for r in csv.DictReader(f) if r["kind"] == "identical hand-in"}
    assert (STEM1, "bad-missing-and-extra", "solved") in identical
    assert "999.00 s" not in page  # the forged run time
