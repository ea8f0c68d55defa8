"""`autograde grade`'s limits reach the grader: --memory-gb, --max-processes and --disk-mb in the
Settings it is given and in the Request each worker gets, --profile in the file it writes with
the grader's own stage times. The command runs for real; only grading itself is stood in for."""
import json

import pytest

from autograde import cli
from autograde.grading import grader
from autograde.grading.grader import Row, Settings
from autograde.intake import submissions
from autograde.reports import grades
from autograde.workers.protocol import DEFAULT_DISK_BYTES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES


class Stop(Exception):
    pass


def graded_with(monkeypatch, tmp_path, *args: str) -> tuple[Settings, object]:
    """The Settings and the Stages `autograde grade` hands grade() when run with `args` (the
    command stops where it would write grades.csv, after the profile)."""
    given = {}

    def grade(handins, out, assignment, db_url, settings, stages, **_):
        given.update(settings=settings, stages=stages)
        stages.seconds["execute"] += 1.5  # what the grader measured, for the profile
        return [Row("amy", "01_attention_without_weights", 1.0, 2.0, "ok")]

    def write_csv(*_):
        raise Stop

    monkeypatch.setattr(submissions, "collect", lambda *_: submissions.Intake([], []))
    monkeypatch.setattr(grader, "grade", grade)
    monkeypatch.setattr(grades, "write_csv", write_csv)
    with pytest.raises(Stop):
        cli.main(["grade", str(tmp_path / "class.zip"), "--out", str(tmp_path / "out"), *args])
    return given["settings"], given["stages"]


def test_the_limits_reach_the_settings_and_every_worker_s_request(tmp_path, monkeypatch):
    settings, _ = graded_with(monkeypatch, tmp_path, "--memory-gb", "1.5", "--max-processes", "17", "--disk-mb", "300")
    assert (settings.memory_bytes, settings.max_processes, settings.disk_bytes) == (int(1.5 * 2**30), 17, 300 * 2**20)
    request = settings.request([])
    assert (request["memory_bytes"], request["max_processes"], request["disk_bytes"]) == (int(1.5 * 2**30), 17, 300 * 2**20)
    # and a changed limit is a changed grade: nothing graded under the old one is reused
    assert settings.fingerprint("ch03") != Settings(timeout=settings.timeout, lang=settings.lang).fingerprint("ch03")


def test_without_the_flags_the_protocol_s_defaults_hold(tmp_path, monkeypatch):
    settings, _ = graded_with(monkeypatch, tmp_path)
    assert (settings.memory_bytes, settings.max_processes, settings.disk_bytes) == (
        DEFAULT_MEMORY_BYTES, DEFAULT_MAX_PROCESSES, DEFAULT_DISK_BYTES)


def test_profile_writes_the_grader_s_stage_times(tmp_path, monkeypatch):
    profile = tmp_path / "profile.json"
    _, stages = graded_with(monkeypatch, tmp_path, "--profile", str(profile))
    written = json.loads(profile.read_text(encoding="utf-8"))
    assert written["notebooks"] == 1 and written["seconds"] == {"execute": 1.5} == dict(stages.seconds)
    assert written["grading_seconds"] >= 0 and "process_cpu_seconds" in written
