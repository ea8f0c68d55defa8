"""Every status a grade can carry, in English and Chinese, from one fixed catalogue.

A status tells a student or an instructor what happened to a notebook and, where it is not
obvious, what to do. Each has a stable code; `say(code, **values)` fills in its placeholders
(cell numbers, counts, file names) in both languages. Nothing else makes a status: the text of
an exception (nbgrader's, a parser's, the operating system's) is logged, never shown, and at
most the kind of problem is named.

A `Message` *is* its English text (a `str`), so grades.csv, scripts and everything that has
always read statuses as text still do; `.zh` is the Chinese, `.code` the catalogue key.
"""
from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Iterable

# code -> (English, Chinese). A row's status is one or more of these joined with "; ".
STATUSES: dict[str, tuple[str, str]] = {
    # the outcome of grading a notebook
    "ok": ("ok", "正常评分"),
    "missing": ("missing: no file for this notebook was handed in", "未提交：没有交这个笔记本的文件"),
    "not-in-assignment": ("not part of this assignment, ignored", "不属于本次作业，已忽略"),
    "not-graded": ("not graded because the grading machinery failed (not the notebook): run the command again to grade it",
                   "未评分：评分系统出了故障（不是笔记本的问题），再运行一次同样的命令即可评分"),
    "no-sandbox": ("graded without a sandbox", "评分时没有使用沙箱"),
    "nbgrader-refused": ("could not be graded: nbgrader could not prepare its cells (damaged cell metadata?), "
                         "so paste the answers into a fresh copy of the notebook and hand that in",
                         "无法评分：nbgrader 无法处理它的单元格（单元格元数据可能已损坏），"
                         "请把答案粘贴到一份新的笔记本副本中，再提交那一份"),
    "nbgrader-failed": ("could not be graded: nbgrader's autograde failed on this hand-in (the details are in grading.log)",
                        "无法评分：nbgrader 自动评分处理这份作业时失败（详情见 grading.log）"),
    "no-result": ("could not be graded: nbgrader recorded no result for it (the details are in grading.log)",
                  "无法评分：nbgrader 没有记录它的结果（详情见 grading.log）"),
    # reading the file
    "renamed-ambiguous": ("{count} files could each be {name} ({files}): none of them was graded, "
                          "so hand in exactly one file named {name}",
                          "有 {count} 个文件都可能是 {name}（{files}）：它们都没有评分，请只提交一个名为 {name} 的文件"),
    "empty-file": ("empty file: hand in the notebook as Jupyter saved it", "空文件：请提交 Jupyter 保存的笔记本文件"),
    "file-too-large": ("file too large for one of this course's notebooks (they are well under 1 MB): hand in the .ipynb itself",
                       "文件过大，不可能是本课程的笔记本（它们都远小于 1 MB）：请提交 .ipynb 文件本身"),
    "not-utf8": ("not a notebook (not UTF-8 text): hand in the .ipynb file as Jupyter saved it",
                 "不是笔记本（不是 UTF-8 文本）：请提交 Jupyter 保存的 .ipynb 文件"),
    "invalid-json": ("invalid JSON (truncated?): save the notebook in Jupyter and hand it in again",
                     "JSON 格式无效（文件不完整？）：请在 Jupyter 中保存笔记本后重新提交"),
    "no-cells": ("not a notebook (no cells): hand in the .ipynb file as Jupyter saved it",
                 "不是笔记本（没有单元格）：请提交 Jupyter 保存的 .ipynb 文件"),
    "unreadable-notebook": ("not a readable notebook (its structure is not a Jupyter notebook's)",
                            "无法读取的笔记本（结构不符合 Jupyter 笔记本格式）"),
    "claims-other": ("{file}: this file's name holds another student's name as the LMS writes it ({owner}), "
                     "so it was graded as your own file, never theirs",
                     "{file}：这个文件的名字里含有 LMS 为另一名学生写的名字（{owner}），因此它按你自己的文件评分，"
                     "绝不算作那名学生的"),
    "converted": ("converted from nbformat {version}", "已从 nbformat {version} 格式转换"),
    "symlink": ("symbolic link, not followed", "符号链接，未读取其指向的文件"),
    "zip-symlink": ("symbolic link in zip, not followed", "zip 中的符号链接，未读取其指向的文件"),
    "unsafe-zip-path": ("unsafe path in zip, skipped", "zip 中的路径不安全，已跳过"),
    "zip-too-many": ("zip lists {count} files, more than the {limit} allowed", "zip 列出了 {count} 个文件，超过允许的 {limit} 个"),
    "class-too-many": ("not opened: the class's hand-ins list more than {limit} files in all, and this zip is among "
                       "the largest, so it was left for last and did not fit: hand in only the notebooks",
                       "未打开：全班提交的文件总数超过 {limit} 个，而这个 zip 是最大的之一，被排在最后，没有余量了，"
                       "请只提交笔记本文件"),
    "bad-zip": ("not a readable zip (damaged, or not a zip at all)", "无法读取的 zip（已损坏，或根本不是 zip 文件）"),
    "unreadable-in-zip": ("unreadable in zip (damaged, encrypted or compressed in an unsupported way)",
                          "zip 中的文件无法读取（已损坏、已加密或压缩方式不受支持）"),
    "unreadable-file": ("unreadable file ({reason})", "无法读取的文件（{reason}）"),
    "unreadable-folder": ("unreadable folder ({reason})", "无法读取的文件夹（{reason}）"),
    # what the grader repaired before grading
    "cells-reordered": ("cells reordered", "单元格的顺序被改动过"),
    "cell-type-restored": ("cell type restored", "已恢复单元格类型"),
    "cells-restored": ("restored deleted cells: {cells}", "已恢复被删除的单元格：{cells}"),
    "metadata-restored": ("nbgrader metadata restored", "已恢复 nbgrader 元数据"),
    "duplicates-ignored": ("duplicate cells ignored", "已忽略重复的单元格"),
    "metadata-removed": ("unknown nbgrader metadata removed", "已删除未知的 nbgrader 元数据"),
    # running the notebook
    "cell-timeout": ("timeout in cell {cell}: it ran longer than a cell may (an endless loop, or a very slow step?)",
                     "第 {cell} 个单元格运行超时：它运行的时间超过了单个单元格的上限（死循环，或某一步太慢？）"),
    "cell-memory": ("memory limit in cell {cell}: it asked for more memory than a notebook may use (a tensor far too large?)",
                    "第 {cell} 个单元格超出内存限制：它申请的内存超过了笔记本的上限（张量是否过大？）"),
    "kernel-died": ("kernel died in cell {cell}: the notebook stopped there (it exited, or crashed Python), "
                    "so the cells after it did not run",
                    "第 {cell} 个单元格运行时内核崩溃：笔记本在那里停止了（它退出了，或让 Python 崩溃），之后的单元格没有运行"),
    "notebook-time-limit": ("notebook time limit reached at cell {cell}: the whole notebook ran longer than it may, "
                            "so the cells from there on did not run",
                            "运行到第 {cell} 个单元格时，整个笔记本的运行时间已用完：从那里开始的单元格没有运行"),
    "output-limit": ("output limit reached in cell {cell}: the notebook printed more than it may, so grading stopped there",
                     "第 {cell} 个单元格的输出超出限制：笔记本输出的内容超过了上限，评分在那里停止"),
    "output-tampered": ("tampered with its output in cell {cell}: what it sent back was not a cell's output, "
                        "so grading stopped there",
                        "第 {cell} 个单元格篡改了自己的输出：它发回的不是单元格的输出，评分在那里停止"),
    "course-answer": ("{exercise}: its answer {what}, so the exercise scores 0: the course's own code earns no points, "
                      "write the code yourself",
                      "{exercise}：答案{what}，因此本练习得 0 分：课程自带的代码不得分，请自己编写代码"),
    "stopped": ("stopped in cell {cell}: the cells after it did not run", "在第 {cell} 个单元格停止运行：之后的单元格没有运行"),
    "output-truncated": ("output truncated: the notebook printed more than is kept, and its checks were still graded",
                         "输出过长，已截断：检查仍然照常评分"),
    # a notebook that attacked the machinery running it
    "value-not-counted": ("test cell {cell} showed a value that was not its own result (code it called, a hook or a thread "
                          "showed it): nbgrader would read it as partial credit, so it was not counted, "
                          "there or in any later test cell",
                          "第 {cell} 个测试单元格显示了一个不是它自身结果的值（由它调用的代码、钩子或线程显示）："
                          "nbgrader 会把它当作部分得分，因此不计入，之后的测试单元格也一样"),
    "test-machinery-changed": ("test cell {cell} did not run, so it earns nothing: an earlier cell changed how test cells "
                               "run (IPython's or Python's machinery) in a way that could not be undone "
                               "(remove the cell that does it)",
                               "第 {cell} 个测试单元格没有运行，因此不得分：前面的某个单元格改动了测试单元格的运行方式"
                               "（IPython 或 Python 的机制），且无法还原（请删除做这件事的单元格）"),
    # tampering with the checks, named with its evidence for an instructor to point to (the grade is
    # already what the student's own code earned: these say why it may look otherwise)
    "machinery-restored": ("before test cell {cell}, an earlier cell had replaced {names}: the test ran with the originals, "
                           "so the replacement earned nothing (remove the cell that does it)",
                           "在第 {cell} 个测试单元格之前，前面的某个单元格替换了 {names}：测试使用原来的版本运行，"
                           "替换没有带来任何分数（请删除做这件事的单元格）"),
    "test-cell-edited": ("test cell {grade_id} was edited (line {line} of the hand-in's copy: {text}): it was graded "
                         "as the release wrote it",
                         "测试单元格 {grade_id} 被改动过（提交文件中第 {line} 行：{text}）：按发布时的原样评分"),
    "read-only-cell-edited": ("read-only cell {grade_id} was edited (line {line} of the hand-in's copy: {text}): "
                              "it was graded as the release wrote it",
                              "只读单元格 {grade_id} 被改动过（提交文件中第 {line} 行：{text}）：按发布时的原样评分"),
    "check-outside-test": ("cell(s) {cells}: not a test cell nor a copy of one, yet handed check results to the grader "
                           "(forged results?): only a test cell's own results count",
                           "第 {cells} 个单元格既不是测试单元格，也不是它的副本，却向评分程序提交了检查结果（伪造的结果？）："
                           "只有测试单元格自己的结果才计分"),
    "worker-stopped": ("stopped its grading worker: the notebook suspended the process running it, so it scores zero",
                       "让运行它的评分进程停止了：笔记本挂起了运行它的进程，因此得零分"),
    "worker-timeout": ("timeout: its grading worker did not answer in time, so it scores zero",
                       "超时：运行它的评分进程没有按时答复，因此得零分"),
    "worker-killed": ("killed its grading worker: the notebook ended the process running it (twice), so it scores zero",
                      "杀死了运行它的评分进程：笔记本（两次）终止了运行它的进程，因此得零分"),
    "worker-tampered": ("tampered with its grading worker: the notebook interfered with the process running it (twice), "
                        "so it scores zero",
                        "篡改了运行它的评分进程：笔记本（两次）干扰了运行它的进程，因此得零分"),
    # about the whole hand-in: added to each of its rows
    "attempts": ("{count} attempts handed in: graded the latest ({attempt})", "共提交了 {count} 次：评分的是最后一次（{attempt}）"),
    "copies-latest": ("{name}: {count} copies handed in, graded the latest", "{name}：提交了 {count} 份，评分的是最新的一份"),
    "copies-first": ("{name}: {count} copies handed in, graded the first", "{name}：提交了 {count} 份，评分的是第一份"),
    "late": ("marked late by {lms}", "{lms} 标记为迟交"),
    "renamed": ("{file} was graded as {name}: its name differs from the notebook's only by a copy mark such as "
                "\" (1)\" or \"-Copy1\", by case or by spaces, so name it {name} next time",
                "{file} 按 {name} 评分：它的名字与该笔记本的名字只差 \" (1)\"、\"-Copy1\" 之类的副本标记、大小写或空格，"
                "下次请命名为 {name}"),
    "late-penalty": ("handed in {late} after the due date ({due}): the late policy ({rule}) takes {percent}% off the score",
                     "在截止时间（{due}）之后 {late} 才提交：按迟交规则（{rule}）扣除 {percent}% 的分数"),
    "reviewed": ("reviewed in formgrader: {score} points instead of the autograder's {auto}",
                 "已在 formgrader 中复核：{score} 分，而不是自动评分给出的 {auto} 分"),
    "no-assignment-folder": ("no {folder}/ folder", "没有 {folder}/ 文件夹"),
    "own-file-too-large": ("{file}: your own copy of this file of the assignment was not used, since with the "
                           "assignment's files it would be more than the {limit} MiB a notebook's folder may be given, "
                           "so your notebooks ran with the assignment's copy: keep the file small",
                           "{file}：没有使用你自己的这份作业文件，因为加上作业自带的文件会超过笔记本文件夹允许的 {limit} MiB，"
                           "所以你的笔记本使用的是作业自带的那份：请让这个文件小一些"),
    "over-files": ("{count} files handed in, more than the {limit} allowed: only the assignment's notebooks were read",
                   "提交了 {count} 个文件，超过允许的 {limit} 个：只读取了本次作业的笔记本"),
    "over-bytes": ("{size} MiB handed in (uncompressed), more than the {limit} MiB allowed: only the assignment's notebooks were read",
                   "提交了 {size} MiB（解压后），超过允许的 {limit} MiB：只读取了本次作业的笔记本"),
    "over-files-and-bytes": ("{count} files handed in, more than the {limit} allowed and {size} MiB handed in (uncompressed), "
                             "more than the {size_limit} MiB allowed: only the assignment's notebooks were read",
                             "提交了 {count} 个文件，超过允许的 {limit} 个，且共 {size} MiB（解压后），"
                             "超过允许的 {size_limit} MiB：只读取了本次作业的笔记本"),
    "not-in-roster": ("not in the roster ({owner})", "不在花名册中（{owner}）"),
    "shared-id": ("{count} hand-ins have the id '{id}' ({sources}): this one is graded as '{new_id}'",
                  "{count} 份作业的学生编号都是 '{id}'（{sources}）：这一份按 '{new_id}' 评分"),
}

# Phrases that only appear inside a status, as a placeholder's value.
PHRASES: dict[str, tuple[str, str]] = {
    "reason-permission": ("permission denied", "没有读取权限"),
    "reason-gone": ("it disappeared while being read", "读取时它已不存在"),
    "reason-os": ("the operating system could not read it", "操作系统无法读取它"),
    "course-imports": ("imports {names} from the course's package", "从课程包导入了 {names}"),
    "course-uses": ("uses {names}, which came from the course's package", "使用了来自课程包的 {names}"),
    "course-names-package": ("uses the course's package (autograde) itself", "直接使用了课程包（autograde）"),
    "course-ran": ("runs the course's own {module} code", "运行了课程自带的 {module} 代码"),
    "course-withheld": ("reaches for the course's own answer, which is withheld while grading",
                        "试图使用课程自带的答案（评分时不提供）"),
    "owner-canvas": ("Canvas user {key}", "Canvas 用户 {key}"),
    "owner-moodle": ("Moodle participant {key}", "Moodle 参与者 {key}"),
    "owner-blackboard": ("Blackboard user {key}", "Blackboard 用户 {key}"),
    "owner-nbgrader": ("nbgrader student {key}", "nbgrader 学生 {key}"),
    "owner-zip": ("zip {key}", "zip 文件 {key}"),
    "owner-folder": ("folder {key}", "文件夹 {key}"),
    "owner-file": ("file {key}", "文件 {key}"),
    "owner-roster": ("roster {key}", "花名册 {key}"),
}

CATALOGUE = {**STATUSES, **PHRASES}
SEPARATOR = {"en": "; ", "zh": "；"}  # between the parts of a row's status
LIST_SEPARATOR = {"en": ", ", "zh": "、"}  # between the items of a placeholder that is a list of phrases


class Message(str):
    """One status (or phrase) from the catalogue, formatted: its English text, with `.zh` and `.code`."""

    def __new__(cls, en: str, code: str, zh: str):
        message = super().__new__(cls, en)
        message.code, message.zh = code, zh
        return message

    def __getnewargs__(self):  # pickling (a Dask worker's exception carries one) and copying
        return str(self), self.code, self.zh

    @property
    def en(self) -> str:
        return str(self)

    def text(self, lang: str) -> str:
        """English for "en", Chinese for "zh"."""
        return self.zh if lang == "zh" else str(self)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "en": str(self), "zh": self.zh}

    @classmethod
    def from_dict(cls, data: dict) -> Message:
        return cls(data["en"], data["code"], data["zh"])


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def say(code: str, **values: int | float | str | Message | list[Message]) -> Message:
    """The catalogue's `code` with its placeholders filled in, in both languages. A value that
    is a Message (or a list of them) is itself said in each language."""
    if code not in CATALOGUE:
        raise KeyError(f"no status {code!r} in the catalogue (autograde/verdict/statuses.py)")
    en, zh = CATALOGUE[code]
    if set(values) != placeholders(en):
        raise TypeError(f"status {code!r} takes {sorted(placeholders(en))}, not {sorted(values)}")

    def filled(template: str, lang: str) -> str:
        return template.format(**{name: _in(value, lang) for name, value in values.items()})

    return Message(filled(en, "en"), code, filled(zh, "zh"))


def _in(value, lang: str):
    if isinstance(value, Message):
        return value.text(lang)
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR[lang].join(_in(v, lang) for v in value)
    return value


def joined(messages: Iterable[dict], lang: str) -> str:
    """The parts of a row's status in one language ("en" or "zh"), joined."""
    return SEPARATOR[lang].join(m[lang] for m in messages)


def digest() -> str:
    """Changes with the catalogue: statuses recorded before a change are not reused."""
    return hashlib.sha256(json.dumps(CATALOGUE, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def without(text: str, codes: Iterable[str]) -> str:
    """An English status (parts joined with "; ", as grades.csv holds it) without its parts that
    are one of `codes` (whatever their placeholders held); "ok" if nothing else is left."""
    import re

    patterns = [re.compile("^" + "".join(re.escape(literal) + (".+?" if field is not None else "")
                                         for literal, field, _, _ in string.Formatter().parse(CATALOGUE[code][0])) + "$",
                           re.S) for code in codes]
    kept = [part for part in text.split(SEPARATOR["en"]) if not any(p.match(part) for p in patterns)]
    return SEPARATOR["en"].join(kept) or STATUSES["ok"][0]
