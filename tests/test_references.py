"""The committed reference tensors are exactly what the solutions compute."""
from autograde import course, record, references


def test_references_match_the_solutions():
    diffs = record.differences(references.load(), record.record_course(course.SOLUTIONS))
    assert not diffs, "references are stale (run `autograde references`):\n" + "\n".join(diffs)


def test_every_exercise_has_visible_and_hidden_checks():
    refs = references.load()
    assert len(refs.exercises) >= 12
    assert len(refs.notebooks()) == 5
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
