"""No hidden test reaches a student. A hand-in's function, when a hidden check calls it, reads
the hidden test's lines from the calling cell and prints them and raises them, with a marker:
the marker shows on no page a student may see (feedback page, `check --json`, the LMS comment,
the class report and mistakes.csv, the autograded notebook's outputs), the verdict names the
exception's type only, and an honest student graded after it on the same worker keeps full marks."""
import csv
import json

import nbformat
import pytest

import example_class as ex
import lms_exports as lx
from autograde import cli
from autograde.reports.grades import check_json
from autograde.student import check
from autograde.verdict.failures import code_failed, hidden_lines
from autograde.verdict.references import references
from autograde.workers.sandbox import bubblewrap
import skips

NB1 = ex.NB1
STEM1 = NB1[:-6]
MARKER = "LEAK-MARK-5D1F"

# dot_scores answers the visible checks, and on a hidden check's call leaks what it finds. Its own
# later cell says how many hidden lines it found (a count, no marker): proof that the attack saw them.
LEAKER = f'''import linecache, sys
FOUND = []

def dot_scores(inputs, query):
    caller = sys._getframe(1)
    lines = linecache.getlines(caller.f_code.co_filename)
    called_from = linecache.getline(caller.f_code.co_filename, caller.f_lineno).strip()
    hidden, inside = [], False
    for line in lines:
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside and line.strip():
            hidden.append(line.strip())
    if called_from in hidden:
        FOUND.extend(hidden)
        leak = "{MARKER} " + " | ".join(hidden)
        print(leak)
        print(leak, file=sys.stderr)
        raise ValueError(leak)
    return inputs @ query


query = inputs[1]
attn_scores_2 = dot_scores(inputs, query)'''
REPORT_FOUND = "print('hidden lines found:', len(set(FOUND)))"

needs_sandbox = pytest.mark.grading  # conftest skips it where no sandbox works, saying why


def leaker_nb1() -> str:
    answered = nbformat.reads(ex.answered(NB1, {"ex1-dot-scores-solution": LEAKER}, start=ex.solved(NB1)), as_version=4)
    return ex.with_cell(answered, "ex1-dot-scores", REPORT_FOUND)


def hidden_source_line() -> str:
    """A line of notebook 1's hidden tests, as the attacker quotes it."""
    source = next(c.source for c in ex.solved(NB1).cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1-dot-scores")
    return hidden_lines(source)[0]


def full_marks() -> float:
    return sum(e["points"] for e in references().exercises_of(STEM1).values())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The leaker, then an honest student, on one worker, as a Moodle download with its grade import."""
    if not bubblewrap():
        pytest.skip(skips.no_sandbox())
    tmp = tmp_path_factory.mktemp("hidden")
    tree = lx.moodle([{"name": "01a leaker", "participant": 5512, "files": {NB1: leaker_nb1()}},
                      {"name": "01b honest", "participant": 5513, "files": {NB1: ex.text(ex.solved(NB1))}}])
    source = lx.write(tree, tmp / "download", zipped=False)
    out = tmp / "out"
    code = cli.main(["grade", str(source), "--out", str(out), "--workers", "1", "--timeout", "10", "--format", "moodle"])
    assert code == 0
    with open(out / "grades.csv", encoding="utf-8", newline="") as f:
        rows = {(r["student_id"], r["notebook"]): r for r in csv.DictReader(f)}
    return out, rows


def files_under(folder):
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file() and p.suffix != ".db"}


def autograded(out, student) -> nbformat.NotebookNode:
    return nbformat.read(out / ".nbgrader" / "autograded" / student / "ch03" / NB1, as_version=4)


@needs_sandbox
def test_the_attack_found_the_hidden_lines(graded):
    out, _ = graded
    own = [o for c in autograded(out, "01a_leaker").cells if c.cell_type == "code" and "hidden lines found" in c.source
           for o in c.outputs]
    assert own and "hidden lines found: 4" in own[0]["text"], own  # every line of ex1's hidden tests


@needs_sandbox
def test_no_page_a_student_sees_holds_the_hidden_test(graded):
    out, _ = graded
    shown = files_under(out / "feedback")
    shown |= {out / name: (out / name).read_text(encoding="utf-8")
              for name in ("grades.csv", "grades-moodle.csv", "report.html", "mistakes.csv")}
    assert len(shown) >= 6
    line = hidden_source_line()
    for path, text in shown.items():
        assert MARKER not in text and line not in text, path


@needs_sandbox
def test_the_autograded_notebook_keeps_no_output_of_the_hidden_check(graded):
    out, _ = graded
    outputs = json.dumps([c.get("outputs", []) for c in autograded(out, "01a_leaker").cells], ensure_ascii=False)
    assert MARKER not in outputs and hidden_source_line() not in outputs


@needs_sandbox
def test_the_hidden_verdict_names_the_exception_type_only(graded):
    out, rows = graded
    leaker = rows[("01a_leaker", STEM1)]
    visible = sum(c["points"] for c in references().exercises["ex1-dot-scores"]["checks"] if not c["hidden"])
    assert leaker["status"] == "ok" and float(leaker["ex1-dot-scores"]) == visible  # the visible checks: its own answers
    page = (out / "feedback" / "01a_leaker" / f"{STEM1}.html").read_text(encoding="utf-8")
    assert page.count("your code failed on the hidden input with ValueError") == 2


@needs_sandbox
def test_an_honest_student_after_it_keeps_full_marks(graded):
    _, rows = graded
    honest = rows[("01b_honest", STEM1)]
    assert (float(honest["score"]), honest["status"]) == (full_marks(), "ok")


@needs_sandbox
def test_check_json_holds_no_hidden_test(tmp_path):
    (tmp_path / NB1).write_text(leaker_nb1(), encoding="utf-8")
    reports = check([tmp_path / NB1], timeout=10)
    text = json.dumps(check_json(reports), ensure_ascii=False)
    assert reports[0].exercises[0].hidden_points == sum(c["points"] for c in references().exercises["ex1-dot-scores"]["checks"]
                                                        if c["hidden"])
    assert MARKER not in text and hidden_source_line() not in text


@pytest.mark.parametrize("error, shown", [
    (f"ValueError: {MARKER}", "with ValueError"),
    (f"{MARKER}Error: boom", "an exception of its own class"),  # a class the student named
    (f"expected a tensor, got {MARKER}", "did not return a tensor"),
])
def test_a_hidden_check_never_repeats_the_message(error, shown):
    verdict = code_failed(error, STEM1, hidden=True)
    assert shown in verdict.en and MARKER not in verdict.en + verdict.zh and verdict.mistake == "code-failed"


def test_a_visible_check_keeps_its_message_unless_it_quotes_a_hidden_line():
    source = next(c.source for c in ex.solved(NB1).cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1-dot-scores")
    plain = code_failed("RuntimeError: 1D tensors expected, but got 2D and 2D tensors", STEM1, hidden=False, hidden_source=source)
    assert "1D tensors expected" in plain.en
    quoting = code_failed(f"ValueError: {MARKER} {hidden_source_line()}", STEM1, hidden=False, hidden_source=source)
    assert MARKER not in quoting.en and "with ValueError" in quoting.en
