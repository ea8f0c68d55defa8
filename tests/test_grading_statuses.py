"""Grading's statuses that no other test reaches: nbgrader metadata that is not the course's,
test machinery that cannot be put back, a notebook that runs out of its whole time, and a
worker that does not answer in time. Each
comes from the step that says it (RepairCells, PrecomputedExecute, the warm worker), fed what
the real parts give it: a hand-in, a sandboxed worker's reply."""
import nbformat
import pytest

import example_class as ex
import wire
from autograde.grading.grader import Settings
from autograde.grading.preprocessors import PrecomputedExecute, RepairCells, notes
from autograde.grading.recording import AUTOGRADE_KEY
from autograde.workers import warm
from autograde.workers.protocol import code_cells
from autograde.workers.warm import NotebookBrokeWorker, Zygote

NB1, STEM1 = ex.NB1, ex.NB1[:-6]
WAITS_FOREVER = "import threading\nprint('waiting', flush=True)\nthreading.Event().wait()"


def test_nbgrader_metadata_that_is_not_the_course_s_is_removed_and_said(tmp_path):
    """A hand-in that makes one of its own cells a graded one (points of its choosing): the
    metadata goes, the row says so, and the course's cells are untouched."""
    nb = nbformat.reads(ex.text(ex.solved(NB1)), as_version=4)
    mine = nbformat.v4.new_code_cell("print('mine')")
    mine.metadata["nbgrader"] = {"grade": True, "grade_id": "my-bonus", "locked": False, "points": 100,
                                 "schema_version": 3, "solution": False, "task": False}
    nb.cells.insert(1, mine)
    graded_before = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata and c is not mine]
    nb, _ = RepairCells().preprocess(nb, {"nbgrader": {"assignment": "ch03", "notebook": STEM1}})
    assert "nbgrader" not in mine.metadata
    assert [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata] == graded_before
    assert [(n["code"], n["en"]) for n in notes(nb)] == [("metadata-removed", "unknown nbgrader metadata removed")]


def graded_cell(source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "the-test", "locked": True, "points": 1,
                                 "schema_version": 3, "solution": False, "task": False}
    return cell


def ran(zygote: Zygote, settings: Settings, *cells: str | nbformat.NotebookNode) -> list[dict]:
    """The notes PrecomputedExecute makes of the worker's reply to a notebook of these code cells."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# a notebook"),
                                         *(nbformat.v4.new_code_cell(c) if isinstance(c, str) else c for c in cells)])
    reply = zygote.run(settings.request(code_cells(nb)))
    nb, _ = PrecomputedExecute().preprocess(nb, {AUTOGRADE_KEY: {"reply": reply},
                                                 "nbgrader": {"student": "s", "notebook": "n"}})
    return notes(nb)


# sys made a module that ignores being set, after a hook of sys was changed: test cells cannot run
# with the pristine hook
STUCK_SYS = """import sys, types
class Stuck(types.ModuleType):
    def __setattr__(self, name, value):
        pass
sys.excepthook = lambda *args: None
sys.__class__ = Stuck
print('stuck', flush=True)"""


@pytest.mark.grading
def test_machinery_not_put_back_a_notebook_out_of_time_and_a_worker_that_never_answers(tmp_path, monkeypatch):
    """One worker, three notebooks. A notebook that changes what test cells run with so that it
    cannot be put back: its test cell does not run. A cell that waits forever, with a cell timeout far beyond the notebook's whole time: the
    notebook's limit stops it there, whatever the machine's speed. Then the grader's own deadline
    set below the worker's: the worker has not answered, is not stopped, and is given up."""
    zygote = Zygote(tmp_path)
    zygote.start()
    try:
        said = ran(zygote, Settings(timeout=60), STUCK_SYS, graded_cell("assert True"))
        assert [(n["code"], n["en"].split(":")[0]) for n in said] == [("test-machinery-changed", "test cell 3 did not run, so it earns nothing")]
        said = ran(zygote, Settings(timeout=600, notebook_timeout=5), WAITS_FOREVER, "print('never')")
        assert [n["code"] for n in said] == ["notebook-time-limit"]
        assert said[0]["en"].startswith("notebook time limit reached at cell 2: ")  # the markdown cell is cell 1
        monkeypatch.setattr(warm, "ANSWER_MARGIN", 2.0 - 600)  # the grader waits 2 s for a notebook given 600
        with pytest.raises(NotebookBrokeWorker) as broke:
            zygote.run(Settings(timeout=600, notebook_timeout=600).request(wire.cells(WAITS_FOREVER)))
        assert broke.value.status.code == "worker-timeout"
        assert zygote.proc is None  # given up: the next notebook gets a fresh one
    finally:
        zygote.close()
