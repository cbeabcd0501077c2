"""Recording onto a full disk: the console keeps running, one clear warning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import PROGS, PYTHON

SIZE = 1 << 20

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("unshare"),
    reason="needs root and unshare to mount a small private tmpfs",
)


def test_record_to_a_full_tmpfs(tmp_path: os.PathLike[str]) -> None:
    mnt = os.path.join(tmp_path, "small")
    os.mkdir(mnt)
    out = os.path.join(tmp_path, "out.bin")
    script = (
        'mount -t tmpfs -o size=16k tmpfs "$1" && shift && exec "$@"'
    )
    argv = ["unshare", "--mount", "sh", "-c", script, "sh", mnt,
            PYTHON, "-m", "ttyctl", "run", "--record", os.path.join(mnt, "rec.cast"),
            "--", PYTHON, os.path.join(PROGS, "pattern.py"), str(SIZE)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    with open(out, "wb") as stdout:
        result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.PIPE, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    warnings = result.stderr.decode().strip().splitlines()
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("ttyctl: warning: recording to ")
    assert "No space left on device" in warnings[0]
    assert os.path.getsize(out) == SIZE  # the console went on; every byte relayed
