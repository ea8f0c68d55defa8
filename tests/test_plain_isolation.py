"""The isolation claims, attacked on a plain nbgrader course (test cells of plain asserts, which
nbgrader scores by whether they raised and what they show), graded with `autograde grade` as any
nbgrader course is: every hostile cell of tests/hostile.py in a hand-in of nbgrader's
documentation course, and the attacks only such a course invites (hostile.PLAIN_ATTACKS, test
cells edited or deleted) after a wrong answer. Each attacker gets exactly what its own answers
earn under stock nbgrader, and an honest student graded right after it on the same (only)
worker gets exactly stock nbgrader's score, cell by cell, with status `ok`. One grading run per
course, every attacker in it."""
import pytest

from autograde.verdict.statuses import say
from catalogued import assert_catalogued_text
from hostile import ATTACKS, PLAIN_ATTACKS
from plain_course import PLAIN_TESTS, TEST_EDITS, Scenario, attacked_documentation_course, ours, plain_attacks, stock

pytestmark = pytest.mark.grading

# problem1's answer `squares` is cell 6 of hacker's notebook: the attack's cell is cell 7
ATTACK_CELL = 7


def _cells(grades: dict, student: str, notebook: str) -> dict:
    """A student's cells of one notebook: grade id -> (auto score, needs manual grade, comment)."""
    return {cell: value for (who, nb, cell), value in grades.items() if who == student and nb == notebook}


@pytest.fixture(scope="module")
def documentation_course_attacked(tmp_path_factory):
    """Every attack of hostile.ATTACKS in hacker's problem1, each followed by hacker's own hand-in,
    graded with one worker: one run for each --memory-gb the attacks ask for (as in
    test_isolation.py); and stock nbgrader's cells for hacker's hand-in."""
    tmp = tmp_path_factory.mktemp("plain-attacked")
    groups: dict = {}
    for i, attack in enumerate(ATTACKS, start=1):
        groups.setdefault(attack.memory_gb, []).append((i, attack))
    graded, rows = {}, {}
    for run, (memory_gb, attacks) in enumerate(groups.items()):
        scenario = attacked_documentation_course(tmp / f"hand-ins-{run}", attacks)
        limits = ["--memory-gb", str(memory_gb)] if memory_gb else []
        cells, found, _ = ours(tmp / f"ours-{run}", scenario, *limits)
        graded.update(cells)
        rows.update({r["student_id"]: r for r in found if r["notebook"] == "problem1"})
    expected = stock(tmp / "stock", Scenario("ps1", scenario.source, {"hacker": scenario.submitted["00-honest"]}))
    return graded, rows, _cells(expected, "hacker", "problem1")


@pytest.mark.parametrize("name", [a.name for a in ATTACKS])
def test_an_honest_student_after_an_attack_on_a_plain_course_scores_as_stock(documentation_course_attacked, name):
    graded, rows, stock_cells = documentation_course_attacked
    index = next(i for i, a in enumerate(ATTACKS, start=1) if a.name == name)
    for student in ("00-honest", f"{index:02d}b-honest"):
        assert _cells(graded, student, "problem1") == stock_cells, student
        assert (rows[student]["score"], rows[student]["status"]) == (3.0, "ok"), rows[student]


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_an_attacker_on_a_plain_course_gets_what_its_own_code_earned(documentation_course_attacked, attack):
    """Its answers are hacker's: what stock nbgrader gives them, or, stopped in the attack's cell
    (before every test cell), nothing, with the status of the limit it broke."""
    graded, rows, stock_cells = documentation_course_attacked
    index = next(i for i, a in enumerate(ATTACKS, start=1) if a.name == attack.name)
    student = f"{index:02d}a-{attack.name}"
    row, cells = rows[student], _cells(graded, student, "problem1")
    if attack.stops is None:
        assert (row["score"], row["status"]) == (3.0, "ok"), row
        assert cells == stock_cells
    else:
        assert row["status"] == say(attack.stops, cell=ATTACK_CELL), row
        assert row["score"] == 0 and all(not score for score, _, _ in cells.values()), cells
        assert_catalogued_text(row["status"])


@pytest.fixture(scope="module")
def plain_attacked(tmp_path_factory):
    """The plain assignment: every attack of hostile.PLAIN_ATTACKS and every test-cell edit after
    the wrong answer, each followed by an honest student, graded in one run; and stock
    nbgrader's cells for the honest and the wrong hand-in without any attack."""
    tmp = tmp_path_factory.mktemp("plain-only")
    scenario = plain_attacks(tmp / "hand-ins", PLAIN_ATTACKS, TEST_EDITS)
    graded, rows, out = ours(tmp / "ours", scenario)
    baseline = Scenario("ps1", scenario.source, {"honest": scenario.submitted["00-honest"],
                                                 "wrong": scenario.submitted["01-wrong"]})
    expected = stock(tmp / "stock", baseline)
    return graded, {r["student_id"]: r for r in rows}, {who: _cells(expected, who, "p1") for who in ("honest", "wrong")}


def test_stock_nbgrader_scores_the_plain_assignment_as_it_is_meant_to(plain_attacked):
    """What every attacker is held to: the wrong answer earns nothing on any test cell (the
    partial one shows 0.0), the right one every point, here as under stock nbgrader."""
    graded, rows, stock_cells = plain_attacked
    assert {cell: score for cell, (score, _, _) in stock_cells["wrong"].items()} == {
        "squares": None, "exact": 0.0, "close": 0.0, "helpers": 0.0, "partial": 0.0}  # squares: its comment
    assert {cell: score for cell, (score, _, _) in stock_cells["honest"].items()} == {
        "squares": None, "exact": 1.0, "close": 1.0, "helpers": 1.0, "partial": 1.0}
    assert _cells(graded, "00-honest", "p1") == stock_cells["honest"]
    assert _cells(graded, "01-wrong", "p1") == stock_cells["wrong"]


NAMES = [a.name for a in PLAIN_ATTACKS] + list(TEST_EDITS)
# what an attacker's row says where it is not `ok`: the value its squares showed in the first test
# cell (cell 3) was not counted; the test cell it deleted, or stripped of its metadata, was put back
PLAIN_STATUSES = {"shown-number": say("value-not-counted", cell=3), "test-deleted": say("cells-restored", cells="close"),
                  "test-unmarked": say("metadata-restored")}


@pytest.mark.parametrize("name", NAMES)
def test_a_plain_test_cell_cannot_be_made_to_pass_or_show_a_number(plain_attacked, name):
    """The attack changed what a later cell runs with, or the test cell itself: every test cell
    still earns what the wrong answer earns under stock nbgrader (nothing), its row says what
    was not counted or put back, and the honest student after it gets every point, cell by cell
    as stock, `ok`."""
    graded, rows, stock_cells = plain_attacked
    index = NAMES.index(name) + 2
    attacker = _cells(graded, f"{index:02d}a-{name}", "p1")
    # a test cell deleted from the hand-in has no grade (nothing earned), as under stock nbgrader
    assert {cell: (attacker.get(cell) or (None,))[0] or 0.0 for cell in PLAIN_TESTS} == {
        cell: stock_cells["wrong"][cell][0] for cell in PLAIN_TESTS}, attacker
    assert rows[f"{index:02d}a-{name}"]["score"] == 0, rows[f"{index:02d}a-{name}"]
    assert rows[f"{index:02d}a-{name}"]["status"] == PLAIN_STATUSES.get(name, "ok")
    honest = f"{index:02d}b-honest"
    assert _cells(graded, honest, "p1") == stock_cells["honest"]
    assert (rows[honest]["score"], rows[honest]["status"]) == (4.0, "ok"), rows[honest]


def test_plain_attackers_get_statuses_from_the_catalogue(plain_attacked):
    _, rows, _ = plain_attacked
    for row in rows.values():
        assert_catalogued_text(row["status"])


def test_only_a_test_cells_own_value_counts_as_partial_credit():
    """What a test cell shows: its own last value is kept for nbgrader; a value shown before it
    (by code the test called) or by a cell that failed becomes a display_data, marked."""
    from autograde.workers.pristine import outputs_that_count
    from autograde.workers.protocol import NOT_COUNTED

    shown = {"output_type": "execute_result", "data": {"text/plain": "1.0"}, "metadata": {}, "execution_count": 3}
    own = {"output_type": "execute_result", "data": {"text/plain": "0.0"}, "metadata": {}, "execution_count": 3}
    error = {"output_type": "error", "ename": "AssertionError", "evalue": "", "traceback": []}
    kept = outputs_that_count([shown, own], "f()\n0.0", failed=False)
    assert kept[1] == own and kept[0]["output_type"] == "display_data" and kept[0]["metadata"][NOT_COUNTED]
    assert "execution_count" not in kept[0]
    assert [o["output_type"] for o in outputs_that_count([shown, error], "assert f()", failed=True)] == ["display_data", "error"]
    assert outputs_that_count([shown], "x = f()", failed=False)[0]["output_type"] == "display_data"  # ends in no expression


def test_what_cannot_be_put_back_stops_the_test_cell():
    """A change that putting back does not undo: reset refuses (the worker then runs no test and
    the row says test-machinery-changed); a change it undoes is given back after the test."""
    from autograde.grading.preprocessors import _error_reason
    from autograde.workers.pristine import Namespace, Pristine
    from autograde.workers.protocol import TEST_MACHINERY_CHANGED
    from autograde.workers.zygote import TamperedTest

    box = {"hook": "pristine"}
    machinery = Pristine.__new__(Pristine)
    machinery.namespaces = [Namespace(lambda: dict(box), box.__setitem__)]
    machinery.namespaces[0].pristine = dict(box)
    box["hook"] = "student's"
    give_back = machinery.reset()
    assert box["hook"] == "pristine"
    give_back()
    assert box["hook"] == "student's"
    machinery.namespaces[0].put = lambda key, value: None  # a put that does not take
    with pytest.raises(RuntimeError):
        machinery.reset()
    assert TamperedTest.__name__ == TEST_MACHINERY_CHANGED
    assert _error_reason({"ename": TEST_MACHINERY_CHANGED, "evalue": ""}) == "test-machinery-changed"
