"""What is written per notebook stays within its output cap: an output nested 250 levels deep,
under the cap as the worker measures it, is written as compact JSON that nbformat reads (written
with nbformat's indent=1 it took about a hundred times its size). An honest student graded after
it on the same worker keeps full marks."""
import json

import nbformat
import pytest

import example_class as ex
from autograde.grading.grader import Settings, grade
from autograde.grading.recording import notebook_json
from autograde.verdict.references import references
from autograde.workers.sandbox import bubblewrap
import skips

NB1 = ex.NB1
STEM1 = NB1[:-6]
SETTINGS = Settings(timeout=10, workers=1)
OVERHEAD = 200_000  # bytes: the notebook itself (its sources, the verdicts) beside its outputs

# 600,000 items one level under 250 nested lists: about 1.8 MB as the worker counts it
DEEP_OUTPUT = """from IPython.display import display
deep = [0] * 600_000
for _ in range(250):
    deep = [deep]
display({"application/json": deep}, raw=True)
print('displayed')"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not bubblewrap():
        pytest.skip(skips.no_sandbox())
    tmp = tmp_path_factory.mktemp("size")
    source = ex.write_class(tmp / "class", {"01a-deep": {NB1: ex.with_cell(ex.solved(NB1), "ex1-dot-scores", DEEP_OUTPUT)},
                                            "01b-honest": {NB1: ex.text(ex.solved(NB1))}})
    rows = grade(source, tmp / "out", settings=SETTINGS)
    return tmp / "out", {r.student_id: r for r in rows if r.notebook == STEM1}


def test_a_deeply_nested_output_is_written_within_the_cap(graded):
    out, rows = graded
    path = out / ".nbgrader" / "autograded" / "01a-deep" / "ch03" / NB1
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    kept = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "application/json" in o.get("data", {})]
    assert kept and len(json.dumps(kept[0]["data"]["application/json"])) > 1_500_000  # the attack's output, kept whole
    assert path.stat().st_size < SETTINGS.max_output_bytes + OVERHEAD
    assert len(json.dumps(nb, sort_keys=True, indent=1)) > 50 * SETTINGS.max_output_bytes  # what nbformat.write made of it
    assert (rows["01a-deep"].status, rows["01a-deep"].score) == ("ok", full_marks())


def test_an_honest_student_after_it_keeps_full_marks(graded):
    _, rows = graded
    assert (rows["01b-honest"].score, rows["01b-honest"].status) == (full_marks(), "ok")


def test_the_compact_form_reads_back_as_the_same_notebook():
    nb = ex.solved(NB1)
    assert nbformat.reads(notebook_json(nb), as_version=4) == nb


def full_marks() -> float:
    return sum(e["points"] for e in references().exercises_of(STEM1).values())
