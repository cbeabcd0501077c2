"""Faults around ``ttyctl run``: signals to it, SIGKILL of it, PTY exhaustion."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import termios
import time

import pytest

from tests.helpers import PYTHON, Terminal, read_until, start_on_terminal, ttyctl_argv

HUP_REPORTER = (
    "import os, signal, sys, time\n"
    "path = sys.argv[1]\n"
    "def on(n, f):\n"
    "    with open(path, 'w') as out: out.write(signal.Signals(n).name)\n"
    "    os._exit(0)\n"
    "for s in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):\n"
    "    signal.signal(s, on)\n"
    "print('READY', flush=True)\n"
    "time.sleep(60)\n"
)


def _read_line_with(fd: int, marker: bytes) -> bytes:
    """Read until a whole line holding ``marker`` arrived; return that line."""
    data = read_until(fd, marker, timeout=20)
    while b"\n" not in data[data.index(marker):]:
        data += read_until(fd, b"\n", timeout=10)
    start = data.index(marker)
    return data[start : data.index(b"\n", start)].rstrip(b"\r")


def _wait_for_file(path: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path):
            with open(path) as f:
                return f.read()
        time.sleep(0.01)
    raise AssertionError(f"{path} never written")


def test_sigkill_of_ttyctl_run_hangs_up_the_program(terminal: Terminal, tmp_path: object) -> None:
    """Documented: like any terminal going away, the program gets SIGHUP."""
    marker = os.path.join(str(tmp_path), "got")
    proc = start_on_terminal(terminal, ttyctl_argv("run", "--", PYTHON, "-c", HUP_REPORTER, marker))
    read_until(terminal.master, b"READY", timeout=20)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert _wait_for_file(marker) == "SIGHUP"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signal_to_ttyctl_run_reaches_the_program(
    terminal: Terminal, signum: signal.Signals
) -> None:
    """ttyctl run passes the signal on, restores the terminal, exits 128+N as the program."""
    before = termios.tcgetattr(terminal.slave)
    sleeper = "import time; print('READY', flush=True); time.sleep(60)"
    proc = start_on_terminal(terminal, ttyctl_argv("run", "--", PYTHON, "-c", sleeper))
    read_until(terminal.master, b"READY", timeout=20)
    assert termios.tcgetattr(terminal.slave) != before  # raw while running
    proc.send_signal(signum)
    assert proc.wait(timeout=10) == 128 + signum
    assert termios.tcgetattr(terminal.slave) == before


def test_program_that_handles_the_signal_decides_the_status(
    terminal: Terminal, tmp_path: object
) -> None:
    marker = os.path.join(str(tmp_path), "got")
    proc = start_on_terminal(terminal, ttyctl_argv("run", "--", PYTHON, "-c", HUP_REPORTER, marker))
    read_until(terminal.master, b"READY", timeout=20)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert _wait_for_file(marker) == "SIGTERM"


def test_the_program_cannot_see_ttyctls_descriptors(terminal: Terminal) -> None:
    proc = start_on_terminal(
        terminal,
        ttyctl_argv("run", "--", "sh", "-c", "echo FDS $(ls /proc/$$/fd | sort -n | tr '\\n' ' ')"),
    )
    line = _read_line_with(terminal.master, b"FDS")
    proc.wait(timeout=10)
    fds = line.split()[1:]
    # 0, 1, 2 and the descriptor ls used to list the directory: never the master
    # (fd 3+ in ttyctl), its pidfd or its signal pipe.
    assert fds[:3] == [b"0", b"1", b"2"] and len(fds) <= 4


def test_tiocsti_only_reaches_the_programs_own_terminal(terminal: Terminal) -> None:
    """A program typing into its own terminal (TIOCSTI) reaches its PTY, not the caller's."""
    code = (
        "import fcntl, termios, sys, os\n"
        "try:\n"
        "    for ch in b'evil\\n':\n"
        "        fcntl.ioctl(0, termios.TIOCSTI, bytes([ch]))\n"
        "    print('INJECTED', flush=True)\n"
        "except OSError as exc:\n"
        "    print('REFUSED', exc.errno, flush=True)\n"
        "    os.write(1, b'GOT ' + repr(b'evil\\n').encode() + b'\\n'); sys.exit(0)\n"
        "print('GOT', os.read(0, 100), flush=True)\n"
    )
    proc = start_on_terminal(terminal, ttyctl_argv("run", "--", PYTHON, "-c", code))
    line = _read_line_with(terminal.master, b"GOT")
    assert proc.wait(timeout=10) == 0
    # Either the kernel refused TIOCSTI (dev.tty.legacy_tiocsti=0) or the bytes
    # went to the program's own PTY, where it read them back.
    assert line == b"GOT b'evil\\n'"
    # Nothing is waiting as input on the caller's terminal.
    import fcntl
    import struct

    pending = struct.unpack("i", fcntl.ioctl(terminal.slave, termios.FIONREAD, b"\0" * 4))[0]
    assert pending == 0


NEEDS_ROOT = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                                reason="needs root and unshare for a private devpts mount")

EXHAUST = r"""
import errno, os, sys, subprocess
import ttyctl
procs = []
fds_before = sorted(os.listdir("/proc/self/fd"))
try:
    while True:
        procs.append(ttyctl.spawn(["sleep", "60"]))
        if len(procs) > 64:
            sys.exit("limit never reached")
except OSError as exc:
    assert exc.errno == errno.ENOSPC, exc
    print("ERROR", exc)
print("OPENED", len(procs))
cli = subprocess.run([sys.executable, "-m", "ttyctl", "run", "--", "true"],
                     capture_output=True, stdin=subprocess.DEVNULL)
print("CLI", cli.returncode, cli.stderr.decode().strip())
procs.pop().close()
again = ttyctl.spawn(["true"])
print("RECOVERED", again.wait())
again.close()
for p in procs:
    p.close()
print("FDS_SAME", sorted(os.listdir("/proc/self/fd")) == fds_before)
"""


@NEEDS_ROOT
def test_pty_exhaustion_is_clear_and_recoverable() -> None:
    script = (
        "mount -t devpts -o newinstance,ptmxmode=0666,mode=620,max=6 devpts /dev/pts && "
        "mount --bind /dev/pts/ptmx /dev/ptmx && exec \"$0\" -c \"$1\""
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run(["unshare", "--mount", "sh", "-c", script, PYTHON, EXHAUST],
                            capture_output=True, timeout=60, env=env)
    out = result.stdout.decode()
    assert result.returncode == 0, (out, result.stderr.decode())
    assert "OPENED 6" in out
    assert "ERROR [Errno 28] no PTY left: the kernel's limit is reached" in out
    assert "CLI 125 ttyctl: /dev/ptmx: no PTY left" in out
    assert "RECOVERED 0" in out
    assert "FDS_SAME True" in out
