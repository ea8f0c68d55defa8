"""An answer taken from the course's own package earns nothing, however it is reached (issue:
the course's versions of the book's classes are importable). Routes, each attacked: an import,
importlib with a split name, attribute access, a subclass, methods borrowed from a course class,
a course helper that would compute the answer; and honest code that uses torch and earlier
cells is never flagged."""
import re

import nbformat
import pytest
import torch
from torch import nn

import example_class as ex
from autograde import course
from autograde.grading.course_answers import course_code_ran, course_reference, given_names, withheld_files
from autograde.grading.grader import Settings, grade
from autograde.kernel import book, exercise
from autograde.kernel.probes import build
from autograde.verdict.references import references
from autograde.workers.sandbox import bubblewrap

NB3, NB4, NB5 = "03_trainable_weights.ipynb", "04_causal_attention.ipynb", "05_multi_head_attention.ipynb"
NB6 = "06_multi_head_in_practice.ipynb"
CA_SOLUTION = "ex17-causal-attention-solution"
# the lines after the class in exercise 17's answer cell: they build `ca` and `context_vecs`
CA_USE = """

torch.manual_seed(123)
context_length = batch.shape[1]
ca = CausalAttention(d_in, d_out, context_length, 0.0)
context_vecs = ca(batch)
"""
# How a student reaches for the course's CausalAttention in exercise 17's answer cell
ROUTES = {
    "import": "from autograde.kernel.book import CausalAttention",
    "attribute": "import autograde.kernel.book as b\nCausalAttention = b.CausalAttention",
    "subclass": "from autograde.kernel import book\n\n\nclass CausalAttention(book.CausalAttention):\n    pass",
    "importlib-split": ("import importlib\n"
                        "CausalAttention = getattr(importlib.import_module('auto' + 'grade.kernel.book'), 'Causal' + 'Attention')"),
    "methods-split": ("import importlib\n_b = importlib.import_module('auto' + 'grade.kernel.book.causal_attention')\n\n\n"
                      "class CausalAttention(nn.Module):\n    __init__ = _b.CausalAttention.__init__\n"
                      "    forward = _b.CausalAttention.forward"),
}
STATICALLY_SEEN = {"import", "attribute", "subclass"}  # the others only show when they run


def answer_cells() -> list[tuple[str, str, str]]:
    """(notebook, grade id, source) of every answer cell of the course's solutions."""
    found = []
    for assignment in course.assignments():
        for name in course.notebook_names(assignment):
            for cell in ex.solved(name).cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type == "code" and meta.get("solution"):
                    found.append((name, meta["grade_id"], cell.source))
    return found


def test_every_book_module_answers_an_exercise_of_the_course():
    exercises = references().exercises
    for module, (answers, classes) in book.answer_modules().items():
        assert answers in exercises, f"book/{module}.py names no exercise of the course: {answers!r}"
        assert classes, module


def test_the_answers_of_a_notebook_are_withheld_while_it_is_graded_and_given_after():
    assert withheld_files("ch03", "03_trainable_weights") == ["kernel/book/self_attention_v2.py"]
    assert withheld_files("ch03", "04_causal_attention") == ["kernel/book/causal_attention.py"]
    assert withheld_files("ch03", "05_multi_head_attention") == ["kernel/book/multi_head_attention.py",
                                                                  "kernel/book/multi_head_attention_wrapper.py"]
    assert withheld_files("ch03", "06_multi_head_in_practice") == []
    # what a notebook's read-only cells import is never withheld from it: it would not run
    for assignment in course.assignments():
        for name in course.notebook_names(assignment):
            stem = name[:-6]
            withheld = {path.split("/")[-1][:-3] for path in withheld_files(assignment, stem)}
            given = {book.module_of(n.rsplit(".", 1)[1]) for n in given_names(assignment, stem)}
            assert not withheld & given, (name, withheld & given)


def test_honest_answers_are_never_flagged():
    for name, grade_id, source in answer_cells():
        assert course_reference(source, given_names("ch03", name[:-6])) is None, (name, grade_id)
    # an answer that uses the class the notebook is given (notebook 5's heads) is honest too
    assert course_reference("from autograde.kernel.book import CausalAttention\nheads = [CausalAttention(3, 2, 6, 0.0)]",
                            given_names("ch03", "05_multi_head_attention")) is None


@pytest.mark.parametrize("route", sorted(STATICALLY_SEEN))
def test_the_grader_reads_an_answer_that_takes_the_course_package(route):
    found = course_reference(ROUTES[route], given_names("ch03", "04_causal_attention"))
    assert found is not None and found.code in ("course-imports", "course-names-package"), route
    assert "autograde" in found.en


def _refused(nb: nbformat.NotebookNode, stem: str) -> dict:
    from autograde.grading.course_answers import RESOURCE, RefuseCourseAnswers
    from autograde.grading.recording import AUTOGRADE_KEY

    resources = {"nbgrader": {"assignment": "ch03", "notebook": stem}}
    RefuseCourseAnswers().preprocess(nb, resources)
    return {grade_id: what.code for grade_id, what in resources[AUTOGRADE_KEY][RESOURCE].items()}


def test_a_name_taken_in_a_cell_of_its_own_counts_against_the_answers_that_use_it():
    # the import sits in a cell the student added at the top; a helper defined from it in another
    nb = nbformat.reads(ex.with_cell(ex.solved(NB4), "setup-04", "from autograde.verdict.references import references as r"), 4)
    nb = nbformat.reads(ex.with_cell(nb, "inputs-04", "def expected(name):\n    return r().expected(name)"), 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == CA_SOLUTION:
            cell.source += "\ncontext_vecs = expected('context_vecs (CausalAttention)')"
    assert _refused(nb, NB4[:-6]) == {"ex17-causal-attention": "course-uses"}
    # a name bound again by the student's own code is the student's
    honest = ex.solved(NB4)
    assert _refused(honest, NB4[:-6]) == {}


def test_a_helper_that_would_compute_an_answer_is_not_in_the_course():
    # notebook 5's shape trace runs the learner's own forward: asked for an answer, it recurses
    from autograde.kernel.trace import forward_steps

    assert not hasattr(book, "multi_head_steps")
    with pytest.raises(AttributeError):
        book.multi_head_steps  # noqa: B018

    class Borrowing(nn.Module):
        def forward(self, x):
            return forward_steps(self, x)[-1][1]

    with pytest.raises(RecursionError):
        Borrowing()(torch.rand(1, 3, 4))


class Subclassed(book.CausalAttention):
    pass


class Borrowed(nn.Module):
    __init__ = book.CausalAttention.__init__
    forward = book.CausalAttention.forward


class Honest(nn.Module):
    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), 1))

    def forward(self, x):
        scores = self.W_query(x) @ self.W_key(x).transpose(1, 2)
        scores = scores.masked_fill(self.mask.bool()[:x.shape[1], :x.shape[1]], -torch.inf)
        return self.dropout(torch.softmax(scores / self.W_key.out_features**0.5, dim=-1)) @ self.W_value(x)


@pytest.mark.parametrize("cls,taken", [(Subclassed, True), (Borrowed, True), (Honest, False)])
def test_a_check_in_jupyterlab_says_when_it_ran_the_courses_answer(cls, taken, monkeypatch, capsys):
    monkeypatch.delenv("AUTOGRADE_MODE", raising=False)
    title = references().exercises["ex17-causal-attention"]["title"]
    x = torch.rand(2, 5, 3)
    check = exercise.Exercise(title)
    passed = check.check("context_vecs (CausalAttention)", lambda: build(123, lambda: cls(3, 2, 6, 0.0))(x), points=1)
    score = check.score()
    said = capsys.readouterr().out
    if taken:
        assert not passed and float(score) == 0.0
        assert "course's own causal_attention code" in said and "课程自带的 causal_attention 代码" in said
    else:
        assert "course's own" not in said


def test_a_grading_check_reports_the_course_code_it_ran(monkeypatch, capsys):
    # under `autograde grade` the check only hands out what ran; the grader decides
    monkeypatch.setenv("AUTOGRADE_MODE", "emit")
    shown = []
    monkeypatch.setattr(exercise, "_display", lambda plain, rich=None, extra=None: shown.append(extra))
    exercise.Exercise("any").check("v", lambda: Subclassed(3, 2, 6, 0.0)(torch.rand(1, 2, 3)), points=1)
    exercise.Exercise("any").check("w", lambda: Honest(3, 2, 6, 0.0)(torch.rand(1, 2, 3)), points=1)
    assert shown[0][exercise.CHECK_MIME]["course"] == ["causal_attention"]
    assert "course" not in shown[1][exercise.CHECK_MIME]


def _with_answer(name: str, grade_id: str, source: str) -> str:
    nb = ex.solved(name)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return nbformat.writes(nb)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not bubblewrap():
        pytest.fail("no sandbox: the answers are withheld by the sandbox (apt-get install bubblewrap)")
    tmp = tmp_path_factory.mktemp("course-answers")
    students = {}
    for i, (route, source) in enumerate(sorted(ROUTES.items())):
        students[f"{i:02d}a-{route}"] = {NB4: _with_answer(NB4, CA_SOLUTION, source + CA_USE)}
        students[f"{i:02d}b-honest"] = {NB4: ex.text(ex.solved(NB4))}
    students["10a-self-attention-v2"] = {NB3: _with_answer(NB3, "ex11-self-attention-v2-solution", (
        "from autograde.kernel.book import SelfAttention_v2\n\n\ntorch.manual_seed(789)\n"
        "sa_v2 = SelfAttention_v2(d_in, d_out)\nprint(sa_v2(inputs))"))}
    students["11a-helper"] = {NB5: ex.edited(NB5, [("class MultiHeadAttention(nn.Module):",
                                                    "from autograde.kernel.book import multi_head_steps\n\n\n"
                                                    "class MultiHeadAttention(nn.Module):")])}
    students["12a-gc"] = {NB4: _with_answer(NB4, CA_SOLUTION, GC_ROUTE + CA_USE)}
    # notebook 5's answers, taken from the course: notebook 6 is given them, notebook 5 is not
    students["12b-mha-import"] = {NB5: _with_answer(NB5, "ex20-multi-head-attention-solution", (
        "from autograde.kernel.book import MultiHeadAttention\n\n\ntorch.manual_seed(123)\n"
        "mha = MultiHeadAttention(3, 2, 6, 0.0, num_heads=2)\ncontext_vecs = mha(batch)"))}
    students["12c-wrapper-import"] = {NB5: _with_answer(NB5, "ex18-mha-wrapper-solution", (
        "from autograde.kernel.book import MultiHeadAttentionWrapper\n\n\ntorch.manual_seed(123)\n"
        "context_length, d_in, d_out = 6, 3, 2\n"
        "mha = MultiHeadAttentionWrapper(d_in, d_out, context_length, 0.0, num_heads=2)\ncontext_vecs = mha(batch)"))}
    students["13-honest"] = {name: ex.text(ex.solved(name)) for name in (NB3, NB4, NB5, NB6)}
    source = ex.write_class(tmp / "class", students)
    rows = grade(source, tmp / "out", settings=Settings(workers=1))
    return {(r.student_id, r.notebook): r for r in rows}, tmp / "out"


# memory instead of a module: any class called CausalAttention the process holds, found by gc
GC_ROUTE = """import gc
found = [o for o in gc.get_objects() if isinstance(o, type) and o.__name__ == 'Causal' + 'Attention']
print('course classes found:', len(found))
CausalAttention = found[0]"""


def _exercise_points(out, student: str, notebook: str, grade_id: str) -> float:
    nb = nbformat.read(out / ".nbgrader" / "autograded" / student / "ch03" / f"{notebook}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return sum(c["points"] for c in cell.metadata["autograde"]["checks"] if c["passed"])


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_course_class_earns_nothing_when_graded(graded, route):
    rows, out = graded
    student = next(s for s, _ in rows if s.endswith(f"a-{route}"))
    row = rows[(student, NB4[:-6])]
    assert _exercise_points(out, student, NB4[:-6], "ex17-causal-attention") == 0.0
    assert "course-answer" in [m["code"] for m in row.messages], row.status
    assert "Exercise 17" in row.status and re.search("course's (package|own answer)", row.status), row.status
    honest = rows[(student.replace("a-" + route, "b-honest"), NB4[:-6])]
    assert honest.status == "ok" and honest.score == honest.max_score
    # the student's feedback page names it, in both languages, on the status and on every check
    page = (out / "feedback" / student / f"{NB4[:-6]}.html").read_text(encoding="utf-8")
    assert "the course&#39;s own code earns no points" in page and "课程自带的代码不得分" in page
    assert page.count("it earns nothing") == len(references().exercises["ex17-causal-attention"]["checks"])


def test_the_class_report_names_the_students_who_took_the_courses_answers(graded, tmp_path):
    from autograde.reports import class_report

    rows, out = graded
    report = class_report.write(out, list(rows.values()), None, assignment="ch03").read_text(encoding="utf-8")
    for route in ROUTES:
        student = next(s for s, _ in rows if s.endswith(f"a-{route}"))
        assert student in report
    assert report.count("the course&#39;s own code earns no points") >= len(ROUTES)


def test_other_notebooks_routes_earn_nothing_and_an_honest_class_keeps_full_marks(graded):
    rows, out = graded
    assert _exercise_points(out, "10a-self-attention-v2", NB3[:-6], "ex11-self-attention-v2") == 0.0
    assert "course-answer" in [m["code"] for m in rows[("10a-self-attention-v2", NB3[:-6])].messages]
    helper = rows[("11a-helper", NB5[:-6])]
    assert _exercise_points(out, "11a-helper", NB5[:-6], "ex20-multi-head-attention") == 0.0
    assert "course-answer" in [m["code"] for m in helper.messages], helper.status
    for student, grade_id in (("12b-mha-import", "ex20-multi-head-attention"), ("12c-wrapper-import", "ex18-mha-wrapper")):
        assert _exercise_points(out, student, NB5[:-6], grade_id) == 0.0, student
        assert "course-answer" in [m["code"] for m in rows[(student, NB5[:-6])].messages], rows[(student, NB5[:-6])].status
    for name in (NB3, NB4, NB5, NB6):
        honest = rows[("13-honest", name[:-6])]
        assert honest.status == "ok" and honest.score == honest.max_score, honest


def test_the_course_class_is_nowhere_in_a_graded_notebooks_memory(graded):
    rows, out = graded
    nb = nbformat.read(out / ".nbgrader" / "autograded" / "12a-gc" / "ch03" / f"{NB4[:-6]}.ipynb", as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == CA_SOLUTION)
    printed = "".join(o.get("text", "") for o in answer.outputs if o.output_type == "stream")
    assert "course classes found: 0" in printed, answer.outputs
    assert _exercise_points(out, "12a-gc", NB4[:-6], "ex17-causal-attention") == 0.0


def test_without_bubblewrap_the_notebooks_own_namespaces_still_withhold_the_answer(tmp_path):
    students = {"methods": {NB4: _with_answer(NB4, CA_SOLUTION, ROUTES["methods-split"] + CA_USE)}}
    rows = grade(ex.write_class(tmp_path / "class", students), tmp_path / "out", settings=Settings(workers=1, sandbox=False))
    row = next(r for r in rows if r.notebook == NB4[:-6])
    assert _exercise_points(tmp_path / "out", "methods", NB4[:-6], "ex17-causal-attention") == 0.0
    assert "withheld while grading" in row.status, row.status


def test_where_nothing_could_be_withheld_the_checks_report_decides():
    # a notebook the worker could not confine runs with the whole package: its checks say what ran
    ran = [{"name": "context_vecs (CausalAttention)", "value": "...", "course": ["causal_attention"]}]
    assert course_code_ran("ex17-causal-attention", ran).code == "course-ran"
    assert course_code_ran("ex18-mha-wrapper", ran) is None  # notebook 5's heads are given: they may run
    assert course_code_ran("ex17-causal-attention", [{"name": "x", "error": "NameError: name 'ca' is not defined"}]) is None
