"""The class report's pictures, drawn with matplotlib as inline SVG (the page works offline).

Only numbers and the course's own titles go into a picture, never student text.
"""
from __future__ import annotations

import io
import math
import statistics
from collections import Counter
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display on a grading server
import matplotlib.pyplot as plt  # noqa: E402

BLUE, ORANGE, GREY = "#3b6ea8", "#d9822b", "#888888"


def svg(fig) -> str:
    """The figure as an <svg> element to paste into HTML; the same figure gives the same text."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "class-report", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def score_histograms(panels: Sequence[tuple[str, Sequence[float], float]], columns: int = 4) -> str:
    """One histogram per (title, scores, points possible), with the mean and median marked."""
    rows = max(1, math.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.3 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (title, scores, possible) in zip(axes.flat, panels):
        counts = Counter(scores)
        width = max(possible, 1) / 25
        ax.bar(list(counts), list(counts.values()), width=width, color=BLUE)
        if scores:
            ax.axvline(statistics.mean(scores), color=ORANGE, linestyle="-", linewidth=1.5, label="mean")
            ax.axvline(statistics.median(scores), color=GREY, linestyle="--", linewidth=1.5, label="median")
        ax.set_xlim(-2 * width, possible + 2 * width)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("points", fontsize=8)
        ax.set_ylabel("students", fontsize=8)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(labelsize=7)
    labelled = [ax for ax, (_, scores, _) in zip(axes.flat, panels) if scores]
    if labelled:
        labelled[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return svg(fig)


def hardest_exercises(bars: Sequence[tuple[str, float]]) -> str:
    """Mean share of the points earned per exercise, hardest at the top."""
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(bars) + 0.9))
    labels = [label for label, _ in bars][::-1]
    shares = [100 * share for _, share in bars][::-1]
    ax.barh(labels, shares, color=BLUE)
    for y, share in enumerate(shares):
        ax.text(share + 1, y, f"{share:.0f}%", va="center", fontsize=7)
    ax.set_xlim(0, 110)
    ax.set_xlabel("mean share of the points earned (%)", fontsize=8)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    return svg(fig)


def grading_times(times: Sequence[tuple[str, Sequence[float]]]) -> str:
    """Seconds each notebook took to run, one box per notebook."""
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(times) + 0.9))
    labels = [label for label, _ in times][::-1]
    ax.boxplot([list(seconds) or [0.0] for _, seconds in times][::-1], orientation="horizontal", widths=0.6)
    ax.set_yticks(range(1, len(labels) + 1), labels)
    ax.set_xlabel("seconds to run the notebook", fontsize=8)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    return svg(fig)
