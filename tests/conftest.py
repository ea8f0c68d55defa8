from pathlib import Path

import pytest

from autograde import course


@pytest.fixture(scope="session")
def solution_notebooks() -> list[Path]:
    notebooks = sorted(course.SOLUTIONS.glob("*.ipynb"))
    assert len(notebooks) == 5, notebooks
    return notebooks
