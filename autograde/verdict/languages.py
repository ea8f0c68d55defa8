"""Which language(s) the course speaks to this user: English, Chinese, or both side by side."""
from __future__ import annotations

import os

CHOICES = ("en", "zh", "both")


def default() -> str:
    """`both`, unless the environment asks for one language: AUTOGRADE_LANG, or the first of
    LANGUAGE, LC_ALL, LC_MESSAGES and LANG that is set (zh_CN.UTF-8 asks for Chinese)."""
    chosen = os.environ.get("AUTOGRADE_LANG", "").lower()
    if chosen in CHOICES:
        return chosen
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").lower()
        if value:
            first = value.split(":")[0]
            return "zh" if first.startswith("zh") else "en" if first.startswith("en") else "both"
    return "both"


def pick(lang: str, en: str, zh: str) -> list[str]:
    """The lines to show for one bilingual message."""
    return {"en": [en], "zh": [zh], "both": [en, zh]}[lang]
