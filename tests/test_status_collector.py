"""The suite's check that every status of the catalogue is produced by some test
(status_collector.py): what it counts, and that a whole-suite run that misses one fails."""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

import status_collector
from autograde.grading.grader import NOT_GRADED, zero_row
from autograde.intake.submissions import read_notebook
from autograde.verdict.statuses import CATALOGUE, say
from status_collector import PRODUCED, codes_written_under, unproduced, whole_suite

NB1 = "01_attention_without_weights.ipynb"


def test_only_what_the_package_asks_for_counts():
    before = set(PRODUCED)
    PRODUCED.clear()
    try:
        made_here = say("cell-memory", cell=3)  # a test's own words prove nothing, even when the package reports them
        zero_row("amy", NB1, made_here)
        assert PRODUCED == set()
        read_notebook(b"")  # the package's: intake says so of an empty file
        zero_row("amy", NB1, NOT_GRADED)  # a constant of the package's counts when a row carries it
        assert PRODUCED == {"empty-file", "not-graded"}
    finally:  # what this test made the package say proves nothing for the suite
        PRODUCED.clear()
        PRODUCED.update(before)


def test_statuses_written_by_a_grading_in_another_process_count():
    # not under tmp_path: what this test writes must not count for the suite
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "run" / "out" / status_collector.STATE_FILE
        state.parent.mkdir(parents=True)
        rows = [{"messages": [say("cell-timeout", cell=2).as_dict(), say("late", lms="Moodle").as_dict()]}]
        state.write_text(json.dumps({"student": "a", "graded": {"rows": rows}}) + "\n" + '{"student": "b", "gra')
        assert codes_written_under(Path(folder)) == {"cell-timeout", "late"}
        assert codes_written_under(Path(folder), {state.parent.resolve()}) == set()  # a grading run in this process


def test_the_allowlist_excuses_only_what_is_unreachable():
    everything_but = set(CATALOGUE) - {"bad-zip", "reason-os"}
    assert unproduced(everything_but, {}) == (["bad-zip", "reason-os"], [])
    assert unproduced(everything_but, {"bad-zip": "why"}) == (["reason-os"], [])
    # an excuse for what is produced after all, or for no status at all, is itself reported
    assert unproduced(set(CATALOGUE), {"bad-zip": "why", "no-such": "why"}) == ([], ["bad-zip", "no-such"])
    assert status_collector.UNREACHABLE.keys() <= CATALOGUE.keys()


@pytest.mark.parametrize("given, whole", [
    ({}, True), ({"source": "args"}, False), ({"keyword": "intake"}, False), ({"markexpr": "grading"}, False),
    ({"deselect": ["tests/test_x.py::test_y"]}, False), ({"collectonly": True}, False),
])
def test_the_check_fires_only_on_the_whole_suite(given, whole):
    options = {"keyword": "", "markexpr": "", "deselect": None, **given}
    config = SimpleNamespace(
        args_source=pytest.Config.ArgsSource.ARGS if given.get("source") else pytest.Config.ArgsSource.TESTPATHS,
        option=SimpleNamespace(**options), getoption=lambda name, default=None: options.get(name, default))
    assert whole_suite(config) is whole


SUITE_CONFTEST = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
import status_collector

def pytest_configure(config):
    status_collector.record_produced_statuses()
    config.pluginmanager.register(status_collector.CatalogueCheck(), "catalogue-check")
"""


def test_a_whole_run_that_misses_a_status_fails(tmp_path):
    """A passing suite that produces one status, run whole, fails, naming what it missed (that a
    run in part does not fire: test_the_check_fires_only_on_the_whole_suite)."""
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = t\naddopts = -p no:cacheprovider\n")
    (tmp_path / "conftest.py").write_text(SUITE_CONFTEST)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "test_one.py").write_text(
        "from autograde.intake.submissions import read_notebook\n\ndef test_empty():\n    read_notebook(b'')\n")

    quick = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # none of the installed plugins is needed
    whole = subprocess.run([sys.executable, "-m", "pytest"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=quick)
    assert whole.returncode == 1 and "1 passed" in whole.stdout, whole.stdout + whole.stderr
    missed = next(line for line in whole.stdout.splitlines() if line.startswith("statuses of the catalogue that no test"))
    assert "bad-zip" in missed and "reason-os" in missed and "empty-file" not in missed
