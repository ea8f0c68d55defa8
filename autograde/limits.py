"""Start a program with resource limits: `python -m autograde.limits MEMORY_BYTES -- CMD...`.

Used to launch a learner's kernel: an address-space limit makes an oversized allocation
fail cleanly inside the kernel (torch raises, the kernel survives) instead of taking the
machine down; soft and hard limits are equal, so the learner's code cannot raise them.
"""
from __future__ import annotations

import os
import resource
import sys

FILE_SIZE = 256 * 2**20  # no single file a notebook writes needs more


def apply(memory_bytes: int) -> None:
    for limit, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_FSIZE, FILE_SIZE), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: python -m autograde.limits MEMORY_BYTES -- COMMAND [ARGS...]")
    apply(int(argv[0]))
    os.execvp(argv[2], argv[2:])


if __name__ == "__main__":
    main(sys.argv[1:])
