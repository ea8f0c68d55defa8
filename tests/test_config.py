"""nbgrader_config.py is the one place the course's settings live: the cell timeout that
nbgrader reads there is the default of `autograde grade` and `autograde check`, and their
--timeout overrides it."""
import pytest

from autograde import cli, course, student
from autograde.grading import grader, nbgrader_api
from autograde.intake import submissions
from autograde.grading.grader import Settings


class Stop(Exception):
    pass


def with_timeout(tmp_path, monkeypatch, line: str) -> None:
    """Read the course's nbgrader_config.py with its timeout line replaced by `line`."""
    text = (course.ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "\nc.Execute.timeout = 30\n" in text
    config = tmp_path / "nbgrader_config.py"
    config.write_text(text.replace("\nc.Execute.timeout = 30\n", f"\n{line}\n"), encoding="utf-8")
    monkeypatch.setattr(nbgrader_api, "config_file", lambda: config)


def timeouts_used(monkeypatch, *args: str) -> dict[str, int]:
    """The cell timeout `autograde grade` and `autograde check` run with, given `args`."""
    used = {}

    def grade(submissions, out, assignment, db_url, settings, **_):
        used["grade"] = settings.timeout
        raise Stop

    def check(notebooks, timeout, hints, **_):
        used["check"] = timeout
        raise Stop

    monkeypatch.setattr(submissions, "collect", lambda *_: None)
    monkeypatch.setattr(grader, "grade", grade)
    monkeypatch.setattr(student, "check", check)
    for command in (["grade", "class.zip", "--out", "out"], ["check", "mine.ipynb"]):
        with pytest.raises(Stop):
            cli.main([*command, *args])
    return used


def test_the_course_s_cell_timeout_is_30_seconds_everywhere(tmp_path, monkeypatch):
    assert nbgrader_api.cell_timeout() == 30 == Settings().timeout
    assert nbgrader_api.nbgrader_config(tmp_path, "sqlite://").Execute.timeout == 30  # what nbgrader runs with
    assert timeouts_used(monkeypatch) == {"grade": 30, "check": 30}


def test_the_config_sets_the_commands_default_and_the_flag_wins(tmp_path, monkeypatch, capsys):
    with_timeout(tmp_path, monkeypatch, "c.Execute.timeout = 7")
    assert timeouts_used(monkeypatch) == {"grade": 7, "check": 7}
    assert timeouts_used(monkeypatch, "--timeout", "12") == {"grade": 12, "check": 12}
    assert Settings().timeout == 7  # grading called from Python, and `autograde check`'s own grading
    with pytest.raises(SystemExit):
        cli.main(["grade", "--help"])
    assert "(default: 7, c.Execute.timeout in nbgrader_config.py)" in " ".join(capsys.readouterr().out.split())


def test_a_config_without_a_timeout_gets_nbgrader_s_default(tmp_path, monkeypatch):
    with_timeout(tmp_path, monkeypatch, "# no timeout")  # as in most nbgrader courses' configs
    assert timeouts_used(monkeypatch) == {"grade": nbgrader_api.NBGRADER_TIMEOUT, "check": nbgrader_api.NBGRADER_TIMEOUT}
    from nbgrader.preprocessors import Execute

    assert nbgrader_api.NBGRADER_TIMEOUT == Execute.timeout.default_value


@pytest.mark.parametrize("line", ["c.Execute.timeout = None", "c.Execute.timeout = '30'", "c.Execute.timeout = 0"])
def test_a_timeout_the_command_cannot_use_is_a_plain_error(tmp_path, monkeypatch, capsys, line):
    with_timeout(tmp_path, monkeypatch, line)
    assert cli.main(["grade", "class.zip", "--out", "out"]) == 2
    assert "c.Execute.timeout must be a whole number of seconds above 0" in capsys.readouterr().err


def test_each_course_folder_gets_its_own_copy_of_the_config(tmp_path):
    first = nbgrader_api.nbgrader_config(tmp_path / "a", "sqlite:///a.db")
    second = nbgrader_api.nbgrader_config(tmp_path / "b", "sqlite:///b.db")
    assert first.CourseDirectory.root == str(tmp_path / "a") and first.CourseDirectory.db_url == "sqlite:///a.db"
    assert second.CourseDirectory.root == str(tmp_path / "b") and second.Exchange.root == str(tmp_path / "b" / "exchange")
    assert first.CourseDirectory.source_directory == second.CourseDirectory.source_directory == "solutions"
