"""Test helpers that read the kernel's view independently of ttyctl's own code."""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

#: Marks a test that reads procps ``ps`` output.
NEEDS_PS = pytest.mark.skipif(
    shutil.which("ps") is None,
    reason="procps ps is not installed (tools/test.sh installs it as root)",
)

PROGS = os.path.join(os.path.dirname(__file__), "progs")
PYTHON = sys.executable


@dataclass(frozen=True)
class Stat:
    """The fields of /proc/PID/stat that tests check."""

    pid: int
    state: str
    ppid: int
    pgid: int
    sid: int
    tty_nr: int
    tpgid: int


def read_stat(pid: int) -> Stat:
    """Parse /proc/PID/stat (the comm field may hold spaces and parentheses)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        raw = f.read()
    rest = raw[raw.rindex(b")") + 2 :].split()
    return Stat(
        pid=pid,
        state=rest[0].decode(),
        ppid=int(rest[1]),
        pgid=int(rest[2]),
        sid=int(rest[3]),
        tty_nr=int(rest[4]),
        tpgid=int(rest[5]),
    )


def tty_nr_of(path: str) -> int:
    """The tty_nr that /proc shows for a process whose ctty is ``path``."""
    rdev = os.stat(path).st_rdev
    major, minor = os.major(rdev), os.minor(rdev)
    return (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12)


def children_of(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (zombies included)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if read_stat(int(name)).ppid == pid:
                    found.append(int(name))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
    return found


def zombies_of(pid: int) -> list[int]:
    """Children of ``pid`` that are zombies."""
    out = []
    for child in children_of(pid):
        try:
            if read_stat(child).state == "Z":
                out.append(child)
        except (FileNotFoundError, ProcessLookupError):  # ESRCH: released meanwhile
            continue
    return out


def wait_blocked(pid: int, timeout: float = 10.0) -> None:
    """Wait until ``pid`` sleeps in the kernel (state S), e.g. blocked in read().

    A Python program that prints a marker and then calls input() can take a
    signal in the C code before the read() syscall: the KeyboardInterrupt is
    then pending while read() blocks for good. Tests send keyboard signals only
    once the program is really blocked.
    """
    deadline = time.monotonic() + timeout
    while read_stat(pid).state != "S":
        if time.monotonic() > deadline:
            raise AssertionError(f"{pid} never blocked (state {read_stat(pid).state})")
        time.sleep(0.002)


def open_fds(pid: int | str = "self") -> set[int]:
    """Descriptors open in ``pid`` (the listing's own descriptor excluded)."""
    fds = {int(n) for n in os.listdir(f"/proc/{pid}/fd")}
    if pid == "self":
        fds = {fd for fd in fds if _is_open(fd)}
    return fds


def _is_open(fd: int) -> bool:
    try:
        fcntl.fcntl(fd, fcntl.F_GETFD)
    except OSError:
        return False
    return True


def read_until(fd: int, needle: bytes, timeout: float = 10.0) -> bytes:
    """Read ``fd`` until ``needle`` appears; fail with what was seen on timeout."""
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{needle!r} not seen within {timeout} s; got {data!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            raise AssertionError(f"EOF before {needle!r}; got {data!r}")
        data += chunk
    return data


def read_to_eof(fd: int, timeout: float = 20.0) -> bytes:
    """Read a PTY master or pipe until EOF (EIO on a master)."""
    data = bytearray()
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no EOF within {timeout} s; got {len(data)} bytes")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return bytes(data)
        if not chunk:
            return bytes(data)
        data += chunk


@dataclass
class Terminal:
    """A PTY made by a test, standing in for the user's terminal."""

    master: int
    slave: int
    path: str

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


def make_terminal(rows: int = 24, cols: int = 80) -> Terminal:
    """A fresh PTY pair (independent of ttyctl's own code)."""
    import struct

    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return Terminal(master, slave, os.ttyname(slave))


def start_on_terminal(
    term: Terminal, argv: Sequence[str], env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` as a session leader whose ctty is ``term`` (as a login would)."""

    def _take_ctty() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    return subprocess.Popen(
        list(argv),
        stdin=term.slave,
        stdout=term.slave,
        stderr=term.slave,
        start_new_session=True,
        preexec_fn=_take_ctty,
        env=env,
    )


def ttyctl_argv(*args: str) -> list[str]:
    """The command line that runs this checkout's ttyctl CLI."""
    return [PYTHON, "-m", "ttyctl", *args]


def kill_group(pgid: int) -> None:
    """SIGKILL a process group we started; ignore one that is gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
