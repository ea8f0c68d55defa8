"""What the course promises about its notebooks: each stands alone, each exercise shows a
learner a second input before grading does, hidden checks carry at least half of every
exercise's points, and the README counts what is there."""
import re

import nbformat

from autograde import course
from autograde.kernel.exercise import SKILLS
from autograde.verdict import references

DEFINES = re.compile(r"^(?:class|def) (\w+)\(", re.M)


def notebooks() -> dict[str, nbformat.NotebookNode]:
    return {p.stem: nbformat.read(p, as_version=4) for p in sorted(course.solutions("ch03").glob("*.ipynb"))}


def test_no_notebook_ships_the_answer_to_an_earlier_exercise():
    answered_in: dict[str, str] = {}  # a name a learner writes in an exercise -> its notebook
    for stem, nb in notebooks().items():
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                answered_in.update({name: stem for name in DEFINES.findall(cell.source)})
    assert {"SelfAttention_v2", "CausalAttention", "MultiHeadAttention"} <= set(answered_in)
    for stem, nb in notebooks().items():
        for cell in nb.cells:
            if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("solution"):
                continue
            earlier = [name for name in DEFINES.findall(cell.source) if answered_in.get(name, stem) < stem]
            assert not earlier, f"{stem} {cell.id} defines {earlier}, the answer to an exercise of an earlier notebook"


def test_every_exercise_checks_a_second_input_visibly():
    for grade_id, exercise in references.load(hidden=False).exercises.items():
        visible = [c for c in exercise["checks"] if not c["hidden"]]
        assert len(visible) >= 2, f"{grade_id}: a learner sees only {[c['name'] for c in visible]} before grading"


def hidden_share(exercise: dict) -> float:
    """The share of an exercise's points that its hidden checks carry."""
    return sum(c["points"] for c in exercise["checks"] if c["hidden"]) / exercise["points"]


def test_hidden_checks_carry_at_least_half_of_every_exercise():
    """Values copied from the visible references (or the book) must not be worth a pass: every
    exercise, of every assignment, gives at least half its points to checks on hidden inputs."""
    exercises = references.load(hidden=False).exercises
    # every assignment's references are read: each of its notebooks has exercises in them
    assert {e["notebook"] for e in exercises.values()} == {
        name[:-len(".ipynb")] for assignment in course.assignments() for name in course.notebook_names(assignment)}
    light = {gid: round(hidden_share(e), 3) for gid, e in exercises.items() if hidden_share(e) < 0.5}
    assert not light, f"hidden checks carry less than half of these exercises' points: {light}"
    # the rule catches a heavy visible check added to an exercise that meets it today
    exercise = exercises["ex1-dot-scores"]
    heavier = {**exercise, "points": exercise["points"] + 1,
               "checks": [*exercise["checks"], {"name": "a heavy visible check", "points": 1.0, "hidden": False}]}
    assert hidden_share(exercise) >= 0.5 > hidden_share(heavier)


def reasoning_share(exercises: dict[str, dict]) -> float:
    """The share of the course's points that exercises needing reasoning carry (every skill but "build")."""
    total = sum(e["points"] for e in exercises.values())
    return sum(e["points"] for e in exercises.values() if e.get("skill", "build") != "build") / total


def test_reasoning_earns_at_least_half_of_the_points():
    """Predicting, deriving, debugging and designing, not transcribing the text above a cell,
    carry at least half of the course's points."""
    exercises = references.load(hidden=False).exercises
    assert all(e.get("skill") in SKILLS for e in exercises.values()), "an exercise's skill was not recorded"
    share = reasoning_share(exercises)
    by_skill = {s: sum(e["points"] for e in exercises.values() if e["skill"] == s) for s in SKILLS}
    assert share >= 0.5, f"reasoning earns {share:.0%} of the points: {by_skill}"
    # the rule counts points, not exercises: one heavy "build" exercise tips it
    heavy = {**exercises, "extra": {"skill": "build", "points": 10 * sum(e["points"] for e in exercises.values())}}
    assert reasoning_share(heavy) < 0.5


def sitting_minutes(nb: nbformat.NotebookNode) -> float:
    """How long a learner needs for a notebook: its English prose read at 150 words a minute
    (the Chinese column is the same text), its code read at 10 lines a minute, and 5 minutes
    for each exercise."""
    words = lines = exercises = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            rows = [line.split("|")[1] if line.startswith("|") else line for line in cell.source.splitlines()
                    if not line.startswith("|---")]
            words += len(" ".join(rows).split())
        else:
            lines += len(cell.source.splitlines())
            exercises += bool(cell.metadata.get("nbgrader", {}).get("points"))
    return words / 150 + lines / 10 + 5 * exercises


def test_each_notebook_is_one_sitting():
    released = {p.stem: nbformat.read(p, as_version=4) for p in sorted(course.release("ch03").glob("*.ipynb"))}
    assert released.keys() == notebooks().keys()
    long = {stem: round(sitting_minutes(nb)) for stem, nb in released.items() if sitting_minutes(nb) > 60}
    assert not long, f"notebooks longer than an hour's sitting (minutes): {long}"


def test_readme_counts_the_exercises_and_lists_every_notebook():
    exercises = references.load(hidden=False).exercises
    readme = (course.ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{len(exercises)} graded exercises" in readme
    for stem in references.load(hidden=False).notebooks():
        count = len(references.load(hidden=False).exercises_of(stem))
        row = next(line for line in readme.splitlines() if f"`{stem}`" in line and line.startswith("|"))
        assert row.rstrip(" |").endswith(str(count)), row
