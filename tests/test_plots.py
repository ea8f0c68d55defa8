"""Heatmaps of attention weights: one panel per matrix, token labels, the same picture every
time, and nothing drawn while grading."""
import io

import pytest
import torch

from autograde.kernel import plots

TOKENS = ["Your", "journey", "starts", "with", "one", "step"]


def causal_weights() -> torch.Tensor:
    scores = torch.arange(36.0).view(6, 6) / 10
    return torch.softmax(scores.masked_fill(torch.triu(torch.ones(6, 6, dtype=torch.bool), 1), -torch.inf), dim=-1)


def png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=60, metadata={"Software": None})
    return buffer.getvalue()


def test_one_labelled_panel_per_matrix():
    weights = causal_weights()
    figure = plots.figure_of([(weights, "causal"), (torch.full((6, 6), 1 / 6), "uniform")], TOKENS)
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["causal", "uniform"]
    assert [t.get_text() for t in panels[0].get_yticklabels()] == TOKENS
    assert len(panels[0].texts) == 36 and panels[0].texts[0].get_text() == "1.00"


def test_masked_scores_are_left_blank():
    scores = torch.zeros(6, 6).masked_fill(torch.triu(torch.ones(6, 6, dtype=torch.bool), 1), -torch.inf)
    ax = next(ax for ax in plots.figure_of([(scores, "masked scores")], TOKENS).axes if ax.get_title())
    assert len(ax.texts) == 21  # the 15 entries above the diagonal are -inf


def test_the_picture_is_the_same_every_time():
    assert png(plots.figure_of([(causal_weights(), "causal")], TOKENS)) == png(plots.figure_of([(causal_weights(), "causal")], TOKENS))


def test_a_matrix_of_the_wrong_size_is_refused_with_its_shape():
    with pytest.raises(ValueError, match=r"6 x 6 matrix, got shape \(2, 6, 6\)"):
        plots.figure_of([(torch.zeros(2, 6, 6), "batch")], TOKENS)


def test_nothing_is_drawn_while_grading(monkeypatch):
    monkeypatch.setenv("AUTOGRADE_MODE", "emit")
    monkeypatch.setattr(plots, "figure_of", lambda *a, **k: pytest.fail("drew a figure while grading"))
    plots.heatmap(causal_weights(), TOKENS, "causal")


def test_each_panel_has_its_own_colour_scale():
    # Weights of 0.09-0.24 must span the colour map, not sit in its bottom quarter; a panel
    # beside it with weights up to 2 (dropout's scaled survivors) must not squash it.
    flat = torch.linspace(0.09, 0.24, 36).view(6, 6)
    figure = plots.figure_of([(flat, "flat"), (flat * 8, "scaled")], TOKENS)
    images = [ax.images[0] for ax in figure.axes if ax.get_title()]
    assert [(round(i.norm.vmin, 4), round(i.norm.vmax, 4)) for i in images] == [(0.09, 0.24), (0.72, 1.92)]


def test_a_constant_panel_still_has_a_colour_scale():
    image = next(ax for ax in plots.figure_of([(torch.full((6, 6), 1 / 6), "uniform")], TOKENS).axes if ax.get_title()).images[0]
    assert image.norm.vmax > image.norm.vmin


def test_a_long_title_is_wrapped_inside_the_figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    title = "scaled attention weights (3.4): softmax(queries @ keys.T / sqrt(d_k))"
    figure = plots.figure_of([(causal_weights(), title)], TOKENS)
    FigureCanvasAgg(figure).draw()
    ax = next(ax for ax in figure.axes if ax.get_title())
    extent = ax.title.get_window_extent(figure.canvas.get_renderer())
    assert ax.get_title().replace("\n", " ") == title
    assert 0 <= extent.x0 and extent.x1 <= figure.bbox.x1
