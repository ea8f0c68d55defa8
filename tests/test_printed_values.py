"""The stored outputs of the solutions show every value the book's walkthrough prints.

The numbers are the book's (recomputed with torch 2.13 on CPU); whitespace is ignored
because torch pads columns differently when a tensor holds -inf or negative numbers.
"""
import re

import nbformat
import pytest

from autograde import course

PRINTED = {
    "01_attention_without_weights": [
        "[0.9544,1.4950,1.4754,0.8434,0.7070,1.0865]",
        "[0.1455,0.2278,0.2249,0.1285,0.1077,0.1656]",
        "Sum:tensor(1.0000)",
        "Attentionweights:tensor([0.1385,0.2379,0.2333,0.1240,0.1082,0.1581])",
        "Sum:tensor(1.)",
        "query.shape:torch.Size([3])",
        "[0.4419,0.6515,0.5683]",
    ],
    "02_attention_all_tokens": [
        "[[0.9995,0.9544,0.9422,0.4753,0.4576,0.6310],[0.9544,1.4950,1.4754,0.8434,0.7070,1.0865],",
        "[[0.2098,0.2006,0.1981,0.1242,0.1220,0.1452],[0.1385,0.2379,0.2333,0.1240,0.1082,0.1581],",
        "Row2sum:1.0",
        "Allrowsums:tensor([1.0000,1.0000,1.0000,1.0000,1.0000,1.0000])",
        "[[0.4421,0.5931,0.5790],[0.4419,0.6515,0.5683],[0.4431,0.6496,0.5671],"
        "[0.4304,0.6298,0.5510],[0.4671,0.5910,0.5266],[0.4177,0.6503,0.5645]]",
    ],
    "03_trainable_weights": [
        "[0.4306,1.4551]",
        "torch.Size([6,2])",
        "1.8524",
        "[1.2705,1.8524,1.8111,1.0795,0.5577,1.5440]",
        "[0.1500,0.2264,0.2199,0.1311,0.0906,0.1820]",
        "[0.3061,0.8210]",
        "[[0.2996,0.8053],[0.3061,0.8210],[0.3058,0.8203],[0.2948,0.7939],[0.2927,0.7891],[0.2990,0.8040]]",
        "[[-0.0739,0.0713],[-0.0748,0.0703],[-0.0749,0.0702],[-0.0760,0.0685],[-0.0763,0.0679],[-0.0754,0.0693]]",
        "[[-0.5337,-0.1051],[-0.5323,-0.1080],[-0.5323,-0.1079],[-0.5297,-0.1076],[-0.5311,-0.1066],[-0.5299,-0.1081]]",
    ],
    "04_causal_attention": [
        "[0.1921,0.1646,0.1652,0.1550,0.1721,0.1510]",
        "[1.0000,0.0000,0.0000,0.0000,0.0000,0.0000]",
        "[0.5517,0.4483,0.0000,0.0000,0.0000,0.0000]",
        "[0.3800,0.3097,0.3103,0.0000,0.0000,0.0000]",
        "[0.2758,0.2460,0.2462,0.2319,0.0000,0.0000]",
        "[0.2175,0.1983,0.1984,0.1888,0.1971,0.0000]",
        "[0.1935,0.1663,0.1666,0.1542,0.1666,0.1529]",
        "[[0.2899,-inf,-inf,-inf,-inf,-inf],[0.4656,0.1723,-inf",
        "[0.4594,", "[0.2642,", "[0.2183,", "[0.3408,",
        "[2.,2.,0.,2.,2.,0.]",
        "torch.Size([2,6,3])",
        "[[-0.4519,0.2216],[-0.5874,0.0058],[-0.6300,-0.0632],[-0.5675,-0.0843],[-0.5526,-0.0981],[-0.5299,-0.1081]]",
        "torch.Size([2,6,2])",
    ],
    "07_attention_that_learns": [
        "['the','cat','sat','on','a','mat','a','dog']",
        "x.shape:(8,16)",
        "['the','the','cat','sat','on','a','mat','a']",
        "parameters:456",
        "lossbeforetraining:2.1",
        "loss:2.1beforetraining,0.00after100steps",
        "testpositionspredictedright:2048of2048",
    ],
    "05_multi_head_attention": [
        "[[-0.4519,0.2216,0.4772,0.1063],[-0.5874,0.0058,0.5891,0.3257],[-0.6300,-0.0632,0.6202,0.3860],"
        "[-0.5675,-0.0843,0.5478,0.3589],[-0.5526,-0.0981,0.5321,0.3428],[-0.5299,-0.1081,0.5077,0.3493]]",
        "torch.Size([2,6,4])",
        "[[0.3190,0.4858],[0.2943,0.3897],[0.2856,0.3593],[0.2693,0.3873],[0.2639,0.3928],[0.2575,0.4028]]",
        "torch.Size([2,6,2])",
    ],
}


def stored_text(notebook: str) -> str:
    nb = nbformat.read(course.solutions("ch03") / f"{notebook}.ipynb", as_version=4)
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return re.sub(r"\s+", "", "\n".join(parts))


@pytest.mark.parametrize("notebook", PRINTED)
def test_walkthrough_values_are_in_the_stored_outputs(notebook):
    text = stored_text(notebook)
    missing = [value for value in PRINTED[notebook] if value not in text]
    assert not missing, f"{notebook} does not show {missing}"


def test_gpt2_sized_attention_parameter_count_is_shown():
    text = stored_text("06_multi_head_in_practice")
    assert "2360064" in text or "2,360,064" in text
