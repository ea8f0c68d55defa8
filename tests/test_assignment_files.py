"""The files an assignment ships beside its notebooks: which ones, the student's own copy only
where nbgrader's config leaves it to them, and the cap on their size."""
import base64

import pytest
from traitlets.config import Config

from autograde import course
from autograde.errors import UsageError
from autograde.grading import assignment_files


@pytest.fixture
def source(tmp_path, monkeypatch):
    folder = tmp_path / "solutions" / "ps1"
    for relative, data in {"p1.ipynb": b"{}", "data.txt": b"line\n", "sub/helper.py": b"VALUE = 1\n",
                           "helper.py": b"VALUE = 'source'\n", ".ipynb_checkpoints/p1-checkpoint.ipynb": b"{}",
                           "sub/__pycache__/helper.cpython-311.pyc": b"\0", "old.pyc": b"\0"}.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    monkeypatch.setattr(course, "solutions", lambda assignment: tmp_path / "solutions" / assignment)
    return folder


def config(**exclude) -> Config:
    c = Config()
    c.Autograde.exclude_overwriting = exclude
    return c


def test_every_file_beside_the_notebooks_but_what_nbgrader_ignores(source):
    assert assignment_files.shipped("ps1", config()) == {
        "data.txt": b"line\n", "helper.py": b"VALUE = 'source'\n", "sub/helper.py": b"VALUE = 1\n"}
    assert assignment_files.own_names("ps1") >= {"data.txt", "helper.py"}


def test_the_students_copy_only_of_a_file_the_config_leaves_to_them(source):
    settings = config(ps1=["helper.py"])
    files = assignment_files.shipped("ps1", settings)
    assert "helper.py" not in files
    excluded = assignment_files.excluded_files("ps1", settings)
    handed = {"p1.ipynb": b"{}", "helper.py": b"VALUE = 'mine'\n", "data.txt": b"my own data\n"}
    given, notes = assignment_files.for_handin(files, excluded, handed)
    decoded = {path: base64.b64decode(data) for path, data in given.items()}
    assert decoded == {"data.txt": b"line\n", "sub/helper.py": b"VALUE = 1\n", "helper.py": b"VALUE = 'mine'\n"}
    assert notes == []
    given, _ = assignment_files.for_handin(files, excluded, {"p1.ipynb": b"{}"})  # none handed in: none given
    assert "helper.py" not in given


def test_a_students_copy_past_the_cap_is_not_used_and_their_rows_say_so(source, monkeypatch):
    settings = config(ps1=["helper.py"])
    files = assignment_files.shipped("ps1", settings)
    monkeypatch.setattr(assignment_files, "FILES_BYTES", sum(map(len, files.values())) + 10)
    given, notes = assignment_files.for_handin(files, ["helper.py"], {"helper.py": b"x" * 11})
    assert "helper.py" not in given
    assert [n.code for n in notes] == ["own-file-too-large"]
    assert notes[0].en.startswith("helper.py: your own copy of this file of the assignment was not used")


def test_an_assignment_folder_over_the_cap_stops_grading_with_a_plain_error(source, monkeypatch):
    monkeypatch.setattr(assignment_files, "FILES_BYTES", 8)
    with pytest.raises(UsageError, match="the files beside the assignment's notebooks take .* MiB, more than the 0 MiB"):
        assignment_files.shipped("ps1", config())
