"""A small run of the benchmark (bench/bench.py) keeps it working: stock nbgrader and
`autograde grade` on the same class of three students, with the same honest scores."""
import sys

from autograde import course

sys.path.insert(0, str(course.ROOT / "bench"))

import bench  # noqa: E402
import pytest  # noqa: E402


@pytest.mark.needs_sandbox
def test_benchmark_runs_and_scores_agree(tmp_path):
    result = bench.run(3, workers=2, work=tmp_path)
    assert result.same_scores, result.line()
    assert result.notebooks == 3 * len(course.notebook_names("ch03")) and result.stock_seconds > 0 and result.ours_seconds > 0
    assert 0 < result.peak_bytes < 4 * 2**30
    assert "ratio" in result.line()


@pytest.mark.needs_sandbox
def test_benchmark_of_nbgrader_documentation_course_runs_and_every_cell_agrees(tmp_path):
    result = bench.run(2, workers=2, work=tmp_path, course_name="nbgrader-docs")
    assert result.same_scores, result.line()
    assert result.notebooks == 4 and result.stock_seconds > 0 and result.ours_seconds > 0
    assert {(r.student_id, r.notebook): r.score for r in result.rows if r.notebook == "problem1"} == {
        ("s0000-bitdiddle", "problem1"): 1.5, ("s0001-hacker", "problem1"): 3.0}  # as nbgrader's documentation shows
    assert "every cell's auto score identical" in result.line()
