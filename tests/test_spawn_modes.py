"""Each mode under each strategy reaches the end state of DESIGN.md section 1."""

from __future__ import annotations

import json
import os

import pytest

import ttyctl
from tests.helpers import NEEDS_PS, PROGS, PYTHON, read_stat, read_until, tty_nr_of

STRATEGIES = ["posix_spawn", "fork"]
PROBE = os.path.join(PROGS, "probe.py")


def _probe_line(data: bytes) -> dict[str, object]:
    line = data[data.index(b"PROBE ") + 6 :].split(b"\n")[0]
    result: dict[str, object] = json.loads(line)
    return result


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_console_mode_end_state(strategy: str) -> None:
    with ttyctl.spawn([PYTHON, PROBE, "1", "wait"], strategy=strategy) as proc:
        assert proc.master is not None
        info = _probe_line(read_until(proc.master, b"\n", timeout=20))
        slave = info["ttyname0"]
        assert isinstance(slave, str) and slave.startswith("/dev/pts/")
        st = read_stat(proc.pid)
        assert st.sid == proc.pid
        assert st.pgid == proc.pid
        assert st.tty_nr == tty_nr_of(slave)
        assert st.tpgid == proc.pid
        assert info["dev_tty"] == "ok"
        assert info["fds"] == [0, 1, 2, 3]  # 3 is the listing's own descriptor
        proc.write(b"\n")
        assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_detached_mode_end_state(strategy: str) -> None:
    read_end, write_end = os.pipe()
    try:
        with ttyctl.spawn(
            [PYTHON, PROBE, "1"], mode="detached", stdout=write_end, strategy=strategy
        ) as proc:
            os.close(write_end)
            write_end = -1
            st = read_stat(proc.pid)
            assert (st.sid, st.pgid, st.tty_nr, st.tpgid) == (proc.pid, proc.pid, 0, -1)
            info = _probe_line(read_until(read_end, b"\n", timeout=20))
            assert info["ttyname0"] is None  # stdin is /dev/null
            assert info["dev_tty"] == "ENXIO"
            assert proc.master is None
            assert proc.wait(timeout=10) == 0
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("new_group", [False, True])
def test_inherit_mode_end_state(strategy: str, new_group: bool) -> None:
    read_end, write_end = os.pipe()
    try:
        proc = ttyctl.spawn(
            [PYTHON, PROBE, str(write_end)],
            mode="inherit",
            pass_fds=[write_end],
            new_group=new_group,
            strategy=strategy,
        )
        os.close(write_end)
        write_end = -1
        with proc:
            st = read_stat(proc.pid)
            me = read_stat(os.getpid())
            assert st.sid == me.sid
            assert st.pgid == (proc.pid if new_group else me.pgid)
            assert st.tty_nr == me.tty_nr
            info = _probe_line(read_until(read_end, b"\n", timeout=20))
            assert info["sid"] == me.sid
            assert proc.wait(timeout=10) == 0
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)


@NEEDS_PS
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_strategies_give_identical_console_state(strategy: str) -> None:
    """The ps columns of a console child are the same whatever the strategy."""
    with ttyctl.spawn(["sh", "-c", "ps -o sess=,pgid=,tpgid=,stat= -p $$"],
                      strategy=strategy) as proc:
        assert proc.wait(timeout=10) == 0
        sess, pgid, tpgid, stat = proc.read().decode().split()
        assert int(sess) == int(pgid) == int(tpgid) == proc.pid
        assert stat == "Ss+"


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_cwd_is_applied(strategy: str, tmp_path: os.PathLike[str]) -> None:
    with ttyctl.spawn(["pwd"], cwd=tmp_path, strategy=strategy) as proc:
        assert proc.wait(timeout=10) == 0
        assert proc.read().decode().strip() == os.fspath(tmp_path)
        st_ok = proc.returncode == 0
    assert st_ok


def test_env_is_the_given_one() -> None:
    env = {"FOO": "bar", "PATH": "/usr/bin:/bin"}
    with ttyctl.spawn(["sh", "-c", 'echo "[$FOO]"'], env=env) as proc:
        assert proc.wait(timeout=10) == 0
        assert proc.read() == b"[bar]\r\n"


def test_winsize_is_set_before_start() -> None:
    with ttyctl.spawn(["stty", "size"], winsize=(33, 111)) as proc:
        assert proc.wait(timeout=10) == 0
        assert proc.read() == b"33 111\r\n"


def test_sigpipe_is_default_in_child() -> None:
    """Python ignores SIGPIPE; the program must not inherit that."""
    with ttyctl.spawn(["grep", "SigIgn", "/proc/self/status"]) as proc:
        assert proc.wait(timeout=10) == 0
        out = proc.read().decode()
    ignored = int(out.split("SigIgn:")[1].split()[0], 16)
    assert not ignored & (1 << (13 - 1))
