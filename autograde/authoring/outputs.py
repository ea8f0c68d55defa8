"""Refreshing the stored outputs of the solution notebooks (what strict nbval replays)."""
from __future__ import annotations

from pathlib import Path

import nbformat

from .. import atomic


def execute_in_place(path: Path, timeout: int = 120) -> bool:
    """Run `path` top to bottom in a fresh kernel and store its outputs; stops at the first error.
    Returns whether the file changed: a run that prints what the stored one printed leaves it alone."""
    from nbclient import NotebookClient
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    # how a cell's prints arrive in stream messages depends on when the kernel flushed: merged,
    # the same prints are stored as the same outputs on every run
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    text = nbformat.writes(nb) + "\n"  # nbformat.write's own ending
    if path.read_text(encoding="utf-8") == text:
        return False
    atomic.write_text(path, text)
    return True
