"""Refreshing the stored outputs of the solution notebooks (what strict nbval replays)."""
from __future__ import annotations

from pathlib import Path

import nbformat


def execute_in_place(path: Path, timeout: int = 120) -> None:
    """Run `path` top to bottom in a fresh kernel and store its outputs; stops at the first error."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
