"""The switch CI flips: a test that needs something this machine lacks skips here, saying
why, and fails with the same reason under AUTOGRADE_CI_STRICT=1 (or its older name,
AUTOGRADE_REQUIRE_SANDBOX=1). Run on a tiny generated test file, in a pytest of its own."""
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

HERE = Path(__file__).parent

NEEDY = '''
import pytest
from conftest import require


@pytest.mark.needs_browser
def test_marked_for_a_browser():
    pass


def test_requiring_a_unicorn():
    require("a unicorn", "none in this stable")
'''


def outcomes(folder: Path, **env: str) -> dict[str, tuple[str, str]]:
    """Each test's outcome (passed, skipped, failure, error) and its message, from pytest's JUnit XML."""
    clean = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADE_CI_STRICT", "AUTOGRADE_REQUIRE_SANDBOX")}
    # no Chromium on this PATH, whatever the machine has; no third-party plugins (seconds to load)
    subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--junitxml={folder / 'report.xml'}",
                    str(folder)], cwd=folder, capture_output=True, text=True,
                   env={**clean, "PATH": str(folder), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
                        # the modules the copied conftest imports, and no Playwright browser either
                        "PYTHONPATH": str(HERE), "PLAYWRIGHT_BROWSERS_PATH": str(folder), **env})
    found = {}
    for case in ElementTree.parse(folder / "report.xml").iter("testcase"):
        verdict = next(iter(case.findall("skipped") + case.findall("failure") + case.findall("error")), None)
        found[case.get("name")] = ("passed", "") if verdict is None else (verdict.tag, verdict.get("message", ""))
    assert set(found) == {"test_marked_for_a_browser", "test_requiring_a_unicorn"}, found
    return found


@pytest.fixture(scope="module")
def needy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("needy")
    shutil.copy(HERE / "conftest.py", folder / "conftest.py")
    (folder / "test_needy.py").write_text(NEEDY, encoding="utf-8")
    return folder


def test_locally_a_missing_need_skips_saying_why(needy):
    found = outcomes(needy)
    assert found["test_marked_for_a_browser"][0] == "skipped" and "no Chromium for the browser tests" in found["test_marked_for_a_browser"][1]
    assert found["test_requiring_a_unicorn"] == ("skipped", "needs a unicorn, missing here: none in this stable")


@pytest.mark.parametrize("variable", ["AUTOGRADE_CI_STRICT", "AUTOGRADE_REQUIRE_SANDBOX"])
def test_under_ci_a_missing_need_fails_with_the_reason(needy, variable):
    found = outcomes(needy, **{variable: "1"})
    # the mark is checked before the test's fixtures: a failure in its set-up, which pytest reports as an error
    assert found["test_marked_for_a_browser"][0] == "error" and "no Chromium for the browser tests" in found["test_marked_for_a_browser"][1]
    assert found["test_requiring_a_unicorn"][0] == "failure" and "none in this stable" in found["test_requiring_a_unicorn"][1]
