"""Each likely mistake, made with torch itself, is named by the comparison."""
import pytest
import torch

from autograde.verdict.compare import compare

torch.manual_seed(0)
X = torch.rand(6, 3)
SCORES = X @ X.T


def weights(scores, d_k=2.0):
    return torch.softmax(scores / d_k**0.5, dim=-1)


def causal(scores, diagonal=1):
    mask = torch.triu(torch.ones_like(scores, dtype=torch.bool), diagonal=diagonal)
    return torch.softmax(scores.masked_fill(mask, -torch.inf), dim=-1)


def test_same_values_computed_differently_pass():
    loop = torch.stack([torch.stack([torch.dot(a, b) for b in X]) for a in X])
    assert compare(loop, SCORES).passed
    assert compare(torch.einsum("id,jd->ij", X.double(), X.double()).float(), SCORES).passed
    assert compare(torch.exp(SCORES) / torch.exp(SCORES).sum(-1, keepdim=True), torch.softmax(SCORES, -1)).passed


@pytest.mark.parametrize("value, expected, words", [
    (torch.softmax(SCORES + torch.arange(6.0), dim=0), torch.softmax(SCORES + torch.arange(6.0), dim=-1), "dim=-1"),
    (torch.softmax(SCORES, dim=-1), weights(SCORES, d_k=2.0), "sqrt(d_k)"),
    (causal(SCORES, diagonal=2), causal(SCORES), "off by one"),
    (causal(SCORES, diagonal=0), causal(SCORES), "diagonal"),
    (torch.softmax(SCORES, -1), causal(SCORES), "causal mask is missing"),
    (SCORES / SCORES.sum(-1, keepdim=True) * 1.5, torch.softmax(SCORES, -1), "do not sum to 1"),
    ((X @ X.T + torch.arange(6.0)).T, X @ X.T + torch.arange(6.0), "transpose"),
    (torch.zeros(3, 6), torch.zeros(6, 3), "swapped"),
    (SCORES * 2**0.5, SCORES, "sqrt(2)"),
])
def test_likely_mistake_is_named(value, expected, words):
    verdict = compare(value, expected)
    assert not verdict.passed
    assert words in verdict.en, verdict.en
    assert verdict.zh and verdict.zh != verdict.en


def test_future_filled_with_zero_is_not_called_a_missing_mask():
    mask = torch.triu(torch.ones(6, 6, dtype=torch.bool), diagonal=1)
    zero_filled = torch.softmax(SCORES.masked_fill(mask, 0) / 2**0.5, dim=-1)
    verdict = compare(zero_filled, weights(SCORES.masked_fill(mask, -torch.inf)))
    assert "-inf" in verdict.en and "-inf" in verdict.zh and "missing" not in verdict.en
    # a batch, as CausalAttention's weights would be
    assert "-inf" in compare(torch.stack([zero_filled, zero_filled]), torch.stack([causal(SCORES / 2**0.5)] * 2)).en


def test_dropout_left_on_is_named():
    expected = causal(SCORES)
    torch.manual_seed(123)
    dropped = torch.nn.Dropout(0.5)(expected)
    verdict = compare(dropped, expected)
    assert "dropout" in verdict.en and not verdict.passed


def test_shape_dtype_and_type_come_first():
    assert "shape (6,)" in compare(torch.zeros(6), torch.zeros(6, 3)).en
    assert "dtype torch.float64" in compare(torch.zeros(2, dtype=torch.float64), torch.zeros(2)).en
    assert "expected a tensor, got str" in compare("0.95", torch.zeros(2)).en
    assert not compare(torch.full((2,), float("nan")), torch.zeros(2)).passed


def test_known_mistake_value_is_recognised():
    from autograde.verdict.mistakes import MISTAKES

    assert MISTAKES, "the catalogue of mistakes is empty"
    mistake_id = next(iter(MISTAKES))
    wrong = torch.tensor([1.0, 2.0])
    verdict = compare(wrong.clone(), torch.tensor([1.0, 3.0]), {mistake_id: wrong})
    assert verdict.en == MISTAKES[mistake_id].en


def test_lying_objects_are_not_tensors():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    assert not compare(AlwaysEqual(), torch.zeros(2)).passed


def test_position_is_hidden_for_hidden_inputs():
    assert "index" in compare(torch.tensor([0.0, 5.0]), torch.zeros(2)).en
    assert "index" not in compare(torch.tensor([0.0, 5.0]), torch.zeros(2), reveal_position=False).en


@pytest.mark.parametrize("value, expected, mistake", [
    (torch.softmax(SCORES + torch.arange(6.0), dim=0), torch.softmax(SCORES + torch.arange(6.0), dim=-1), "softmax-over-columns"),
    (torch.softmax(SCORES, dim=-1), weights(SCORES, d_k=2.0), "weights-too-sharp"),
    (weights(SCORES, d_k=4.0), weights(SCORES, d_k=2.0), "weights-too-flat"),
    (causal(SCORES, diagonal=2), causal(SCORES), "mask-shows-next-token"),
    (causal(SCORES, diagonal=0), causal(SCORES), "mask-off-by-one"),
    (torch.softmax(SCORES, -1), causal(SCORES), "no-causal-mask"),
    (SCORES / SCORES.sum(-1, keepdim=True) * 1.5, torch.softmax(SCORES, -1), "not-normalised"),
    ((X @ X.T + torch.arange(6.0)).T, X @ X.T + torch.arange(6.0), "transposed"),
    (torch.zeros(3, 6), torch.zeros(6, 3), "swapped-shape"),
    (torch.zeros(6), torch.zeros(6, 3), "wrong-shape"),
    (torch.zeros(2, dtype=torch.float64), torch.zeros(2), "wrong-dtype"),
    ("0.95", torch.zeros(2), "not-a-tensor"),
    (SCORES * 2**0.5, SCORES, "constant-factor"),
    (torch.tensor([0.0, 5.0]), torch.zeros(2), "values-differ"),
])
def test_each_verdict_carries_a_stable_mistake_id(value, expected, mistake):
    """The class report counts mistakes by these ids: one id per kind, whatever numbers the text holds."""
    assert compare(value, expected).mistake == mistake
    assert compare(expected, expected).mistake == ""


def test_a_catalogue_mistake_is_counted_under_its_own_id():
    from autograde.verdict.mistakes import MISTAKES

    mistake_id = next(iter(MISTAKES))
    wrong = torch.tensor([1.0, 2.0])
    assert compare(wrong.clone(), torch.tensor([1.0, 3.0]), {mistake_id: wrong}).mistake == mistake_id
