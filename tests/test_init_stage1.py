"""``ttyctl init --tty``, ``ttyctl run --ctty`` and the terminal mode: the end state of
DESIGN.md section 1 (existing terminal row), compared with busybox ``cttyhack``, and
every refusal before exec."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator

import pytest

import ttyctl
from tests.helpers import (
    PYTHON,
    Terminal,
    make_terminal,
    open_fds,
    read_stat,
    read_until,
    start_on_terminal,
    tty_nr_of,
    ttyctl_argv,
)
from tests.init_helpers import (
    BIND_CONSOLE,
    PROBE,
    fake_sysfs,
    no_ctty_caller,
    probe_info,
    read_probe,
)

STRATEGIES = ["posix_spawn", "fork", "init"]


@pytest.fixture
def term() -> Iterator[Terminal]:
    t = make_terminal()
    yield t
    t.close()


def _end_state(pid: int, path: str) -> dict[str, object]:
    """What the table of DESIGN.md section 1 checks, from /proc and ps."""
    st = read_stat(pid)
    ps = subprocess.run(
        ["ps", "-o", "sess=,pgid=,tpgid=,tt=,stat=", "-p", str(pid)],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    return {
        "sid": st.sid == pid,
        "pgid": st.pgid == pid,
        "tpgid": st.tpgid == pid,
        "ctty": st.tty_nr == tty_nr_of(path),
        "ps": (ps[0], ps[1], ps[2]) == (str(pid),) * 3,
        "tt": ps[3] == path.removeprefix("/dev/"),
        "stat": ps[4],
        "fds": sorted(open_fds(pid)),
        "stdio": [os.readlink(f"/proc/{pid}/fd/{n}") for n in (0, 1, 2)],
    }


EXPECTED = {
    "sid": True, "pgid": True, "tpgid": True, "ctty": True, "ps": True, "tt": True,
    "stat": "Ss+", "fds": [0, 1, 2],
}


def _check_table(state: dict[str, object], path: str) -> None:
    assert {k: v for k, v in state.items() if k != "stdio"} == EXPECTED
    assert state["stdio"] == [path] * 3


def _finish(term: Terminal, proc: subprocess.Popen[bytes]) -> int:
    os.write(term.master, b"\n")
    return proc.wait(timeout=20)


# -- end state ---------------------------------------------------------------


def test_init_tty_end_state(term: Terminal) -> None:
    proc = subprocess.Popen(
        [*ttyctl_argv("init", "--tty", term.path), "--", PYTHON, PROBE, "1", "wait"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    info = read_probe(term.master)
    assert info["pid"] == proc.pid  # init exec'd: the program has its pid
    assert info["dev_tty"] == "ok"
    assert info["ttyname0"] == term.path
    _check_table(_end_state(proc.pid, term.path), term.path)
    assert _finish(term, proc) == 0


def test_init_tty_fd_end_state(term: Terminal) -> None:
    proc = subprocess.Popen(
        [*ttyctl_argv("init", "--tty-fd", str(term.slave)), "--", PYTHON, PROBE, "1", "wait"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, pass_fds=[term.slave],
    )
    info = read_probe(term.master)
    assert info["dev_tty"] == "ok"
    _check_table(_end_state(proc.pid, term.path), term.path)
    assert _finish(term, proc) == 0


def test_run_ctty_end_state(term: Terminal) -> None:
    caller = no_ctty_caller(
        [*ttyctl_argv("run", "--ctty", term.path), "--", PYTHON, PROBE, "1", "wait"]
    )
    info = read_probe(term.master)
    pid = int(str(info["pid"]))
    assert pid != caller.pid
    _check_table(_end_state(pid, term.path), term.path)
    assert read_stat(caller.pid).tty_nr == 0  # the caller itself stays without a ctty
    assert _finish(term, caller) == 0


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_terminal_mode_end_state(term: Terminal, strategy: str) -> None:
    with ttyctl.spawn([PYTHON, PROBE, "1", "wait"], mode="terminal", tty=term.path,
                      strategy=strategy) as proc:
        assert proc.master is None
        info = read_probe(term.master)
        assert info["pid"] == proc.pid
        assert info["dev_tty"] == "ok"
        _check_table(_end_state(proc.pid, term.path), term.path)
        os.write(term.master, b"\n")
        assert proc.wait(timeout=20) == 0


def test_exit_status_passes_through_run_ctty(term: Terminal) -> None:
    caller = no_ctty_caller([*ttyctl_argv("run", "--ctty", term.path), "--", "sh", "-c",
                             "kill -USR1 $$"])
    assert caller.wait(timeout=20) == 128 + 10


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_run_ctty_passes_signals_on(term: Terminal, signum: int) -> None:
    """A signal to ``run --ctty`` reaches the program, whose status is reported."""
    caller = no_ctty_caller([*ttyctl_argv("run", "--ctty", term.path), "--", "sh", "-c",
                             "echo READY; exec sleep 60"])
    read_until(term.master, b"READY", timeout=20)
    caller.send_signal(signum)
    assert caller.wait(timeout=20) == 128 + signum


# -- busybox cttyhack on the same setup --------------------------------------


def test_same_end_state_as_busybox_cttyhack(term: Terminal, tmp_path: os.PathLike[str]) -> None:
    if shutil.which("busybox") is None or os.geteuid() != 0:
        pytest.skip("needs busybox-static and root (a private mount namespace)")
    pts = term.path.removeprefix("/dev/")
    content = f"tty0 {pts}\n"
    root = fake_sysfs(os.fspath(tmp_path), content)
    active = os.path.join(root, "class", "tty", "console", "active")
    # busybox resolves the console itself: a bind mount in a private namespace
    # puts our PTY behind it, checked before busybox runs (never the real one).
    hack = no_ctty_caller([
        "unshare", "--mount", "--", PYTHON, BIND_CONSOLE, active, content, "--",
        "setsid", "busybox", "cttyhack", PYTHON, PROBE, "1", "wait",
    ])
    info = read_probe(term.master)
    hack_state = _end_state(int(str(info["pid"])), term.path)
    assert _finish(term, hack) == 0
    ours = no_ctty_caller([*ttyctl_argv("run", "--ctty", "console", "--sysfs", root), "--",
                           PYTHON, PROBE, "1", "wait"])
    info = read_probe(term.master)
    our_state = _end_state(int(str(info["pid"])), term.path)
    assert _finish(term, ours) == 0
    assert our_state == hack_state
    _check_table(our_state, term.path)


# -- a script with no ctty ----------------------------------------------------


def test_no_ctty_caller_gets_dev_tty_only_through_ttyctl(term: Terminal) -> None:
    """C17: a script started with no ctty cannot open /dev/tty; ttyctl gives it one."""
    bare = no_ctty_caller([PYTHON, PROBE], stdout=term.slave)
    assert probe_info(read_until(term.master, b"}"))["dev_tty"] == "ENXIO"
    assert bare.wait(timeout=20) == 0
    for argv in (ttyctl_argv("run", "--ctty", term.path), ttyctl_argv("init", "--tty", term.path)):
        caller = no_ctty_caller([*argv, "--", PYTHON, PROBE])
        assert read_probe(term.master)["dev_tty"] == "ok"
        assert caller.wait(timeout=20) == 0


def test_console_is_found_through_sysfs(term: Terminal, tmp_path: os.PathLike[str]) -> None:
    from ttyctl._os.ctty import resolve_console

    root = fake_sysfs(os.fspath(tmp_path), "tty0 " + term.path.removeprefix("/dev/") + "\n")
    assert resolve_console(root) == term.path
    caller = no_ctty_caller([*ttyctl_argv("run", "--ctty", "console", "--sysfs", root), "--",
                             "sh", "-c", "echo on $(tty)"])
    assert read_until(term.master, b"\n").strip() == f"on {term.path}".encode()
    assert caller.wait(timeout=20) == 0


def test_console_without_sysfs_entry_is_refused(tmp_path: os.PathLike[str]) -> None:
    marker = os.path.join(tmp_path, "ran")
    result = subprocess.run(
        [*ttyctl_argv("run", "--ctty", "console", "--sysfs", os.fspath(tmp_path)), "--",
         "touch", marker],
        capture_output=True, timeout=20, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 125
    assert result.stderr.startswith(b"ttyctl: cannot find the console's device: ")
    assert result.stderr.count(b"\n") == 1
    assert not os.path.exists(marker)


# -- descriptor hygiene ---------------------------------------------------------


@pytest.mark.parametrize("reap", [False, True])
def test_program_holds_exactly_stdio_and_kept_fds(term: Terminal, reap: bool) -> None:
    read_end, write_end = os.pipe()
    other_r, other_w = os.pipe()
    extra = os.open(os.devnull, os.O_RDONLY)
    passed = [write_end, other_r, other_w, extra]
    try:
        argv = ttyctl_argv("init", "--tty", term.path, "--keep-fd", str(write_end))
        if reap:
            argv.append("--reap")
        proc = subprocess.Popen(
            [*argv, "--", PYTHON, PROBE, str(write_end), "wait"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, pass_fds=passed,
        )
        os.close(write_end)
        write_end = -1
        info = probe_info(read_until(read_end, b"}"))  # through the kept descriptor
        pid = int(str(info["pid"]))
        assert open_fds(pid) == {0, 1, 2, passed[0]}
        if reap:
            assert pid != proc.pid
            assert read_stat(pid).ppid == proc.pid
        assert _finish(term, proc) == 0
    finally:
        for fd in (read_end, write_end, other_r, other_w, extra):
            if fd >= 0:
                os.close(fd)


# -- bad input ----------------------------------------------------------------------


def _init(*args: str, marker: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*ttyctl_argv("init", *args), "--", "touch", marker],
        capture_output=True, timeout=20, stdin=subprocess.DEVNULL, **kwargs,
    )


@pytest.mark.parametrize("target", [os.devnull, "regular"])
def test_not_a_terminal(tmp_path: os.PathLike[str], target: str) -> None:
    path = os.path.join(tmp_path, "file") if target == "regular" else target
    if target == "regular":
        open(path, "w").close()
    marker = os.path.join(tmp_path, "ran")
    result = _init("--tty", path, marker=marker)
    assert (result.returncode, result.stderr) == (121, f"ttyctl: {path}: not a terminal\n".encode())
    assert not os.path.exists(marker)


def test_missing_terminal(tmp_path: os.PathLike[str]) -> None:
    marker = os.path.join(tmp_path, "ran")
    result = _init("--tty", "/dev/pts/no-such", marker=marker)
    assert result.returncode == 125
    assert result.stderr == b"ttyctl: /dev/pts/no-such: No such file or directory\n"
    assert not os.path.exists(marker)


@pytest.fixture
def busy(term: Terminal) -> Iterator[tuple[Terminal, int]]:
    """``term`` as the ctty of another session (a login shell stand-in)."""
    holder = start_on_terminal(term, ["sleep", "60"])
    try:
        from tests.init_helpers import wait_state

        wait_state(holder.pid, lambda st: st.tty_nr == tty_nr_of(term.path))
        yield term, holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_terminal_of_another_session_init(busy: tuple[Terminal, int],
                                          tmp_path: os.PathLike[str]) -> None:
    term, sid = busy
    marker = os.path.join(tmp_path, "ran")
    result = _init("--tty", term.path, marker=marker)
    assert result.returncode == 122
    assert result.stderr == (
        f"ttyctl: {term.path}: already the controlling terminal of session {sid}\n".encode()
    )
    assert not os.path.exists(marker)
    assert read_stat(sid).tty_nr == tty_nr_of(term.path)  # the holder keeps it


def test_terminal_of_another_session_run_ctty(busy: tuple[Terminal, int],
                                              tmp_path: os.PathLike[str]) -> None:
    term, sid = busy
    marker = os.path.join(tmp_path, "ran")
    result = subprocess.run(
        [*ttyctl_argv("run", "--ctty", term.path), "--", "touch", marker],
        capture_output=True, timeout=20, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    assert result.returncode == 122
    assert result.stderr == (
        f"ttyctl: {term.path}: already the controlling terminal of session {sid}\n".encode()
    )
    assert not os.path.exists(marker)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_terminal_of_another_session_spawn(busy: tuple[Terminal, int], strategy: str,
                                           tmp_path: os.PathLike[str]) -> None:
    term, sid = busy
    marker = os.path.join(tmp_path, "ran")
    with pytest.raises(ttyctl.TerminalBusyError) as info:
        ttyctl.spawn(["touch", marker], mode="terminal", tty=term.path, strategy=strategy)
    assert info.value.sid == sid
    assert not os.path.exists(marker)


def test_steal_takes_the_terminal(busy: tuple[Terminal, int]) -> None:
    if os.geteuid() != 0:
        pytest.skip("stealing a ctty needs CAP_SYS_ADMIN")
    term, sid = busy
    proc = subprocess.Popen(
        [*ttyctl_argv("init", "--steal", "--tty", term.path), "--", PYTHON, PROBE, "1", "wait"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )
    assert read_probe(term.master)["dev_tty"] == "ok"
    _check_table(_end_state(proc.pid, term.path), term.path)
    assert read_stat(sid).tty_nr == 0  # taken from the holder
    assert _finish(term, proc) == 0


def test_steal_without_cap_sys_admin(busy: tuple[Terminal, int],
                                     tmp_path: os.PathLike[str]) -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("needs util-linux setpriv")
    term, sid = busy
    marker = os.path.join(tmp_path, "ran")
    drop = ["setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin", "--"]
    result = subprocess.run(
        [*drop, *ttyctl_argv("init", "--steal", "--tty", term.path), "--", "touch", marker],
        capture_output=True, timeout=20, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 123
    assert result.stderr == (
        f"ttyctl: {term.path}: taking the controlling terminal of session {sid} needs "
        "CAP_SYS_ADMIN\n".encode()
    )
    assert not os.path.exists(marker)


def test_missing_program(term: Terminal) -> None:
    result = subprocess.run(
        [*ttyctl_argv("init", "--tty", term.path), "--", "no-such-program-xyz"],
        capture_output=True, timeout=20, stdin=subprocess.DEVNULL,
    )
    assert (result.returncode, result.stderr) == (
        127, b"ttyctl: no-such-program-xyz: command not found\n"
    )


def test_program_not_executable(tmp_path: os.PathLike[str], term: Terminal) -> None:
    path = os.path.join(tmp_path, "prog")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n")
    result = subprocess.run(
        [*ttyctl_argv("init", "--tty", term.path), "--", path],
        capture_output=True, timeout=20, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 126
    assert result.stderr == f"ttyctl: {path}: Permission denied\n".encode()


def test_no_setsid_needs_a_session_leader(term: Terminal, tmp_path: os.PathLike[str]) -> None:
    marker = os.path.join(tmp_path, "ran")
    result = _init("--no-setsid", "--tty", term.path, marker=marker)
    assert result.returncode == 120
    assert result.stderr.startswith(f"ttyctl: {term.path}: cannot become the controlling "
                                    "terminal: this process does not lead its session".encode())
    assert not os.path.exists(marker)


def test_setsid_refused_for_a_group_leader(term: Terminal, tmp_path: os.PathLike[str]) -> None:
    marker = os.path.join(tmp_path, "ran")
    result = _init("--tty", term.path, marker=marker, process_group=0)
    assert result.returncode == 120
    assert result.stderr.startswith(b"ttyctl: cannot start a new session: ")
    assert result.stderr.count(b"\n") == 1
    assert not os.path.exists(marker)


def test_usage_errors(term: Terminal) -> None:
    both = subprocess.run([*ttyctl_argv("init", "--tty", term.path, "--tty-fd", "0"), "--",
                           "true"], capture_output=True, timeout=20)
    assert both.returncode == 2
    low = subprocess.run([*ttyctl_argv("init", "--keep-fd", "1"), "--", "true"],
                         capture_output=True, timeout=20)
    assert (low.returncode, low.stderr.count(b"\n")) == (2, 1)
    with pytest.raises(ttyctl.UsageError):
        ttyctl.spawn(["true"], tty=term.path)
    with pytest.raises(ttyctl.UsageError):
        ttyctl.spawn(["true"], mode="terminal")
