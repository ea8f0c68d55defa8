"""Hidden tests draw their own random inputs without moving the notebook's random state,
so a notebook prints the same numbers with its hidden tests (solutions) or without them
(the student release)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import torch

# Under an instructor's secret (grading/secret.py), the seeds the hidden tests draw from:
# N -> a seed derived from the secret and N, for exactly the N's of the hidden tests. The
# grader sends this table with a notebook's limits (protocol.Request "seeds"); it is empty
# everywhere else (JupyterLab, `autograde check`, stock nbgrader), where seeded(N) is N. A
# notebook's code can read it while it is graded: that gives it the hidden inputs, never the
# answers (the references stay outside the sandbox), nor the secret, which never enters here.
DERIVED: dict[int, int] = {}


def seed_for(n: int) -> int:
    """The seed `seeded(n)` and `probes.build(n, …)` draw from."""
    return DERIVED.get(n, n)


@contextlib.contextmanager
def drawing_from(table: Iterable[tuple[int, int]]) -> Iterator[None]:
    """Within the block, hidden tests draw from the seeds in `table` ((N, derived seed) pairs);
    used where the references are recorded. A notebook's process sets DERIVED once instead."""
    before = dict(DERIVED)
    DERIVED.update((int(n), int(seed)) for n, seed in table)
    try:
        yield
    finally:
        DERIVED.clear()
        DERIVED.update(before)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's generator seeded to `seed` (or its derived seed under a
    secret), then restore the previous state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed_for(seed))
        yield
