"""Heatmaps of attention weights, with the tokens on both axes.

Figures are drawn with matplotlib's object API (no pyplot state, no GUI backend) and shown
as a PNG with a fixed text part, so a notebook's text outputs stay the same on every run
(strict nbval compares text; it does not compare images). Under `autograde grade` nothing
is drawn: grading needs the checks, not the pictures.
"""
from __future__ import annotations

import base64
import io
import os
import textwrap
from collections.abc import Sequence

import torch

Panel = tuple[torch.Tensor, str]
TITLE_WIDTH = 40  # characters of a title line that fit above one 4.2-inch panel at font size 10


def heatmap(weights: torch.Tensor, tokens: Sequence[str], title: str) -> None:
    """Show one (queries x keys) matrix of attention weights as a heatmap."""
    heatmaps([(weights, title)], tokens)


def heatmaps(panels: Sequence[Panel], tokens: Sequence[str], *, decimals: int = 2) -> None:
    """Show matrices of attention weights side by side, rows = queries, columns = keys, each
    cell labelled with its value; -inf (a masked score) is shown as blank."""
    if os.environ.get("AUTOGRADE_MODE") == "emit":
        return
    figure = figure_of(panels, tokens, decimals=decimals)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, metadata={"Software": None})
    titles = "; ".join(title for _, title in panels)
    _show_png(buffer.getvalue(), f"[heatmap: {titles}]")


def figure_of(panels: Sequence[Panel], tokens: Sequence[str], *, decimals: int = 2):
    """The matplotlib Figure that `heatmaps` shows (for saving or testing)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.2 * len(panels), 3.9), layout="constrained")
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    for ax, (weights, title) in zip(axes, panels):
        matrix = weights.detach().cpu().double()
        if matrix.ndim != 2 or matrix.shape[0] != len(tokens) or matrix.shape[1] != len(tokens):
            raise ValueError(f"{title!r}: expected a {len(tokens)} x {len(tokens)} matrix, got shape {tuple(matrix.shape)}")
        shown = torch.where(torch.isfinite(matrix), matrix, torch.nan).numpy()
        low, high = colour_range(matrix)
        image = ax.imshow(shown, cmap="viridis", vmin=low, vmax=high)
        ax.set_xticks(range(len(tokens)), tokens, rotation=45, ha="right")
        ax.set_yticks(range(len(tokens)), tokens)
        ax.set_xlabel("key (attended to)")
        ax.set_ylabel("query")
        ax.set_title(textwrap.fill(title, TITLE_WIDTH), fontsize=10)  # a long title wraps instead of being cut
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                value = float(matrix[i, j])
                if value == value and abs(value) != float("inf"):  # skip NaN and -inf
                    ax.text(j, i, f"{value:.{decimals}f}", ha="center", va="center", fontsize=7,
                            color="black" if value > low + 0.6 * (high - low) else "white")
        figure.colorbar(image, ax=ax, shrink=0.8)
    return figure


def colour_range(matrix: torch.Tensor) -> tuple[float, float]:
    """The panel's own colour scale: its smallest to its largest finite entry. A scale pinned
    to 0-1 would paint weights of 0.09-0.24 one flat colour; a constant panel gets a unit range."""
    finite = matrix[torch.isfinite(matrix)]
    if finite.numel() == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    return (low, high) if high > low else (low - 0.5, low + 0.5)


def _show_png(png: bytes, text: str) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display({"image/png": base64.b64encode(png).decode("ascii"), "text/plain": text}, raw=True)
