"""``ttyctl run`` end to end, driven from a PTY that stands in for the user's terminal."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import termios
import time

import pytest

from tests.helpers import (
    NEEDS_PS,
    PROGS,
    PYTHON,
    Terminal,
    children_of,
    read_stat,
    read_until,
    start_on_terminal,
    ttyctl_argv,
    wait_blocked,
)


def _run_on(term: Terminal, *cmd: str) -> tuple[int, bytes]:
    """Run ``ttyctl run -- cmd`` as the session leader of ``term``; exit code and output."""
    proc = start_on_terminal(term, ttyctl_argv("run", "--", *cmd))
    return collect_until_exit(term, proc)


def collect_until_exit(term: Terminal, proc: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    """Read the terminal's output until ``proc`` has exited, then what is left."""
    out = bytearray()
    deadline = time.monotonic() + 30
    while proc.poll() is None:
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"ttyctl run did not end; output {bytes(out)!r}")
        ready, _, _ = select.select([term.master], [], [], 0.05)
        if ready:
            out += os.read(term.master, 65536)
    while select.select([term.master], [], [], 0)[0]:
        try:
            chunk = os.read(term.master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return proc.returncode, bytes(out)


@pytest.mark.parametrize(
    "cmd, code",
    [
        (["true"], 0),
        (["sh", "-c", "exit 3"], 3),
        (["sh", "-c", "kill -INT $$"], 130),
        (["sh", "-c", "kill -KILL $$"], 137),
    ],
)
def test_exit_status_and_termios_restored(terminal: Terminal, cmd: list[str], code: int) -> None:
    before = termios.tcgetattr(terminal.slave)
    rc, _ = _run_on(terminal, *cmd)
    assert rc == code
    assert termios.tcgetattr(terminal.slave) == before


def test_program_not_found_and_not_executable(terminal: Terminal, tmp_path: object) -> None:
    rc, out = _run_on(terminal, "no-such-program-ttyctl")
    assert rc == 127
    assert b"ttyctl: no-such-program-ttyctl: command not found" in out


@pytest.mark.parametrize(
    "program, message",
    [("/etc/passwd", b"ttyctl: /etc/passwd: permission denied"),
     ("/tmp", b"ttyctl: /tmp: is a directory")],
)
def test_cannot_execute_gives_126(program: str, message: bytes) -> None:
    result = subprocess.run(ttyctl_argv("run", "--", program), capture_output=True, timeout=20,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 126
    assert result.stderr.strip().splitlines() == [message]


def test_missing_program_without_terminal() -> None:
    result = subprocess.run(ttyctl_argv("run", "--", "no-such-program-ttyctl"),
                            capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    assert result.returncode == 127
    assert result.stderr == b"ttyctl: no-such-program-ttyctl: command not found\n"
    assert result.stdout == b""


def test_usage_errors_exit_2() -> None:
    for argv in (["run"], ["run", "--rows", "3", "--", "true"], ["nonsense"]):
        result = subprocess.run(ttyctl_argv(*argv), capture_output=True, timeout=20)
        assert result.returncode == 2, argv
        assert result.stderr.strip(), argv


@NEEDS_PS
def test_the_program_gets_a_console_of_its_own(terminal: Terminal) -> None:
    """Under ttyctl run, the program leads a new session on a new PTY, not the caller's."""
    rc, raw = _run_on(terminal, "sh", "-c", "tty; ps -o sess=,tpgid=,stat= -p $$")
    assert rc == 0
    out = raw.decode()
    lines = [line for line in out.replace("\r", "").split("\n") if line.strip()]
    inner_tty, ps_line = lines[-2], lines[-1]
    assert inner_tty.startswith("/dev/pts/") and inner_tty != terminal.path
    sess, tpgid, stat = ps_line.split()
    assert sess == tpgid and stat == "Ss+"


def test_raw_relay_keys_and_ctrl_c(terminal: Terminal) -> None:
    """Typed bytes reach the program; ^C goes through raw mode to the inner terminal."""
    script = (
        "import sys, time\n"
        "print('READY', flush=True)\n"
        "print('GOT', sys.stdin.readline().strip(), flush=True)\n"
        "time.sleep(30)\n"
    )
    proc = start_on_terminal(terminal, ttyctl_argv("run", "--", PYTHON, "-c", script))
    try:
        read_until(terminal.master, b"READY", timeout=20)
        os.write(terminal.master, b"hello\r")
        read_until(terminal.master, b"GOT hello", timeout=10)
        (program,) = children_of(proc.pid)
        wait_blocked(program)  # in time.sleep(), where SIGINT cannot be missed
        os.write(terminal.master, b"\x03")
        assert proc.wait(timeout=10) == 130
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_window_size_follows_outer_terminal(terminal: Terminal) -> None:
    import fcntl
    import struct

    winch = os.path.join(PROGS, "winch.py")
    proc = start_on_terminal(terminal, ttyctl_argv("run", "--", PYTHON, winch))
    try:
        read_until(terminal.master, b"READY", timeout=20)
        fcntl.ioctl(terminal.master, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 132, 0, 0))
        read_until(terminal.master, b"WINCH 50 132", timeout=10)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_initial_size_and_termios_copied_from_outer_terminal(terminal: Terminal) -> None:
    import fcntl
    import struct

    fcntl.ioctl(terminal.master, termios.TIOCSWINSZ, struct.pack("HHHH", 31, 97, 0, 0))
    attrs = termios.tcgetattr(terminal.slave)
    attrs[3] &= ~termios.ECHOCTL  # a distinctive setting the inner terminal must copy
    termios.tcsetattr(terminal.slave, termios.TCSANOW, attrs)
    rc, out = _run_on(terminal, "sh", "-c", "stty size; stty -a")
    assert rc == 0
    text = out.decode()
    assert "31 97" in text
    assert "-echoctl" in text


def test_piped_stdin_is_relayed_and_ends_with_eof() -> None:
    result = subprocess.run(ttyctl_argv("run", "--", "cat"), input=b"one\ntwo\n",
                            capture_output=True, timeout=20)
    assert result.returncode == 0
    # The terminal echoes the input, then cat writes it back: each line twice.
    assert result.stdout.count(b"one\r\n") == 2
    assert result.stdout.count(b"two\r\n") == 2


def test_rows_and_cols_without_terminal() -> None:
    argv = ttyctl_argv("run", "--rows", "12", "--cols", "34", "--", "stty", "size")
    result = subprocess.run(argv, capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    assert result.returncode == 0
    assert result.stdout == b"12 34\r\n"


def test_detach_prints_pid_and_leaves_no_ctty(tmp_path: os.PathLike[str]) -> None:
    log = os.path.join(tmp_path, "out.log")
    result = subprocess.run(
        ttyctl_argv("run", "--detach", "--stdout", log, "--",
                    "sh", "-c", "echo started; exec sleep 30"),
        capture_output=True, timeout=20, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0
    pid = int(result.stdout)
    try:
        st = read_stat(pid)
        assert (st.sid, st.pgid, st.tty_nr, st.tpgid) == (pid, pid, 0, -1)
        assert os.readlink(f"/proc/{pid}/fd/0") == "/dev/null"
        assert os.readlink(f"/proc/{pid}/fd/1") == log
        assert os.readlink(f"/proc/{pid}/fd/2") == "/dev/null"
    finally:
        os.killpg(pid, signal.SIGKILL)


def test_run_imports_only_what_it_uses() -> None:
    """``ttyctl run`` is on every use's hot path: no typing, threading or dataclasses."""
    import ttyctl

    src = os.path.dirname(os.path.dirname(os.path.abspath(ttyctl.__file__)))
    code = (
        "import sys, ttyctl.cli.run, ttyctl.runner\n"
        "print(sorted(m for m in ('typing', 'threading', 'dataclasses', 'asyncio', 'ctypes')"
        " if m in sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=src)
    result = subprocess.run([PYTHON, "-S", "-c", code], capture_output=True, timeout=30, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"[]"
