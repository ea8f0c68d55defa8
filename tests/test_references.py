"""The committed reference tensors are what the solutions compute, up to float rounding on
another CPU, and the staleness check still catches any real change of a solution."""
import nbformat
import pytest
import torch

from autograde import course
from autograde.verdict import compare
from autograde.authoring import record
from autograde.verdict import references

REGENERATE = "references are stale: run `autograde references` (or `autograde build`) to regenerate them from solutions/"


def test_references_match_the_solutions():
    diffs = record.differences(references.load(course.references("ch03")), record.record_course(course.solutions("ch03")))
    assert not diffs, REGENERATE + ":\n" + "\n".join(diffs)


def test_the_staleness_tolerance_is_far_below_the_grading_tolerance():
    assert record.STALE_ATOL <= compare.ATOL / 5 and record.STALE_RTOL <= compare.RTOL


def nudged(values: torch.Tensor, ulps: int) -> torch.Tensor:
    """`values` moved by `ulps` units in the last place, as another CPU's kernels might."""
    out = values.clone()
    for _ in range(abs(ulps)):
        out = torch.nextafter(out, torch.full_like(out, float("inf") if ulps > 0 else float("-inf")))
    return torch.where(torch.isfinite(values), out, values)  # -inf (a mask) and NaN stay


@pytest.fixture(scope="module")
def committed():
    return references.load()


def test_rounding_on_another_cpu_is_not_a_difference(committed):
    new = references.References(
        visible={n: nudged(t, 4) if t.is_floating_point() else t for n, t in committed.visible.items()},
        hidden={n: nudged(t, -4) if t.is_floating_point() else t for n, t in committed.hidden.items()},
        exercises=committed.exercises)
    assert record.differences(committed, new) == []


@pytest.mark.parametrize("change", [1e-4, 3e-5])
def test_a_real_change_of_a_solution_is_a_difference(committed, change):
    # the smallest change an edit of a solution makes (a constant nudged, a different
    # scaling) is orders of magnitude above this; the grading tolerance itself is ~1e-5
    name = "attn_weights_2"
    changed = dict(committed.visible, **{name: committed.visible[name] + change})
    found = record.differences(committed, references.References(changed, committed.hidden, committed.exercises))
    assert len(found) == 1 and found[0].startswith(f"visible: {name} differs (largest difference")


def test_nan_and_infinity_must_match_where_they_are():
    a = torch.tensor([float("nan"), float("-inf"), 1.0])
    assert record._difference(a, a.clone()) is None
    assert record._difference(a, torch.tensor([0.0, float("-inf"), 1.0])) == "NaN or infinity in other places"
    assert record._difference(torch.tensor([1, 2]), torch.tensor([1, 3])) == "integer values differ"


def test_every_exercise_has_visible_and_hidden_checks():
    refs = references.load()
    assert len(refs.exercises) >= 12
    assert len(refs.notebooks()) == 7
    for grade_id, exercise in refs.exercises.items():
        kinds = {check["hidden"] for check in exercise["checks"]}
        assert kinds == {True, False}, f"{grade_id} needs both visible and hidden checks"
        assert abs(sum(c["points"] for c in exercise["checks"]) - exercise["points"]) < 1e-9


def test_hidden_references_are_kept_apart():
    refs = references.load()
    hidden = {c["name"] for e in refs.exercises.values() for c in e["checks"] if c["hidden"]}
    assert hidden and not hidden & {k.split(references.MISTAKE_SEP)[0] for k in refs.visible}
    visible_only = references.load(hidden=False)
    assert not visible_only.hidden


def test_saved_visible_references_are_readable_by_a_notebook(tmp_path):
    """A notebook runs as another uid than the grader: it must read visible/ (safetensors writes 0600)."""
    written = references.save(references.load(course.references("ch03")), tmp_path)
    visible = [p for p in written if p.parent.name == "visible"]
    assert visible and all(p.stat().st_mode & 0o777 == 0o644 for p in visible)


def test_a_check_name_holding_the_other_quote_is_still_hidden():
    """A hidden check whose name holds a quote (GPT-2's) was once cut at it, so its reference
    went into the visible file, which every learner gets."""
    source = ('ex.check("seen", lambda: 1, points=1)\n### BEGIN HIDDEN TESTS\n'
              'ex.check("uniform_loss(50257), GPT-2\'s vocabulary", lambda: 1, points=1)\n'
              "ex.check('on \"the\" twice', lambda: 1, points=1)\n### END HIDDEN TESTS\n")
    assert record.hidden_check_names(source) == {"uniform_loss(50257), GPT-2's vocabulary", 'on "the" twice'}


def test_the_gpt2_vocabulary_check_of_notebook_7_is_hidden():
    checks = {c["name"]: c["hidden"] for c in references.load().exercises["ex26-uniform-loss"]["checks"]}
    assert checks["uniform_loss(50257), GPT-2's vocabulary"] is True
