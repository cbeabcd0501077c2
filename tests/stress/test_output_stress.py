"""Output completeness under load: many programs writing at once, every byte arrives."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time

import pytest

from tests.helpers import PROGS, PYTHON, ttyctl_argv
from tests.stress.scale import count, report

PATTERN = os.path.join(PROGS, "pattern.py")


def _expected_digest(size: int) -> str:
    block = bytes((i * 7 + 13) % 94 + 33 for i in range(65536))
    data = (block * (size // len(block) + 1))[:size]
    return hashlib.sha256(data).hexdigest()


@pytest.mark.timeout(1800)
def test_parallel_programs_through_ttyctl_run(
    capsys: pytest.CaptureFixture[str], tmp_path: os.PathLike[str]
) -> None:
    programs = count("programs", 20)
    size = count("bytes", 1 << 20)
    outputs = [open(os.path.join(tmp_path, f"out{i}"), "wb") for i in range(programs)]
    start = time.monotonic()
    try:
        procs = [
            subprocess.Popen(ttyctl_argv("run", "--", PYTHON, PATTERN, str(size)),
                             stdin=subprocess.DEVNULL, stdout=out, start_new_session=True)
            for out in outputs
        ]
        codes = [p.wait(timeout=1500) for p in procs]
    finally:
        for out in outputs:
            out.close()
    elapsed = time.monotonic() - start
    assert codes == [0] * programs
    want = _expected_digest(size)
    for i in range(programs):
        path = os.path.join(tmp_path, f"out{i}")
        assert os.path.getsize(path) == size, f"program {i}"
        with open(path, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == want, f"program {i}"
    report(capsys, f"{programs} programs x {size} bytes through ttyctl run at once: "
           f"all complete and in order, {programs * size / elapsed / 1e6:.1f} MB/s in all")
