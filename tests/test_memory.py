"""Memory of `autograde grade` does not grow with the class or with junk in a hand-in.

Peak memory is the child's `ru_maxrss` (getrusage(RUSAGE_CHILDREN)) in a small wrapper
process that runs the real command: the largest resident size any process of the run
reached (the grading process, which reads the hand-ins, or a worker), as `/usr/bin/time -v`
reports it.
"""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import example_class as ex


NB1 = ex.NB1
GiB, MiB = 2**30, 2**20
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(done.returncode, peak if sys.platform == "darwin" else peak * 1024, done.stderr[-2000:].replace("\\n", " | "))
"""


def peak_memory(source: Path, out: Path) -> int:
    """Bytes: the peak resident size of one `autograde grade` run."""
    autograde = Path(sys.executable).with_name("autograde")
    done = subprocess.run([sys.executable, "-c", MEASURE, str(autograde), "grade", str(source), "--out", str(out)],
                          capture_output=True, text=True, check=True)
    code, peak, errors = done.stdout.split(" ", 2)
    assert code == "0", errors
    return int(peak)


def hand_in(path: Path, notebooks: dict[str, str], junk: int = 0) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in notebooks.items():
            archive.writestr(f"ch03/{name}", content)
        zeros = bytes(19 * MiB)
        for i in range(junk):  # 19 MiB of zeros compress to ~85 KiB at level 1 (twice as fast to write as the default 6, for ~19 KiB)
            archive.writestr(f"ch03/data/junk{i:03d}.bin", zeros, compresslevel=1)


@pytest.mark.needs_sandbox
def test_peak_memory_of_a_300_student_class(tmp_path):
    source = tmp_path / "class"
    source.mkdir()
    solved = ex.text(ex.solved(NB1))
    for i in range(300):
        hand_in(source / f"student{i:03d}.zip", {NB1: solved})
    peak = peak_memory(source, tmp_path / "out")
    print(f"300 students: peak {peak / GiB:.2f} GiB")
    assert peak <= 1.5 * GiB, f"peak memory {peak / GiB:.2f} GiB"


@pytest.mark.needs_sandbox
def test_junk_in_a_hand_in_costs_no_memory(tmp_path):
    """The issue's zip: the five notebooks beside 150 entries of 19 MiB of zeros (2.8 GiB)."""
    solved = {n: ex.text(ex.solved(n)) for n in ex.ASSIGNMENT_NOTEBOOKS}
    peaks = {}
    for junk in (0, 150):
        source = tmp_path / f"class-{junk}"
        source.mkdir()
        for i in range(4):
            hand_in(source / f"student{i:02d}.zip", {NB1: solved[NB1]})
        hand_in(source / "zeros.zip", solved, junk=junk)
        peaks[junk] = peak_memory(source, tmp_path / f"out-{junk}")
    print("peak without and with the junk:", {k: f"{v / MiB:.0f} MiB" for k, v in peaks.items()})
    # the same class, the same notebooks graded: only noise between runs (reading the junk
    # would add gigabytes)
    assert peaks[150] <= peaks[0] + 64 * MiB, {k: f"{v / MiB:.0f} MiB" for k, v in peaks.items()}
