"""Private hidden tests (grading/secret.py): with an instructor's secret, the hidden tests draw
their inputs from seeds derived from it, and are compared with references recorded outside the
course. A student who copies the public hidden values from a clone passes the hidden checks
without a secret and fails them with one; an honest student keeps full marks; the secret and
the private references never reach the notebook's process; a missing or foreign recording
stops grading before anything runs."""
import secrets
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from autograde import cli, course
from autograde.errors import UsageError
from autograde.grading import secret as private
from autograde.grading.grader import Settings, grade
from autograde.kernel.probes import load_by_name
from autograde.kernel.seeding import DERIVED, drawing_from, seeded
from autograde.verdict.references import load, references
import example_class as ex
import hostile
from conftest import SLOW

NB1 = ex.NB1
STEM1 = NB1[:-6]
# the hidden checks of notebook 1 whose inputs come from seeded(N), with the function under test,
# the shape of its first input, and the solution cell after which the copier's wrapper goes
COPIED = [("dot_scores(5 tokens x 4 dims)", "dot_scores", (5, 4), "ex1-dot-scores-solution"),
          ("softmax_naive(7 scores)", "softmax_naive", (7,), "ex2-softmax-naive-solution"),
          ("context_vector(4 tokens x 5 dims)", "context_vector", (4, 5), "ex3-context-vector-solution")]


def copier() -> str:
    """Notebook 1, solved, with each answer function wrapped to return the public hidden
    reference (as read from a clone's reference/ch03/hidden/) when its input has that shape."""
    public = load(course.references("ch03")).hidden
    nb = ex.solved(NB1)
    for check, function, shape, after in COPIED:
        wrapper = (f"_{function} = {function}\n\n\n"
                   f"def {function}(first, *rest):\n"
                   f"    if tuple(first.shape) == {shape!r}:\n"
                   f"        return torch.tensor({public[check].tolist()!r})\n"
                   f"    return _{function}(first, *rest)\n")
        nb = nbformat.reads(ex.with_cell(nb, after, wrapper), as_version=4)
    return ex.text(nb)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A secret in a file outside the course, and the private hidden references recorded with it."""
    home = tmp_path_factory.mktemp("instructor")
    value = "agsecret" + secrets.token_hex(16)
    (home / "secret").write_text(value + "\n")
    assert cli.main(["references", "--assignment", "ch03", "--secret-file", str(home / "secret")]) == 0
    found = private.find(home / "secret")
    assert found.references == (home / "hidden-references").resolve() and found.value == value.encode()
    return found, home



@pytest.fixture(scope="module")
def graded(recorded, tmp_path_factory):
    """The same students graded without the secret, then with it, on one worker, with two
    attackers ahead of the honest student: a scanner, and a copier who also empties the table of
    derived seeds so that the hidden tests draw the public inputs again."""
    found, home = recorded
    tmp = tmp_path_factory.mktemp("graded")
    students = {"copier": {NB1: copier()}, "honest": {NB1: ex.text(ex.solved(NB1))}}
    public = grade(ex.write_class(tmp / "public", students), tmp / "out-public", settings=Settings(workers=1))
    scan = hostile.secret_scan(found.value.decode(), found.references, home / "secret")
    students["a-scanner"] = {NB1: ex.with_cell(ex.solved(NB1), "ex1-dot-scores", scan)}
    students["copier-clears"] = {NB1: ex.with_cell(nbformat.reads(copier(), as_version=4), "setup-01",
                                                   "from autograde.kernel import seeding\nseeding.DERIVED.clear()")}
    with_secret = grade(ex.write_class(tmp / "private", students), tmp / "out-private",
                        settings=Settings(workers=1, secret=found))
    by = lambda rows: {r.student_id: r for r in rows if r.notebook == STEM1}  # noqa: E731
    return by(public), by(with_secret), tmp / "out-private"


def full_marks() -> float:
    return sum(e["points"] for e in references().exercises_of(STEM1).values())


def copied_points() -> dict[str, float]:
    """Grade id -> the points of the copied checks in it."""
    lost: dict[str, float] = {}
    for grade_id, exercise in references().exercises_of(STEM1).items():
        for check in exercise["checks"]:
            if check["name"] in {c[0] for c in COPIED}:
                assert check["hidden"], check
                lost[grade_id] = lost.get(grade_id, 0.0) + check["points"]
    assert len(lost) == 3
    return lost


@pytest.mark.grading
def test_copied_hidden_values_pass_without_the_secret_and_fail_with_it(graded):
    public, with_secret, _ = graded
    assert (public["copier"].score, public["copier"].status) == (full_marks(), "ok"), public["copier"]
    lost = copied_points()
    row = with_secret["copier"]
    assert row.status == "ok" and row.score == pytest.approx(full_marks() - sum(lost.values())), row
    for grade_id, points in lost.items():
        assert row.exercises[grade_id] == pytest.approx(public["copier"].exercises[grade_id] - points), grade_id
    # the public inputs again do not help: the hidden checks are compared with the private references,
    # so emptying the table loses the copied checks and every other hidden check that draws from a seed
    clears = with_secret["copier-clears"]
    assert clears.score < row.score, clears
    for grade_id, points in lost.items():
        assert clears.exercises[grade_id] <= public["copier"].exercises[grade_id] - points, grade_id


@pytest.mark.grading
def test_an_honest_student_keeps_full_marks_with_the_secret(graded):
    """Graded after the scanner and the copiers, on the same worker."""
    public, with_secret, _ = graded
    assert sorted(with_secret) == ["a-scanner", "copier", "copier-clears", "honest"]
    for rows in (public, with_secret):
        assert (rows["honest"].score, rows["honest"].status) == (full_marks(), "ok"), rows["honest"]


@pytest.mark.grading
def test_the_secret_and_the_private_references_never_reach_the_notebook(graded):
    _, with_secret, out = graded
    assert (with_secret["a-scanner"].score, with_secret["a-scanner"].status) == (full_marks(), "ok")
    cells = nbformat.read(out / ".nbgrader" / "autograded" / "a-scanner" / "ch03" / NB1, as_version=4).cells
    index = next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1-dot-scores")
    printed = "".join(o.get("text", "") for o in cells[index + 1].outputs if o.get("output_type") == "stream")
    assert printed.splitlines() == [
        "environment: []", "proc environ: []", "gc: 0 control: True", "private folders: [False, False]",
        f"derived seeds: {len(private.hidden_seeds('ch03'))}",
        f"[{'e' * 32!r}]",  # its heap holds its own planted string, and no secret
    ], printed


def test_grading_with_a_secret_but_no_private_references_stops_before_grading(recorded, tmp_path, capsys):
    found, home = recorded
    source = ex.write_class(tmp_path / "class", {"honest": {NB1: ex.text(ex.solved(NB1))}})
    with pytest.raises(SystemExit) as stopped:
        cli.main(["grade", str(source), "--out", str(tmp_path / "out"), "--secret-file", str(home / "secret"),
                  "--hidden-references", str(tmp_path / "nothing-recorded")])
    assert stopped.value.code == 2
    assert "no private hidden references for 01_attention_without_weights" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_references_recorded_with_another_secret_stop_grading(recorded, tmp_path):
    found, _ = recorded
    other = private.Secret(b"another secret", found.references)
    with pytest.raises(UsageError, match="recorded with another secret"):
        grade(ex.write_class(tmp_path / "class", {"honest": {NB1: ex.text(ex.solved(NB1))}}), tmp_path / "out", "ch03",
              settings=Settings(workers=1, secret=other))
    assert not (tmp_path / "out").exists()


def test_private_references_lacking_hidden_checks_stop_grading(recorded, tmp_path):
    from safetensors.torch import save_file

    found, _ = recorded
    partial = private.Secret(found.value, tmp_path / "partial")
    for path in sorted(found.folder("ch03").glob("*.safetensors")):
        partial.folder("ch03").mkdir(parents=True, exist_ok=True)
        save_file({"unrelated": torch.zeros(1)}, str(partial.folder("ch03") / path.name),
                  metadata={private.FINGERPRINT_KEY: found.fingerprint()})
    with pytest.raises(UsageError, match="lack .* hidden check"):
        private.check_recorded(partial, "ch03")


def test_the_private_references_are_checked_and_stay_out_of_the_course(recorded):
    found, home = recorded
    private.check_recorded(found, "ch03")  # what the fixture recorded is complete
    assert cli.main(["references", "--assignment", "ch03", "--check", "--secret-file", str(home / "secret")]) == 0
    assert not any(p.is_relative_to(course.ROOT) for p in found.references.rglob("*"))
    for inside in (course.ROOT / "private", course.references("ch03") / "hidden", Path(sys.prefix) / "private",
                   Path(sys.base_prefix) / "private"):
        with pytest.raises(UsageError, match="outside the course"):
            private.find(home / "secret", inside)
    (course.ROOT / "reference" / "secret-test").write_bytes(found.value)
    try:  # a secret file the sandbox would mount, or that git would commit
        with pytest.raises(UsageError, match="the secret file must be kept outside the course"):
            private.find(course.ROOT / "reference" / "secret-test", home / "elsewhere")
    finally:
        (course.ROOT / "reference" / "secret-test").unlink()


def test_hidden_tests_draw_from_derived_seeds_and_visible_ones_stay_public(recorded):
    found, _ = recorded
    table = dict(found.table("ch03"))
    assert 31 in table and 80 not in table and 90 not in table  # ex1's hidden seeded(31); ex10/ex11's visible ones
    assert all(0 <= seed < 2**63 for seed in table.values()) and len(set(table.values())) == len(table)
    assert private.Secret(b"another", found.references).seed(31) != table[31]
    with drawing_from(table.items()):
        with seeded(31):
            hidden = torch.rand(5, 4)
        with seeded(80):
            visible = torch.rand(4, 5)
        module = load_by_name(torch.nn.Linear(4, 3), 31)  # a 63-bit seed: within a generator's range
    assert DERIVED == {}
    torch.manual_seed(table[31])
    assert torch.equal(hidden, torch.rand(5, 4))
    with seeded(80):
        assert torch.equal(visible, torch.rand(4, 5))
    assert not torch.equal(module.weight, load_by_name(torch.nn.Linear(4, 3), 31).weight)


def test_a_seed_used_in_and_outside_hidden_tests_is_refused(tmp_path, monkeypatch):
    cell = {"id": "c1", "cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": "with seeded(7):\n    x = 1\n### BEGIN HIDDEN TESTS\nwith seeded(7):\n    y = 2\n"
                      "m = build(8, make)\n### END HIDDEN TESTS\n"}
    (tmp_path / "nb.ipynb").write_text(nbformat.writes(nbformat.from_dict(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})))
    monkeypatch.setattr(course, "solutions", lambda assignment: tmp_path)
    with pytest.raises(UsageError, match="seed.s. 7 are used both"):
        private.hidden_seeds("x")
    cell["source"] = cell["source"].replace("with seeded(7):\n    x = 1\n", "")
    (tmp_path / "nb.ipynb").write_text(nbformat.writes(nbformat.from_dict(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})))
    assert private.hidden_seeds("x") == [7, 8]


def test_a_students_check_never_uses_the_secret(recorded, monkeypatch, tmp_path):
    """`autograde check` grades with Settings of its own: no secret, whatever the environment says."""
    from autograde import student
    from autograde.grading import grader

    monkeypatch.setenv(private.ENV, recorded[0].value.decode())
    seen = []

    def grade_spy(*args, settings=None, **kwargs):
        seen.append(settings)
        raise RuntimeError("stop here")

    monkeypatch.setattr(grader, "grade", grade_spy)
    notebook = tmp_path / NB1
    notebook.write_text(ex.text(ex.solved(NB1)))
    with pytest.raises(RuntimeError, match="stop here"):
        student.check([notebook])
    assert seen and seen[0].secret is None and seen[0].seeds == ()
    with pytest.raises(SystemExit):  # nor can a student hand it one
        cli.build_parser().parse_args(["check", str(notebook), "--secret-file", "secret"])


def test_the_scanner_finds_a_secret_that_is_there(tmp_path):
    """The scan above is only as good as its eyes: in a process that does hold the secret (in its
    environment, as an instructor's shell would), it finds it everywhere it looks."""
    import os
    import subprocess

    value = "agsecret" + secrets.token_hex(16)
    run = subprocess.run([sys.executable, "-c", hostile.secret_scan(value, tmp_path, tmp_path / "secret")], capture_output=True,
                         text=True, env={**os.environ, private.ENV: value}, timeout=120 * SLOW)
    lines = run.stdout.splitlines()
    assert run.returncode == 0 and lines[0] == f"environment: [{private.ENV!r}]", run
    assert lines[1] == f"proc environ: {[private.ENV.encode()]!r}", lines  # its own; its pid is not 1 here
    assert lines[2].startswith("gc: ") and not lines[2].startswith("gc: 0 "), lines
    assert lines[3] == "private folders: [True, False]" and lines[4] == "derived seeds: 0", lines
    assert value[len("agsecret"):] in lines[5], lines


def test_where_the_secret_is_found(tmp_path, monkeypatch):
    """--secret-file, then $AUTOGRADE_SECRET, then the default file outside the course; else none."""
    monkeypatch.delenv(private.ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert private.find() is None
    default = private.default_file()
    assert default == tmp_path / "config" / "autograde" / course.ROOT.name / "secret"
    default.parent.mkdir(parents=True)
    default.write_text("from the default file\n")
    assert private.find() == private.Secret(b"from the default file", (default.parent / "hidden-references").resolve())
    monkeypatch.setenv(private.ENV, "from the environment")
    assert private.find().value == b"from the environment"
    assert private.find().references == (default.parent / "hidden-references").resolve()
    (tmp_path / "flag").write_text("from the flag")
    assert private.find(tmp_path / "flag", tmp_path / "refs") == private.Secret(b"from the flag", (tmp_path / "refs").resolve())
    assert cli._secret(cli.build_parser().parse_args(["references", "--no-secret"])) is None
    with pytest.raises(UsageError, match="no secret file"):
        private.find(tmp_path / "missing")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(UsageError, match="is empty"):
        private.find(tmp_path / "empty")
    assert "from" not in repr(private.find())  # a Secret never prints its value


def test_a_run_with_a_secret_never_resumes_one_without(recorded):
    """The resume key covers the secret and its private references: grading into the same folder
    with a secret after a run without one (or with another secret) grades everyone again."""
    found, _ = recorded
    without, with_secret = Settings().fingerprint("ch03"), Settings(secret=found).fingerprint("ch03")
    other = private.Secret(b"another secret", found.references)
    assert len({without, with_secret, Settings(secret=other).fingerprint("ch03")}) == 3
