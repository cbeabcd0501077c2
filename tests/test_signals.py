"""Keyboard signals and SIGWINCH reach the console's foreground group only."""

from __future__ import annotations

import os
import signal
import sys

import pytest

import ttyctl
from tests.helpers import PROGS, PYTHON, read_stat, read_until, wait_blocked

STRATEGIES = ["posix_spawn", "fork"]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_ctrl_c_ends_foreground_sleep(strategy: str) -> None:
    with ttyctl.spawn(["sleep", "30"], strategy=strategy) as proc:
        read_stat(proc.pid)
        # The child must have exec'd sleep before ^C, or the signal hits the
        # pre-exec image: poll /proc for the new command name.
        _wait_comm(proc.pid, "sleep")
        proc.write(b"\x03")
        assert proc.wait(timeout=10) == -signal.SIGINT


@pytest.mark.parametrize("key, signum", [(b"\x1a", signal.SIGTSTP), (b"\x1c", signal.SIGQUIT)])
def test_other_keys_send_their_signals(key: bytes, signum: int) -> None:
    code = (
        "import signal,sys\n"
        "for s in (signal.SIGTSTP, signal.SIGQUIT):\n"
        "    signal.signal(s, lambda n, f: (print('GOT', n, flush=True), sys.exit(0)))\n"
        "print('READY', flush=True)\n"
        "signal.pause()\n"
    )
    with ttyctl.spawn([PYTHON, "-c", code]) as proc:
        assert proc.master is not None
        read_until(proc.master, b"READY")
        proc.write(key)
        read_until(proc.master, f"GOT {int(signum)}\r\n".encode())


def test_detached_sleep_survives_ctrl_c_of_the_console() -> None:
    """A program in a session of its own does not get the old terminal's ^C."""
    code = (
        "import ttyctl, time\n"
        "p = ttyctl.spawn(['sleep', '30'], mode='detached')\n"
        "print('DETACHED', p.pid, flush=True)\n"
        "time.sleep(30)\n"
    )
    with ttyctl.spawn([PYTHON, "-c", code]) as proc:
        assert proc.master is not None
        out = read_until(proc.master, b"\n", timeout=20)
        detached = int(out.split(b"DETACHED ")[1].split()[0])
        try:
            assert read_stat(detached).sid == detached
            wait_blocked(proc.pid)  # in time.sleep(), where SIGINT cannot be missed
            proc.write(b"\x03")
            assert proc.wait(timeout=10) == -signal.SIGINT
            assert read_stat(detached).state in "SR"  # still alive, not a zombie
        finally:
            os.killpg(detached, signal.SIGKILL)


def test_resize_sends_sigwinch_with_new_size() -> None:
    with ttyctl.spawn([PYTHON, os.path.join(PROGS, "winch.py")]) as proc:
        assert proc.master is not None
        read_until(proc.master, b"READY")
        proc.resize(40, 100)
        read_until(proc.master, b"WINCH 40 100")
        assert proc.winsize.rows == 40 and proc.winsize.cols == 100


def test_send_signal_and_signal_group() -> None:
    with ttyctl.spawn(["sh", "-c", "sleep 30 & wait"]) as proc:
        _wait_comm(proc.pid, "sh")
        proc.signal_group(signal.SIGTERM)
        assert proc.wait(timeout=10) == -signal.SIGTERM
    with ttyctl.spawn(["sleep", "30"]) as proc:
        proc.send_signal(signal.SIGUSR1)
        assert proc.wait(timeout=10) == -signal.SIGUSR1


def _wait_comm(pid: int, comm: str) -> None:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip() == comm:
                return
        time.sleep(0.005)
    raise AssertionError(f"{pid} never became {comm}")


if sys.platform != "linux":  # pragma: no cover
    pytest.skip("Linux only", allow_module_level=True)
