"""No output is lost when the program exits at once after writing."""

from __future__ import annotations

import os
import subprocess

import pytest

import ttyctl
from tests.helpers import PROGS, PYTHON, ttyctl_argv

MIB = 1 << 20
PATTERN = os.path.join(PROGS, "pattern.py")


def _expected(size: int) -> bytes:
    block = bytes((i * 7 + 13) % 94 + 33 for i in range(65536))
    return (block * (size // len(block) + 1))[:size]


@pytest.fixture(scope="module")
def pattern_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("out") / "pattern.bin"
    path.write_bytes(_expected(MIB))
    return str(path)


def _read_all(proc: ttyctl.Process) -> bytes:
    chunks = []
    while chunk := proc.read(timeout=20):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.timeout(300)
def test_one_mib_byte_exact_200_times(pattern_file: str) -> None:
    expected = _expected(MIB)
    for i in range(200):
        with ttyctl.spawn(["cat", pattern_file]) as proc:
            data = _read_all(proc)
            assert proc.wait(timeout=10) == 0
        assert len(data) == MIB, f"run {i}: {len(data)} bytes"
        assert data == expected, f"run {i}: bytes differ"


def test_python_writer_exiting_at_once() -> None:
    with ttyctl.spawn([PYTHON, PATTERN, str(MIB)]) as proc:
        data = _read_all(proc)
        assert proc.wait(timeout=10) == 0
    assert data == _expected(MIB)


def test_wait_without_reading_drains_and_keeps_output(pattern_file: str) -> None:
    """A program blocked on a full PTY still exits: wait() reads and keeps its output."""
    with ttyctl.spawn(["cat", pattern_file]) as proc:
        assert proc.wait(timeout=20) == 0
        data = _read_all(proc)
    assert data == _expected(MIB)


@pytest.mark.timeout(300)
def test_ttyctl_run_relays_every_byte(pattern_file: str) -> None:
    expected = _expected(MIB)
    for _ in range(20):
        result = subprocess.run(ttyctl_argv("run", "--", "cat", pattern_file),
                                capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        assert result.returncode == 0
        assert result.stdout == expected
