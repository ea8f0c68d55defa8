"""Requests for the workers from bare sources, as a notebook's code cells would be sent."""
from autograde.workers.protocol import Cell, RanCell


def cells(*sources: str) -> list[Cell]:
    """Code cells with ids of their own (`code-0`, `code-1`, ...), as a notebook's would have."""
    return [Cell(id=f"code-{i}", source=source) for i, source in enumerate(sources)]


def outputs(ran: list[RanCell]) -> list[list[dict]]:
    """The outputs of each cell that ran, in order."""
    return [cell["outputs"] for cell in ran]
