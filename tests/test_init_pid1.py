"""PID 1 duties of ``ttyctl init``, checked beside tini and dumb-init as references.

In a new PID namespace (``unshare --pid --fork --mount-proc``): orphans are reaped,
SIGTERM from outside reaches the program, the exit status passes through. Then the
same duties in ``--reap`` mode (child subreaper), signal forwarding, and the
terminal's foreground.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator

import pytest

from tests.helpers import (
    PYTHON,
    Terminal,
    children_of,
    kill_group,
    make_terminal,
    read_stat,
    read_until,
    start_on_terminal,
    ttyctl_argv,
    wait_blocked,
)
from tests.init_helpers import FGSHELL, ORPHAN, PID_NS, SIGECHO, WRAPPERS

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="PID namespaces need root")


def _wrapper(name: str) -> list[str]:
    argv = WRAPPERS[name]
    if shutil.which(argv[0]) is None and name != "ttyctl":
        pytest.skip(f"{name} is not installed (Debian package {name})")
    return argv


@pytest.fixture
def term() -> Iterator[Terminal]:
    t = make_terminal()
    yield t
    t.close()


# -- as PID 1 in a new PID namespace -------------------------------------------------


@pytest.mark.parametrize("name", list(WRAPPERS))
def test_pid1_reaps_orphans(name: str) -> None:
    result = subprocess.run([*PID_NS, *_wrapper(name), PYTHON, ORPHAN], capture_output=True,
                            timeout=30, stdin=subprocess.DEVNULL, start_new_session=True)
    out = result.stdout.decode()
    assert "PARENT 1\n" in out, result.stderr.decode()  # the orphan went to PID 1
    assert "REAPED" in out, (out, result.stderr.decode())
    assert result.returncode == 0


def test_pid1_without_a_wrapper_leaves_zombies() -> None:
    """The control: a program that is PID 1 itself does not reap (the test can fail)."""
    result = subprocess.run([*PID_NS, PYTHON, ORPHAN], capture_output=True, timeout=30,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    assert "ZOMBIE" in result.stdout.decode()


@pytest.mark.parametrize("name", list(WRAPPERS))
def test_sigterm_from_outside_reaches_the_program(name: str) -> None:
    proc = subprocess.Popen([*PID_NS, *_wrapper(name), PYTHON, SIGECHO], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        assert proc.stdout is not None
        out = read_until(proc.stdout.fileno(), b"READY", timeout=20)
        (pid1,) = children_of(proc.pid)  # the namespace's PID 1, seen from outside
        subprocess.run(["kill", "-TERM", str(pid1)], check=True, timeout=10)
        out += read_until(proc.stdout.fileno(), b"GOT 15", timeout=20)
        assert proc.wait(timeout=20) == 0  # the program exited 0 on SIGTERM
    finally:
        kill_group(proc.pid)
        proc.wait()


@pytest.mark.parametrize("name", list(WRAPPERS))
@pytest.mark.parametrize("script, status", [("exit 7", 7), ("kill -USR1 $$", 128 + 10)])
def test_exit_status_passes_through(name: str, script: str, status: int) -> None:
    result = subprocess.run([*PID_NS, *_wrapper(name), "sh", "-c", script], timeout=30,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    assert result.returncode == status


# -- --reap: child subreaper outside a namespace -----------------------------------------


def test_reap_mode_is_subreaper_and_reaps() -> None:
    result = subprocess.run([*ttyctl_argv("init", "--reap"), "--", PYTHON, ORPHAN, "5"],
                            capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    out = result.stdout.decode()
    init_pid = int(out.split("PARENT ")[1].split()[0])
    assert init_pid not in (0, 1)
    assert "REAPED" in out
    assert result.returncode == 5


def test_reap_mode_forwards_each_signal() -> None:
    proc = subprocess.Popen([*ttyctl_argv("init", "--reap"), "--", PYTHON, SIGECHO],
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        ready = read_until(fd, b"\n", timeout=20)
        program = int(ready.split()[1])
        assert program != proc.pid and read_stat(program).ppid == proc.pid
        assert read_stat(program).pgid == program  # a group of its own
        for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                       signal.SIGUSR2, signal.SIGWINCH, signal.SIGTERM):
            os.kill(proc.pid, signum)
            read_until(fd, f"GOT {int(signum)} {program}\n".encode(), timeout=20)
        assert proc.wait(timeout=20) == 0
    finally:
        kill_group(proc.pid)
        proc.wait()


def test_group_mode_signals_the_whole_group() -> None:
    proc = subprocess.Popen([*ttyctl_argv("init", "--reap", "--group"), "--", PYTHON, SIGECHO,
                             "pair"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        out = b""
        lines: list[bytes] = []
        while len([ln for ln in lines if ln.startswith(b"READY ")]) < 2:
            out += read_until(fd, b"\n", timeout=20)
            lines = out.split(b"\n")[:-1]  # complete lines only
        pids = {int(line.split()[1]) for line in lines if line.startswith(b"READY ")}
        assert len(pids) == 2
        os.kill(proc.pid, signal.SIGUSR1)
        got = b""
        while not all(f"GOT 10 {p}\n".encode() in got for p in pids):
            try:
                got += read_until(fd, b"\n", timeout=20)
            except AssertionError:
                raise AssertionError(f"{out!r} then {got!r}") from None
    finally:
        kill_group(proc.pid)
        proc.wait()


# -- the terminal's foreground ---------------------------------------------------------


def test_program_gets_the_foreground_and_ctrl_c(term: Terminal) -> None:
    code = (
        "import os\n"
        "print('FG', os.getpid(), os.getpgrp(), os.getsid(0), os.tcgetpgrp(0), flush=True)\n"
        "input()\n"
    )
    proc = subprocess.Popen([*ttyctl_argv("init", "--reap", "--tty", term.path), "--", PYTHON,
                             "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        line = read_until(term.master, b"\n", timeout=20)
        pid, pgid, sid, fg = (int(x) for x in line.split(b"FG ")[1].split()[:4])
        assert (pgid, fg) == (pid, pid)  # its own group, in the foreground
        assert sid == proc.pid  # init leads the session that owns the terminal
        assert read_stat(proc.pid).tpgid == pid
        wait_blocked(pid)  # in input()'s read(), where SIGINT cannot be missed
        os.write(term.master, b"\x03")  # Ctrl-C goes to the foreground group only
        assert proc.wait(timeout=20) == 128 + signal.SIGINT
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


FOREGROUND_AFTER = {"ttyctl": "FG-BACK", "tini": "FG-LOST", "dumb-init": "FG-BACK"}


@pytest.mark.parametrize("name", list(WRAPPERS))
def test_foreground_is_handed_back(term: Terminal, name: str) -> None:
    """A shell without job control runs the wrapper; afterwards it must own the terminal.

    tini leaves the foreground on its child's dead group (DESIGN.md section 10);
    ttyctl init hands it back. dumb-init never takes it (its child has a session
    of its own).
    """
    wrapper = _wrapper(name)
    if name == "ttyctl":
        wrapper = [*ttyctl_argv("init", "--reap", "--no-setsid"), "--"]
    shell = start_on_terminal(term, [PYTHON, FGSHELL, *wrapper, "sh", "-c", "exit 3"])
    try:
        out = read_until(term.master, b" 3", timeout=30)
        assert FOREGROUND_AFTER[name] in out.decode()
        assert shell.wait(timeout=20) == 3
    finally:
        if shell.poll() is None:
            kill_group(shell.pid)
            shell.wait()
