"""What people and scripts read: `check` whole at any terminal width, in the language asked
for, and `--json` from `check` and `grade`."""
import json
import re

import pytest
from rich.cells import cell_len
from rich.console import Console

from autograde import cli, course
from autograde.verdict import languages
import example_class as ex
from autograde.grading.grader import Row
from autograde.reports.grades import Progress, check_json, print_check, print_summary
from autograde.verdict.statuses import STATUSES, placeholders, say
from autograde.student import check

NB4 = "04_causal_attention.ipynb"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """A blank notebook 4 (every exercise fails, with long bilingual messages and hints) and a
    notebook 1 with one catalogued mistake."""
    folder = tmp_path_factory.mktemp("mine")
    (folder / NB4).write_text(ex.text(ex.blank(NB4)), encoding="utf-8")
    name, content = ex.with_mistake("softmax-dim-0")
    (folder / name).write_text(content, encoding="utf-8")
    return check([folder / NB4, folder / name])


def rendered(reports, width, lang="both") -> str:
    console = Console(width=width, record=True, color_system=None, force_terminal=False)
    print_check(reports, console, lang=lang)
    return console.export_text()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def messages(reports):
    for report in reports:
        for exercise in report.exercises:
            for _, en, zh in exercise.failed:
                yield en, zh
            if exercise.failed and exercise.hint:
                yield exercise.hint


def test_the_fixture_has_long_failures_in_both_languages(reports):
    found = list(messages(reports))
    assert len(found) >= 4 and any(len(en) > 60 for en, _ in found) and any(len(zh) > 30 for _, zh in found)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_check_output_is_whole_at_any_width(reports, width):
    text = rendered(reports, width)
    assert all(len(line) <= width for line in text.splitlines())
    assert "…" not in text
    flat = squeeze(text)
    for en, zh in messages(reports):
        assert squeeze(en) in flat and squeeze(zh) in flat, (en, zh)


@pytest.mark.parametrize("lang, shown, hidden", [("en", 0, 1), ("zh", 1, 0)])
def test_one_language_when_asked(reports, lang, shown, hidden):
    flat = squeeze(rendered(reports, 80, lang))
    pairs = list(messages(reports))
    assert all(squeeze(pair[shown]) in flat for pair in pairs)
    assert not any(squeeze(pair[hidden]) in flat for pair in pairs if squeeze(pair[hidden]) not in squeeze(pair[shown]))
    statuses = [(r.status, r.status_zh) for r in reports]  # each notebook's status, in its heading
    assert all(squeeze(f"({status[shown]})") in flat and squeeze(f"({status[hidden]})") not in flat for status in statuses)


@pytest.mark.parametrize("environment, expected", [
    ({}, "both"), ({"LANG": "C.UTF-8"}, "both"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANGUAGE": "zh_TW:en", "LANG": "en_US.UTF-8"}, "zh"), ({"AUTOGRADE_LANG": "both", "LANG": "zh_CN.UTF-8"}, "both"),
])
def test_the_default_language_follows_the_environment(monkeypatch, environment, expected):
    for variable in ("AUTOGRADE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert languages.default() == expected


def test_check_json_has_the_documented_shape(reports):
    data = json.loads(json.dumps(check_json(reports), ensure_ascii=False))
    assert [d["notebook"] for d in data] == [r.notebook for r in reports]
    for notebook in data:
        assert set(notebook) == {"notebook", "status", "problems", "exercises"}
        for exercise in notebook["exercises"]:
            assert set(exercise) == {"title", "earned", "possible", "hidden_points", "failed", "hint"}
            assert all(set(f) == {"check", "en", "zh"} for f in exercise["failed"])
            assert exercise["hint"] is None or set(exercise["hint"]) == {"en", "zh"}


def summary(rows, lang, width=120) -> str:
    console = Console(width=width, record=True, color_system=None, force_terminal=False)
    print_summary(rows, console, lang)
    return console.export_text()


def long_status_rows():
    """Statuses whose sentences run past any column: a long English one, a long Chinese one,
    one said by every row (a warning), for a student with a long id."""
    shared = say("shared-id", count=2, id="wang_xiaoming", sources="Canvas user 12345, Moodle participant 5512",
                 new_id="wang_xiaoming-2")
    notes = [say("cell-timeout", cell=9), say("nbgrader-refused"), say("unreadable-notebook")]
    return [Row("wang_xiaoming-2", f"0{i}_attention", 0.0, 6.0, "; ".join(m.en for m in (note, shared)),
                messages=[note.as_dict(), shared.as_dict()]) for i, note in enumerate(notes, start=1)]


LANGUAGES = {"en": ["en"], "zh": ["zh"], "both": ["en", "zh"]}  # --lang -> the message texts it shows


def uncut_summary(rows, lang: str, width: int) -> str:
    """The grade summary at `width` columns, checked to fit them without a "…"."""
    text = summary(rows, lang, width)
    assert all(cell_len(line) <= width for line in text.splitlines()) and "…" not in text, text
    return text


@pytest.mark.parametrize("lang", ["en", "zh", "both"])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_grade_summary_wraps_whole_sentences_at_any_width(width, lang):
    rows = long_status_rows()
    text = uncut_summary(rows, lang, width)
    flat = squeeze(text.replace("│", "").replace("┃", ""))
    sentences = [m[key] for r in rows for m in r.messages for key in LANGUAGES[lang]]
    assert any(cell_len(s) > width // 2 for s in sentences)  # the fixture does run past the column (in cells)
    for sentence in sentences:
        assert squeeze(sentence) in flat, sentence


def every_status_rows():
    """One row per catalogued status, its placeholders filled, for a student whose id is one long word."""
    rows = []
    for i, (code, (en, zh)) in enumerate((c, texts) for c, texts in STATUSES.items() if c != "ok"):  # ok is no problem
        message = say(code, **{name: "x" * 12 for name in placeholders(en) | placeholders(zh)})
        rows.append(Row("wang_xiaoming_2024_section_B_exchange", f"{i:02d}_attention_without_weights", 0.0, 6.0,
                        str(message), messages=[message.as_dict()]))
    return rows


@pytest.mark.parametrize("lang", ["en", "zh", "both"])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_every_catalogued_status_is_whole_in_the_grade_summary(width, lang):
    rows = every_status_rows()
    text = uncut_summary(rows, lang, width)
    # the problems column alone, read down: the id's folded pieces in the first column stay out of it
    problems = squeeze("".join(line.split("│")[-2] for line in text.splitlines() if line.count("│") == 4))
    missing = [m[key] for r in rows for m in r.messages for key in LANGUAGES[lang] if squeeze(m[key]) not in problems]
    assert len(rows) == len(STATUSES) - 1 and not missing, missing


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("who", ["ada_complete", "王小明_wang_xiaoming_2024_section_B_exchange"])
def test_the_progress_line_fits_the_terminal_uncut(width, who):
    """The bar's last line stays on screen above the summary: its labels, figures and the
    student's name are whole (the name may fold), and no line is wider than the terminal."""
    console = Console(width=width, record=True, color_system=None, force_terminal=False)
    with Progress(console) as progress:
        progress.start(28)
        progress.advance(who, long_status_rows())
    text = console.export_text()
    assert all(cell_len(line) <= width for line in text.splitlines()) and "…" not in text, text
    assert all(word in text.split() for word in ("grading", "3/28", "notebooks", "ETA")), text
    assert squeeze(who) in squeeze(text), text


def late_rows():
    late = say("late", lms="Canvas")
    return [Row("王小明", "01_attention_without_weights", 6.0, 6.0, f"ok; {late}", messages=[say("ok").as_dict(), late.as_dict()]),
            Row("王小明", "02_attention_all_tokens", 0.0, 6.0, f"missing; {late}", messages=[say("missing").as_dict(), late.as_dict()])]


@pytest.mark.parametrize("lang, shown, hidden", [
    ("en", ["warning: marked late by Canvas", "02_attention_all_tokens: missing", "student"], ["迟交", "未提交", "学生"]),
    ("zh", ["注意：Canvas 标记为迟交", "02_attention_all_tokens：未提交", "学生"], ["marked late", "missing", "student"]),
    ("both", ["warning: marked late by Canvas", "注意：Canvas 标记为迟交", "02_attention_all_tokens: missing",
              "02_attention_all_tokens：未提交", "student · 学生"], []),
])
def test_the_grade_summary_speaks_the_language_asked(lang, shown, hidden):
    text = summary(late_rows(), lang)
    assert all(s in text for s in shown) and not any(h in text for h in hidden), text
    assert text.count("Canvas") == (2 if lang == "both" else 1)  # what every row says, once


@pytest.mark.grading
def test_grade_json_is_the_only_thing_on_standard_output(tmp_path, capsys):
    """... and with --lang zh, the feedback pages and the summary are in Chinese."""
    source = ex.write_class(tmp_path / "class", {"ana": {ex.NB1: ex.text(ex.blank(ex.NB1))}})
    out_dir = tmp_path / "out"
    status = cli.main(["grade", str(source), "--out", str(out_dir), "--workers", "1", "--json", "--lang", "zh"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert status == 0 and data["not_graded"] == 0 and data["sandbox"] is True
    row = next(r for r in data["rows"] if r["notebook"] == ex.NB1[:-6])
    assert row["student_id"] == "ana" and row["status"] == "ok" and row["max_score"] > 0
    assert row["messages"] == [{"code": "ok", "en": "ok", "zh": "正常评分"}]
    missing = next(r for r in data["rows"] if r["notebook"] != ex.NB1[:-6])
    assert missing["status"] == say("missing") and missing["messages"][0]["zh"] == say("missing").zh
    assert data["files"]["grades"].endswith("grades.csv") and "notebooks per second" in err
    assert len(data["rows"]) == len(course.notebook_names("ch03"))
    assert "未提交" in err and "学生" in err and "missing" not in err  # the summary table
    page = (out_dir / "feedback" / "ana" / f"{ex.NB1[:-6]}.html").read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in page and "💡" in page and "反馈" in page and "feedback" not in page
