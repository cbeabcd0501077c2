"""PTY pairs, window sizes, and raw mode with its restore on every way out."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import termios

import pytest

import ttyctl
from tests.helpers import PYTHON, Terminal, read_until


def test_open_pty_both_ends_close_on_exec() -> None:
    with ttyctl.open_pty(ttyctl.Winsize(10, 20)) as pair:
        for fd in (pair.master, pair.slave):
            assert fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        assert pair.slave_path == os.ttyname(pair.slave)
        assert ttyctl.get_winsize(pair.slave) == ttyctl.Winsize(10, 20)
        ttyctl.set_winsize(pair.master, ttyctl.Winsize(5, 6))
        assert ttyctl.get_winsize(pair.slave).rows == 5
        master = pair.take_master()
    os.close(master)
    with pytest.raises(ttyctl.ClosedResourceError):
        pair.take_master()


def test_open_pty_does_not_make_it_our_ctty() -> None:
    with ttyctl.open_pty() as pair:
        with pytest.raises(OSError):
            fcntl.ioctl(pair.slave, termios.TIOCGPGRP, b"\0\0\0\0")  # ENOTTY: not our ctty


def test_get_winsize_of_a_file_is_enotty(tmp_path: os.PathLike[str]) -> None:
    with open(os.path.join(tmp_path, "f"), "wb") as f, pytest.raises(OSError):
        ttyctl.get_winsize(f.fileno())


def test_raw_mode_restores_on_return_and_exception(terminal: Terminal) -> None:
    before = termios.tcgetattr(terminal.slave)
    with ttyctl.raw_mode(terminal.slave) as saved:
        assert saved == before
        now = termios.tcgetattr(terminal.slave)
        assert not now[3] & (termios.ICANON | termios.ECHO | termios.ISIG)
    assert termios.tcgetattr(terminal.slave) == before
    with pytest.raises(RuntimeError), ttyctl.raw_mode(terminal.slave):
        raise RuntimeError("boom")
    assert termios.tcgetattr(terminal.slave) == before


def test_raw_mode_on_a_non_terminal_raises(tmp_path: os.PathLike[str]) -> None:
    with open(os.path.join(tmp_path, "f"), "wb") as f, pytest.raises(termios.error):
        with ttyctl.raw_mode(f.fileno()):
            pass


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_raw_mode_restores_when_killed_by(terminal: Terminal, signum: int) -> None:
    """A process killed by SIGTERM/SIGHUP inside raw_mode leaves the terminal as it was."""
    before = termios.tcgetattr(terminal.slave)
    code = (
        "import sys, ttyctl, signal\n"
        "with ttyctl.raw_mode(0):\n"
        "    sys.stdout.write('RAW\\r\\n'); sys.stdout.flush()\n"
        "    signal.pause()\n"
    )
    proc = subprocess.Popen([PYTHON, "-c", code], stdin=terminal.slave, stdout=terminal.slave,
                            stderr=terminal.slave, start_new_session=True)
    try:
        read_until(terminal.master, b"RAW", timeout=20)
        assert termios.tcgetattr(terminal.slave) != before
        proc.send_signal(signum)
        assert proc.wait(timeout=10) == -signum  # still dies of the signal
        assert termios.tcgetattr(terminal.slave) == before
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
