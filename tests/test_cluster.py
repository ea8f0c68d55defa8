"""Grading on a Dask cluster gives the same rows as grading on this machine."""
import pytest

import example_class as ex
from autograde.grading.grader import Settings, grade
from autograde.verdict.mistakes import MISTAKES
from autograde.verdict.references import references


NB1 = ex.NB1


@pytest.mark.needs_sandbox
def test_dask_local_cluster_grades_like_the_local_workers(tmp_path):
    from distributed import LocalCluster

    name, wrong = ex.with_mistake("normalised-by-sum")
    source = ex.write_class(tmp_path / "class", {
        "solved": {NB1: ex.text(ex.solved(NB1))},
        "wrong": {name: wrong},
        "dies": {NB1: ex.with_cell(ex.solved(NB1), "ex2-softmax-naive", "import os\nos._exit(1)")},
    })
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        on_cluster = grade(source, tmp_path / "dask", settings=Settings(scheduler=cluster.scheduler_address))
    here = grade(source, tmp_path / "local", settings=Settings(workers=1))
    assert [vars(r) for r in on_cluster] == [vars(r) for r in here]
    full = {gid: e["points"] for gid, e in references().exercises_of(NB1[:-6]).items()}
    wrong_score = sum({**full, **MISTAKES["normalised-by-sum"].scores}.values())  # the catalogue's points for it
    assert {(r.student_id, r.score) for r in here if r.notebook == NB1[:-6]} == {
        ("solved", sum(full.values())), ("wrong", wrong_score), ("dies", 4.0)}
