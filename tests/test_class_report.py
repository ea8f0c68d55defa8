"""The class report: a small graded class with known mistakes and a planted near-copy gives
exact counts in report.html, mistakes.csv and similarity.csv; aggregation and escaping on
plain data; a real headless Chromium renders the page."""
import csv
import re
import shutil

import pytest

from autograde import cli, course
from autograde.reports import class_report
from autograde.verdict import references
import example_class as ex
from autograde.grading.grader import Row, Settings, grade
from autograde.reports.grades import write_csv
from autograde.reports.similarity import Similarity
from autograde.verdict.mistakes import MISTAKES
from autograde.verdict.statuses import say
from chromium import launch


NB2 = ex.NB2
STEM2 = NB2[:-6]
CLASS = ex.copying_class()
OWN = ("ex4-all-scores", "ex5-attention-weights", "ex6-all-context-vecs")  # what the students wrote themselves
# the notebook's other exercises, answered as the solution does (the blank student answers none)
NOT_OWN = ("ex4b-predict-weights", "ex6b-predict-cosines", "ex7-cosine-scores", "ex7b-debug-attention")
FULL2 = sum(e["points"] for e in references.load(hidden=False).exercises_of(STEM2).values())


@pytest.fixture(scope="module")
def graded(tmp_path_factory, working_sandbox):
    tmp = tmp_path_factory.mktemp("report")
    source = ex.write_class(tmp / "submitted", CLASS)
    out = tmp / "out"
    rows = grade(source, out, settings=Settings(workers=2))
    write_csv(rows, out / "grades.csv")
    class_report.write(out, rows)
    return out, rows


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_class_graded_as_planned(graded):
    _, rows = graded
    scores = {r.student_id: r.score for r in rows if r.notebook == STEM2}
    # softmax over dim=0 loses what mistakes.py lists for it, in ex5 and ex6
    full = {gid: e["points"] for gid, e in references.load(hidden=False).exercises_of(STEM2).items()}
    dim0 = FULL2 - sum(full[gid] - points for gid, points in MISTAKES["softmax-dim-0"].scores.items())
    assert scores == {"copy_source": dim0, "copy_renamed": dim0, "own_dim0": dim0, "honest_a": FULL2, "honest_b": FULL2, "blank": 0.0}


def test_mistakes_csv_has_one_row_per_student_exercise_and_mistake(graded):
    out, _ = graded
    found = {(r["student_id"], r["exercise"], r["mistake"]) for r in read_csv(out / "mistakes.csv")}
    dim0 = {"copy_source", "copy_renamed", "own_dim0"}
    assert found == ({(s, "ex5-attention-weights", "softmax-dim-0") for s in dim0}
                     | {(s, "ex6-all-context-vecs", "softmax-dim-0") for s in dim0}
                     | {("blank", e, "code-failed") for e in (*OWN, *NOT_OWN)})
    row = next(r for r in read_csv(out / "mistakes.csv") if r["student_id"] == "own_dim0" and r["exercise"] == "ex5-attention-weights")
    assert "use dim=-1" in row["en"] and "请用 dim=-1" in row["zh"] and row["checks"].startswith("attn_weights; ")


def mistake_rows(page: str, exercise: str) -> dict:
    table = re.search(rf'<table class="mistakes" data-exercise="{exercise}">(.*?)</table>', page, re.S).group(1)
    return {m: (share, int(count)) for m, share, count in re.findall(
        r'<tr data-mistake="([^"]+)"><td class="n"><span class="bar"[^>]*></span>(\d+%)</td>\s*<td class="n">(\d+)</td>', table)}


def test_report_shows_the_common_mistakes_with_exact_counts_and_shares(graded):
    out, _ = graded
    page = (out / "report.html").read_text(encoding="utf-8")
    assert mistake_rows(page, "ex5-attention-weights") == {"softmax-dim-0": ("50%", 3), "code-failed": ("17%", 1)}
    assert mistake_rows(page, "ex6-all-context-vecs") == {"softmax-dim-0": ("50%", 3), "code-failed": ("17%", 1)}
    assert mistake_rows(page, "ex4-all-scores") == {"code-failed": ("17%", 1)}
    assert "softmax over dim=0 makes each key&#39;s column sum to 1" in page and "请用 dim=-1" in page


def test_the_planted_near_copy_is_flagged_and_no_one_else(graded):
    out, _ = graded
    rows = read_csv(out / "similarity.csv")
    flagged = [(r["exercise"], r["student_a"], r["student_b"]) for r in rows if r["flagged"] == "yes"]
    assert sorted(flagged) == [(e, "copy_renamed", "copy_source") for e in ("ex4-all-scores", "ex5-attention-weights", "ex6-all-context-vecs")]
    assert [r["rank"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert all(float(r["similarity"]) < 0.6 for r in rows if r["flagged"] == "no")
    assert not any(r["kind"] == "identical hand-in" for r in rows)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('<details id="pair-') == 3
    assert '<span class="m">    for i in range(n):</span>' in page  # the renamed loop is highlighted


def test_students_who_need_attention(graded):
    out, _ = graded
    page = (out / "report.html").read_text(encoding="utf-8")
    attention = re.search(r'<table id="attention-table">(.*?)</table>', page, re.S).group(1)
    students = re.findall(r'<td rowspan="\d+">([^<]+)</td>', attention)
    assert students == sorted(CLASS)  # every student hands in notebook 2 alone, and misses every other
    others = len(course.notebook_names("ch03")) - 1
    assert others >= 4 and attention.count(f">{say('missing')}<") == others * len(CLASS)
    assert re.search(rf"<td>02_attention_all_tokens</td>\s*<td class=\"n\">0 / {FULL2:g}</td>", attention)  # blank scored zero


def test_index_of_feedback_pages_and_grading_times(graded):
    out, _ = graded
    page = (out / "report.html").read_text(encoding="utf-8")
    for student in CLASS:
        assert f'<a href="feedback/{student}/{STEM2}.html">{STEM2}</a>' in page
        assert (out / "feedback" / student / f"{STEM2}.html").exists()
    times = re.search(r'<table id="times-table">(.*?)</table>', page, re.S).group(1)
    assert re.search(rf"<td>{STEM2}</td><td class=\"n\">6</td>", times)
    # offline: the plots are inline, nothing is fetched (the only URLs are XML namespaces inside the SVGs)
    assert page.count("<svg") == 4 and "<script" not in page and "<img" not in page and "<link rel=\"stylesheet" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_autograde_report_rebuilds_the_same_report_from_the_gradebook(graded, tmp_path):
    out, _ = graded
    before = {name: (out / name).read_bytes() for name in ("mistakes.csv", "similarity.csv")}
    (out / "mistakes.csv").unlink()
    assert cli.main(["report", str(out)]) == 0
    assert {name: (out / name).read_bytes() for name in before} == before
    # without grades.csv the statuses come from the gradebook and the notebooks
    shutil.copytree(out, tmp_path / "copy", ignore=shutil.ignore_patterns("grades.csv"))
    rows = class_report.rows_from_gradebook(tmp_path / "copy", f"sqlite:///{tmp_path / 'copy' / 'gradebook.db'}", "ch03")
    assert {(r.student_id, r.notebook, r.score, r.status) for r in rows} == {
        (r.student_id, r.notebook, r.score, r.status) for r in graded[1]}


def test_report_on_a_folder_that_is_not_a_grading_output_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", str(tmp_path)])
    assert exit_.value.code == 2
    assert "not a grading output folder" in capsys.readouterr().err


def test_student_text_is_escaped():
    """Student ids, statuses, error texts and code are hostile: none may become markup."""
    from autograde.reports.similarity import Pair

    evil = '<script>alert("x")</script>'
    check = {"name": "attn_weights", "points": 1, "hidden": False, "passed": False, "mistake": "code-failed",
             "en": f"your code failed: {evil}", "zh": f"你的代码出错：{evil}"}
    nb = {"cells": [{"cell_type": "code", "source": "", "metadata": {
        "nbgrader": {"grade_id": "ex5-attention-weights", "grade": True}, "autograde": {"checks": [check]}}}],
        "metadata": {"autograde": {"seconds": 0.5}}}
    rows = [Row(evil, STEM2, 0.0, 7.0, evil, {}), Row("b&b", STEM2, 7.0, 7.0, "ok", {})]
    data = class_report.ClassData("ch03", rows, {(evil, STEM2): nb, ("b&b", STEM2): {"cells": []}}, {evil: [f"{STEM2}.html"]})
    pair = Pair("ex5-attention-weights", evil, "b&b", 1.0, 1.0, 1.0, 9, True, True, f"x = '{evil}'", "</pre><b>", {0}, {0})
    page = class_report.render(data, class_report.mistakes(data), Similarity([pair], [], 2))
    assert "<script>" not in page and "</pre><b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page and "b&amp;b" in page
    assert 'href="feedback/%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E/02_attention_all_tokens.html"' in page


def test_aggregates_on_plain_data():
    def test_cell(grade_id, *checks):
        return {"cell_type": "code", "source": "", "metadata": {"nbgrader": {"grade_id": grade_id, "grade": True},
                                                               "autograde": {"checks": list(checks)}}}

    def failed(name, mistake):
        return {"name": name, "passed": False, "mistake": mistake, "en": mistake, "zh": mistake}

    ok = {"name": "hidden", "passed": True, "mistake": "", "en": "", "zh": ""}
    notebooks = {
        ("s1", STEM2): {"cells": [test_cell("ex5-attention-weights", failed("a", "softmax-dim-0"), failed("b", "softmax-dim-0"))]},
        ("s2", STEM2): {"cells": [test_cell("ex5-attention-weights", failed("a", "softmax-dim-0"), failed("b", "values-differ"))]},
        ("s3", STEM2): {"cells": [test_cell("ex5-attention-weights", ok), test_cell("ex4-all-scores", failed("c", "wrong-shape"))]},
        ("s4", STEM2): {"cells": [test_cell("ex5-attention-weights", ok)]},
    }
    full = {gid: e["points"] for gid, e in references.load(hidden=False).exercises_of(STEM2).items()}
    rows = [Row(s, STEM2, sum(full.values()) - 1 + e5, sum(full.values()), "ok", {**full, "ex5-attention-weights": e5})
            for s, e5 in (("s1", 0.0), ("s2", 0.25), ("s3", 1.0), ("s4", 1.0))]
    rows.append(Row("s5", STEM2, 0.0, sum(full.values()), "missing", {}))
    data = class_report.ClassData("ch03", rows, notebooks)
    found = class_report.mistakes(data)
    assert [(m.student_id, m.mistake, m.checks) for m in found if m.exercise == "ex5-attention-weights"] == [
        ("s1", "softmax-dim-0", ["a", "b"]), ("s2", "softmax-dim-0", ["a"]), ("s2", "values-differ", ["b"])]
    common = class_report.common_mistakes(data, found)
    assert [(c.mistake, c.count, c.share, c.students) for c in common["ex5-attention-weights"]] == [
        ("softmax-dim-0", 2, 0.5, ["s1", "s2"]), ("values-differ", 1, 0.25, ["s2"])]
    hardest = class_report.exercise_stats(data)
    assert full["ex5-attention-weights"] == 1.0
    assert hardest[0].key == "ex5-attention-weights" and hardest[0].scores == [0.0, 0.25, 1.0, 1.0]  # s5 is not graded
    assert hardest[0].mean == 0.5625 and hardest[0].median == 0.625
    assert list(class_report.needs_attention(data)) == ["s5"]


@pytest.fixture(scope="module")
def copied_graded(tmp_path_factory, working_sandbox):
    out = tmp_path_factory.mktemp("copied") / "out"
    source = ex.write_class(out.parent / "submitted", ex.copied_values_class())
    rows = grade(source, out, settings=Settings(workers=2))
    write_csv(rows, out / "grades.csv")
    class_report.write(out, rows)
    return out, rows


def test_copied_values_are_listed_with_the_exercises_named(copied_graded):
    out, rows = copied_graded
    refs = references.load(hidden=False)
    visible = {gid: sum(c["points"] for c in e["checks"] if not c["hidden"]) for gid, e in refs.exercises_of(STEM2).items()}
    copied = ("ex4-all-scores", "ex5-attention-weights", "ex7-cosine-scores")
    earned = {r.student_id: r.exercises for r in rows if r.notebook == STEM2}
    # what the attack earns: exactly the visible points of the exercises it copied, all of those it computed
    full = {gid: e["points"] for gid, e in refs.exercises_of(STEM2).items()}
    assert earned["copies_values"] == {**full, **{gid: visible[gid] for gid in copied}}
    assert earned["copies_one"]["ex4-all-scores"] == visible["ex4-all-scores"]
    assert [r.score for r in rows if r.student_id == "honest" and r.notebook == STEM2] == [FULL2]
    data = class_report.load(out, rows)
    # one exercise copied is below the threshold; wrong on visible and hidden inputs alike is a mistake, not a copy
    assert class_report.copied_values(data) == {"copies_values": list(copied)}
    page = (out / "report.html").read_text(encoding="utf-8")
    table = re.search(r'<table id="copied-table">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<tr><td>([^<]+)</td>", table) == ["copies_values"]
    for gid in copied:
        assert f"{refs.exercises[gid]['title']} <span class=\"muted\">({gid}, {STEM2})</span>" in table
    assert "Copied values? · 抄来的数值？" in page and "可能抄了数值" in page
    # the nav counts each student who needs attention once: all five missed four notebooks, the copier is not counted twice
    assert f'<a href="#attention">Needs attention ({len(ex.copied_values_class())})</a>' in page


def test_copied_values_on_plain_data():
    """The threshold, and which checks are hidden: the references say, not the verdicts."""
    def cell(grade_id, passed_visible, passed_hidden):
        checks = [{"name": c["name"], "hidden": False,  # a verdict's own flag is not what decides
                   "passed": passed_hidden if c["hidden"] else passed_visible}
                  for c in references.references().exercises[grade_id]["checks"]]
        return {"cell_type": "code", "source": "", "metadata": {"nbgrader": {"grade_id": grade_id, "grade": True},
                                                               "autograde": {"checks": checks}}}

    four, five, seven = "ex4-all-scores", "ex5-attention-weights", "ex7-cosine-scores"
    notebooks = {
        ("copier", STEM2): {"cells": [cell(four, True, False), cell(five, True, False), cell(seven, True, True)]},
        ("once", STEM2): {"cells": [cell(four, True, False), cell(five, True, True)]},
        ("wrong", STEM2): {"cells": [cell(four, False, False), cell(five, False, False), cell(seven, False, False)]},
        ("right", STEM2): {"cells": [cell(four, True, True), cell(five, True, True), cell(seven, True, True)]},
    }
    # a hidden check that passed is no copy: the code computed something for an input it never saw
    partly = cell(seven, True, False)
    partly["metadata"]["autograde"]["checks"][-1]["passed"] = True
    notebooks[("partly", STEM2)] = {"cells": [cell(four, True, False), partly]}
    data = class_report.ClassData("ch03", [Row(s, STEM2, 0.0, FULL2, "ok", {}) for s, _ in notebooks], notebooks)
    assert class_report.COPIED_VALUES_AT == 2
    assert class_report.copied_values(data) == {"copier": [four, five]}


@pytest.mark.needs_browser
def test_a_real_browser_shows_the_report_without_errors(graded, tmp_path):
    from playwright.sync_api import sync_playwright

    out, _ = graded
    problems = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: problems.append(f"fetched {r.url}") if not r.url.startswith(("file:", "data:")) else None)
        try:
            page.goto((out / "report.html").resolve().as_uri())
            page.wait_for_load_state("load")
            assert page.locator("h1").inner_text().startswith("Class report")
            assert page.locator("#flagged tr").count() == 4  # a header and the three flagged exercises
            assert page.locator("figure svg").count() == 4 and page.locator("figure svg").first.bounding_box()["width"] > 300
            page.locator("#pair-1 .pair pre span.m").first.wait_for()
            page.get_by_role("link", name=f"{STEM2}").first.click()  # the feedback index opens a student's page
            assert page.locator("h1").inner_text().startswith(STEM2)
            page.go_back()
        finally:
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            browser.close()
    assert problems == []
    assert (tmp_path / "report.png").stat().st_size > 50_000
