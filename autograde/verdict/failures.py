"""What a check says when the learner's code raised instead of handing out a value.

A hidden check calls the learner's code with the hidden test's frames, source lines and
inputs within its reach, so whatever that code puts into its exception may carry them. For a
hidden check the student is told only that the code failed and the exception's type, and
only a type of Python's own (a class the student defines can be named anything). A visible
check keeps the message, unless it quotes a line of the hidden tests.
"""
from __future__ import annotations

import builtins
import re

from .compare import Verdict
from .diagnose import explain_error

MESSAGE_CHARS = 300  # of a visible check's exception message
NOT_A_TENSOR = "expected a tensor, got "  # values.NotATensor's message, handed out without a type
# nbgrader's markers around a test cell's hidden tests (its ClearHiddenTests removes what is between)
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)


def python_exception(error: str) -> str | None:
    """The type named at the start of `error` ("ValueError: ..."), if it is one of Python's
    built-in exceptions; None for anything else."""
    name = error.split(":", 1)[0].strip()
    found = getattr(builtins, name, None)
    return name if isinstance(found, type) and issubclass(found, BaseException) else None


def hidden_lines(source: str) -> list[str]:
    """The lines between nbgrader's hidden-test markers in a test cell's source, stripped."""
    return [line.strip() for region in HIDDEN_REGION.findall(source) for line in region.splitlines() if line.strip()]


def _quotes(text: str, lines: list[str]) -> bool:
    flat = re.sub(r"\s+", "", text)
    return any(len(key) >= 8 and key in flat for key in (re.sub(r"\s+", "", line) for line in lines))


def quotes_hidden(text: str, sources: list[str]) -> bool:
    """Whether `text` quotes a line of the hidden tests of any of `sources` (test cells' sources)."""
    return _quotes(text, [line for source in sources for line in hidden_lines(source)])


def failed_in_hidden(error: str) -> tuple[str, str]:
    """English and Chinese for a hidden check whose code raised `error`: its type only."""
    if error.startswith(NOT_A_TENSOR):
        return ("your code did not return a tensor for the hidden input",
                "对隐藏输入，你的代码返回的不是张量")
    kind = python_exception(error)
    if kind:
        return (f"your code failed on the hidden input with {kind} (its message is not shown: it could hold the hidden test)",
                f"你的代码在隐藏输入上出错，类型为 {kind}（不显示错误信息：其中可能含有隐藏测试的内容）")
    return ("your code failed on the hidden input with an exception of its own class (its message is not shown: "
            "it could hold the hidden test)",
            "你的代码在隐藏输入上抛出了自定义类型的异常（不显示错误信息：其中可能含有隐藏测试的内容）")


def code_failed(error: str, notebook: str | None, hidden: bool, hidden_source: str = "") -> Verdict:
    """The verdict of a check whose code raised `error` ("Type: message"); `hidden_source` is
    the test cell's source, whose hidden lines a visible check's message may not quote."""
    if hidden or _quotes(error, hidden_lines(hidden_source)):
        en, zh = failed_in_hidden(error)
    else:
        en, zh = f"your code failed: {error[:MESSAGE_CHARS]}", f"你的代码出错：{error[:MESSAGE_CHARS]}"
    known = explain_error(error, notebook)
    if known:  # a catalogued mistake that crashes: say which (catalogue text), and count it as that mistake
        return Verdict(False, f"{en}: {known.en}", f"{zh}：{known.zh}", known.mistake)
    return Verdict(False, en, zh, "code-failed")
