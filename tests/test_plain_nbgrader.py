"""Any nbgrader course: `autograde grade` gives every cell the auto score stock `nbgrader
autograde` gives it, on nbgrader's own published files (its documentation course, the
scenarios of its autograde tests), both graded here; the assignment's files are in the
notebook's folder; the feedback, grades.csv, the class report and the LMS files work for it."""
import csv
import json
import re

import pytest


from plain_course import (SECRET, Scenario, autograde_tests, clean_kernel, configured, documentation_course, hidden_tests,
                          leaks_hidden, ours, relative_file, shipped_files, stock, stops_early, totals)

pytestmark = pytest.mark.grading

SCENARIOS = {"documentation-course": documentation_course, "submitted-unchanged-changed-cheat": autograde_tests,
             "hidden-tests-comment-stub": hidden_tests, "open-relative-file": relative_file,
             # a helper package and a data file in subfolders, and a helper left to the student
             # (exclude_overwriting): foo's own copy is used for foo, and never reaches zed
             "shipped-files": shipped_files,
             # partial credit, stderr, and nbgrader's IgnorePattern and LimitOutput configured
             "nbgrader-config": configured,
             # a worker that warmed nothing but IPython: no torch, no trace of its warm-up
             "clean-kernel": clean_kernel}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_cell_scores_as_stock_nbgrader_scores_it(name, tmp_path):
    scenario: Scenario = SCENARIOS[name](tmp_path) if name in ("shipped-files", "nbgrader-config", "clean-kernel") else SCENARIOS[name]()
    expected = stock(tmp_path / "stock", scenario)
    graded, rows, _ = ours(tmp_path / "ours", scenario)
    assert expected, "stock nbgrader graded nothing"
    # every graded cell: auto score, whether it needs a manual grade, the "No response." comment
    assert graded == expected
    for key, score in scenario.totals.items():  # the scores nbgrader documents or its own tests assert
        assert totals(expected)[key] == score, key
        assert totals(graded)[key] == score, key
    for row in rows:
        assert row["status"] == "ok", row
        assert row["score"] == totals(graded)[(row["student_id"], row["notebook"])]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S)))


def test_feedback_grades_report_and_lms_files_for_the_documentation_course(tmp_path):
    scenario = documentation_course()
    scenario.submitted["bitdiddle"]["roster-id.txt"] = scenario.source["jupyter.png"]  # a file not of the assignment
    _, rows, out = ours(tmp_path, scenario, "--format", "moodle", "--lang", "both", moodle=True)
    by_key = {(r["student_id"], r["notebook"]): r for r in rows}
    assert by_key[("bitdiddle", "problem1")]["score"] == 1.5 and by_key[("hacker", "problem1")]["score"] == 3.0
    assert by_key[("bitdiddle", "problem1")]["max_score"] == 10  # test cells and the written answer
    assert by_key[("bitdiddle", "roster-id.txt")]["status"] == "not part of this assignment, ignored"
    assert ("bitdiddle", "jupyter.png") not in by_key  # the assignment's own file: the release's copy is used

    page = _text((out / "feedback" / "bitdiddle" / "problem1.html").read_text(encoding="utf-8"))
    # which test cells passed and failed, the visible error's type, both languages
    assert "✅ squares_invalid_input [1]: passed: the tests ran without an error" in page
    assert "通过：测试运行没有出错" in page
    assert "❌ correct_squares [1]: a test failed: AssertionError" in page
    assert "有测试没有通过：AssertionError" in page
    assert "❌ sum_of_squares_application [2]: no response: the answer cell is as it was released" in page
    hacker = _text((out / "feedback" / "hacker" / "problem1.html").read_text(encoding="utf-8"))
    assert "✍️ sum_of_squares_application [2]: your answer is graded by hand" in hacker  # a grade to come, not a failure

    with (out / "grades.csv").open(encoding="utf-8", newline="") as f:
        grades = {(r["student_id"], r["notebook"]): r for r in csv.DictReader(f)}
    assert grades[("hacker", "problem1")]["score"] == "3"
    assert grades[("hacker", "problem1")]["correct_squares"] == "1"
    assert grades[("bitdiddle", "problem1")]["correct_squares"] == "0"

    report = _text((out / "report.html").read_text(encoding="utf-8"))
    assert "correct_squares" in report and "bitdiddle" in report and "hacker" in report
    with (out / "mistakes.csv").open(encoding="utf-8", newline="") as f:
        mistakes = {(r["student_id"], r["notebook"], r["exercise"], r["mistake"]) for r in csv.DictReader(f)}
    assert ("bitdiddle", "problem1", "correct_squares", "test-failed") in mistakes
    assert not any(m[0] == "hacker" and m[2] == "correct_squares" for m in mistakes)
    assert not any(m[3] == "needs-manual-grade" for m in mistakes)
    with (out / "grades-moodle.csv").open(encoding="utf-8", newline="") as f:
        moodle = {r["Identifier"]: r for r in csv.DictReader(f)}
    assert moodle["Participant 5501"]["Grade"] == "1.5" and moodle["Participant 5502"]["Grade"] == "3"
    assert moodle["Participant 5501"]["Maximum Grade"] == "13"  # problem1 (10) and problem2 (3)


def test_a_cell_with_hidden_tests_says_only_that_it_failed(tmp_path):
    scenario = hidden_tests()
    _, rows, out = ours(tmp_path, scenario)
    page = _text((out / "feedback" / "foo" / "p1.html").read_text(encoding="utf-8"))
    assert "❌ correct_squares (hidden input) [1]: a test failed (this cell holds hidden tests, so nothing more is shown)" in page
    assert "squares(11)" not in page and "AssertionError" not in page.split("correct_squares")[1][:200]
    assert "✅ squares_invalid_input [1]: passed" in page


def test_a_test_cell_that_never_ran_earns_nothing(tmp_path):
    graded, rows, out = ours(tmp_path, stops_early(tmp_path), "--lang", "both")
    assert {key[2]: value[0] for key, value in graded.items() if value[0] is not None} == {"before": 1.0, "after": 0.0}
    [row] = rows
    assert row["score"] == 1.0 and row["status"].startswith("kernel died in cell 2")
    page = _text((out / "feedback" / "foo" / "p1.html").read_text(encoding="utf-8"))
    assert "❌ after [1]: not run: the notebook stopped before this cell" in page
    assert "没有运行：笔记本在这个单元格之前就停止了" in page


def test_a_visible_error_that_quotes_a_hidden_test_is_not_shown(tmp_path):
    graded, rows, out = ours(tmp_path, leaks_hidden(tmp_path), "--lang", "both")
    assert {key[2]: value[0] for key, value in graded.items() if value[0] is not None} == {
        "hidden_one": 1.0, "visible_two": 0.0}
    html = (out / "feedback" / "foo" / "p1.html").read_text(encoding="utf-8")
    page = _text(html)
    assert "❌ visible_two [1]: a test failed (its message quotes hidden tests, so it is not shown)" in page
    assert "错误信息引用了隐藏测试" in page
    for written in (html, (out / "grades.csv").read_text(encoding="utf-8"), (out / "mistakes.csv").read_text(encoding="utf-8"),
                    (out / "report.html").read_text(encoding="utf-8")):
        assert "hidden secret line" not in written
    # the attack did reach the hidden line: the error it raised (kept in the autograded notebook) holds it
    autograded = json.loads((out / ".nbgrader" / "autograded" / "foo" / "ps1" / "p1.ipynb").read_text(encoding="utf-8"))
    [cell] = [c for c in autograded["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "visible_two"]
    [error] = [o for o in cell["outputs"] if o["output_type"] == "error"]
    assert error["ename"] == "ValueError" and SECRET in error["evalue"]
