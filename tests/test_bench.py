"""A small run of the benchmark (bench/bench.py) keeps it working: stock nbgrader and
`autograde grade` on the same class of three students, with the same honest scores."""
import sys

from autograde import course

sys.path.insert(0, str(course.ROOT / "bench"))

import bench  # noqa: E402
import pytest  # noqa: E402

pytestmark = pytest.mark.grading  # autograde grade: needs a working sandbox


def test_benchmark_runs_and_scores_agree(tmp_path):
    result = bench.run(3, workers=2, work=tmp_path)
    assert result.same_scores, result.line()
    assert result.notebooks == 3 * len(course.notebook_names("ch03")) and result.stock_seconds > 0 and result.ours_seconds > 0
    assert 0 < result.peak_bytes < 4 * 2**30
    assert "ratio" in result.line()
