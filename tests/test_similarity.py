"""Similarity on plain code: planted near-copies are found, honest and blank hand-ins are not."""
import subprocess
import sys

import example_class as ex
from autograde.reports.similarity import Thresholds, compare_class, exercise_cells, normalise, own_code

EX4 = "ex4-all-scores-solution"
STARTER = next(c.source for c in ex.blank(ex.NB2).cells if c.metadata.get("nbgrader", {}).get("grade_id") == EX4)
ORIGINAL = ex.COPIED[EX4]
NEAR_COPY = ex.near_copy(ex.COPIED)[EX4]  # every name changed, the comments moved and reworded
HONEST_LOOPS = ex.HONEST_A[EX4]
HONEST_EINSUM = ex.HONEST_B[EX4]
CANONICAL = ex.OWN_DIM0[EX4]  # return inputs @ inputs.T


def pairs(result):
    return {(p.exercise, p.a, p.b) for p in result.flagged}


def test_a_near_copy_with_renamed_variables_and_moved_comments_is_flagged():
    code = {"ex4": {"orig": ORIGINAL, "copy": NEAR_COPY, "loops": HONEST_LOOPS, "einsum": HONEST_EINSUM,
                    "blank1": STARTER, "blank2": STARTER, "canon": CANONICAL}}
    result = compare_class(code, {"ex4": STARTER})
    assert pairs(result) == {("ex4", "copy", "orig")}
    (pair,) = result.flagged
    assert pair.similarity >= 0.9 and not pair.identical
    # the copied lines are highlighted on both sides; the starter's def line is not evidence
    copied = [i for i, line in enumerate(NEAR_COPY.splitlines()) if "result[i, j] = " in line or "torch.zeros" in line]
    assert copied and set(copied) <= pair.lines_b
    assert all(i in pair.lines_a for i, line in enumerate(ORIGINAL.splitlines()) if "table[row, col] = " in line)
    assert result.identical == []


def test_honest_students_with_different_correct_code_are_not_flagged():
    code = {"ex4": {"loops": HONEST_LOOPS, "einsum": HONEST_EINSUM, "orig": ORIGINAL, "canon": CANONICAL}}
    result = compare_class(code, {"ex4": STARTER})
    assert result.flagged == []
    assert all(p.similarity < 0.5 for p in result.pairs)


def test_blank_hand_ins_and_the_obvious_one_liner_are_not_evidence():
    # ten students write the one obvious line; two leave the starter code as it was
    code = {"ex4": {**{f"s{i}": CANONICAL for i in range(10)}, "blank1": STARTER, "blank2": STARTER}}
    result = compare_class(code, {"ex4": STARTER})
    assert result.flagged == []
    # the one-liner is the same code, but it is everybody's: an identical notebook of ten is listed, blanks are not
    assert [g.students for g in result.identical] == [[f"s{i}" for i in range(10)]]


def test_identical_hand_ins_are_listed_apart_from_similar_pairs():
    other = {"ex5": "def attention_weights(attn_scores):\n    # softmax over each row\n    return torch.softmax(attn_scores, dim=-1)\n"}
    code = {"ex4": {"a": ORIGINAL, "b": ORIGINAL.replace("# one dot product per pair", "# pairs"), "c": NEAR_COPY},
            "ex5": {"a": other["ex5"], "b": other["ex5"], "c": other["ex5"].replace("# softmax over each row\n", "")}}
    result = compare_class(code, {"ex4": STARTER, "ex5": ""}, notebook_of={"ex4": "nb2", "ex5": "nb2"})
    assert [(g.notebook, g.students) for g in result.identical] == [("nb2", ["a", "b"])]
    # a and b are listed once, as identical; c's renamed copy of their code is a similar pair with each
    assert pairs(result) == {("ex4", "a", "c"), ("ex4", "b", "c")}


def test_the_ranking_is_the_same_in_every_process():
    """copydetect's own fingerprints use Python's salted hash(); ours must not."""
    script = ("import sys\nsys.path.insert(0, 'tests')  # the example class, as pytest finds it\n"
              "from test_similarity import *\n"
              "r = compare_class({'ex4': {'orig': ORIGINAL, 'copy': NEAR_COPY, 'einsum': HONEST_EINSUM}}, {'ex4': STARTER})\n"
              "print([(p.a, p.b, p.similarity, p.shared) for p in r.pairs])")
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed, "PATH": ""}, cwd=_root()).stdout for seed in ("1", "2")}
    assert len(outputs) == 1 and "copy" in outputs.pop()


def test_code_python_cannot_tokenize_is_still_compared():
    """An unclosed string or a stray indent: copydetect's Pygments filter takes over."""
    broken = ORIGINAL + '\n  print("unclosed\n'
    copied = NEAR_COPY + '\n  print("unclosed\n'
    assert normalise(broken)[0] and normalise(broken)[2] == " ".join(broken.split())
    result = compare_class({"ex4": {"orig": broken, "copy": copied, "loops": HONEST_LOOPS}}, {"ex4": STARTER})
    assert pairs(result) == {("ex4", "copy", "orig")}


def test_normalised_code_points_back_at_the_raw_code():
    """Every kept character of the normalised code maps to the same character of the code."""
    import numpy as np

    filtered, offsets, plain = normalise(ORIGINAL)
    assert "#" not in filtered and "num_tokens" not in filtered and "range(" in filtered
    assert "num_tokens" in plain and "#" not in plain
    for i, char in enumerate(filtered):
        raw = i + offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], i), 0, len(offsets) - 1)]
        assert char in "VFOS" or ORIGINAL[raw] == char, (i, char)


def test_thresholds_decide_what_is_flagged():
    code = {"ex4": {"orig": ORIGINAL, "copy": NEAR_COPY}}
    assert compare_class(code, {"ex4": STARTER}, Thresholds(flag=1.01)).flagged == []
    assert compare_class(code, {"ex4": STARTER}, Thresholds(min_shared=10_000)).flagged == []


def test_exercise_code_is_the_editable_cells_before_each_test_cell():
    def cell(source, **nbgrader):
        return {"cell_type": "code", "source": source, "metadata": {"nbgrader": nbgrader} if nbgrader else {}}

    nb = {"cells": [cell("import torch", locked=True, grade_id="setup"), cell("x = 1", solution=True, grade_id="ex1-solution"),
                    cell(["y = ", "2"]), cell("check()", grade=True, locked=True, grade_id="ex1"),
                    {"cell_type": "markdown", "source": "text", "metadata": {}},
                    cell("z = 3", solution=True, grade_id="ex2-solution"), cell("check()", grade=True, grade_id="ex2"),
                    cell("w = 4"), "not a cell", {"cell_type": "code", "source": "q", "metadata": {"nbgrader": "odd"}}]}
    assert exercise_cells(nb) == {"ex1": ["x = 1", "y = 2"], "ex2": ["z = 3"]}
    assert exercise_cells(nb, {"ex2"}) == {"ex2": ["z = 3"]}
    assert exercise_cells({"cells": "nonsense"}) == {} and exercise_cells([]) == {}
    # cells left as released are not the student's code
    assert own_code(["x = 1", " print(x)\n", "y = 2"], ["print(x)", "x = 0"]) == "x = 1\n\ny = 2"


def _root():
    from autograde import course

    return str(course.ROOT)
