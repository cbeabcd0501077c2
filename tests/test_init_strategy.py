"""``strategy="init"`` reaches the same end state as posix_spawn and fork.

The same assertions as tests/test_spawn_modes.py, run for the init strategy
(which spawns ``python -m ttyctl init`` and lets it do setsid and TIOCSCTTY).
"""

from __future__ import annotations

import json
import os

import pytest

import ttyctl
from tests.helpers import NEEDS_PS, PROGS, PYTHON, children_of, read_stat, read_until, tty_nr_of

STRATEGIES = ["init"]
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
        assert info["pid"] == proc.pid
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
            assert info["pid"] == proc.pid
            assert info["ttyname0"] is None  # stdin is /dev/null
            assert info["dev_tty"] == "ENXIO"
            assert info["fds"] == [0, 1, 2, 3]
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
            me = read_stat(os.getpid())
            info = _probe_line(read_until(read_end, b"\n", timeout=20))
            assert info["pid"] == proc.pid
            assert info["sid"] == me.sid
            assert info["pgid"] == (proc.pid if new_group else me.pgid)
            assert proc.wait(timeout=10) == 0
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)


@NEEDS_PS
@pytest.mark.parametrize("strategy", ["posix_spawn", "fork", "init"])
def test_strategies_give_identical_console_state(strategy: str) -> None:
    """The ps columns and descriptors of a console child are the same whatever the strategy."""
    with ttyctl.spawn(["sh", "-c", "ps -o sess=,pgid=,tpgid=,stat= -p $$; ls /proc/$$/fd"],
                      strategy=strategy) as proc:
        assert proc.wait(timeout=10) == 0
        sess, pgid, tpgid, stat, *fds = proc.read().decode().split()
        assert int(sess) == int(pgid) == int(tpgid) == proc.pid
        assert stat == "Ss+"
        assert fds == ["0", "1", "2"]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_cwd_and_env_are_applied(strategy: str, tmp_path: os.PathLike[str]) -> None:
    with ttyctl.spawn(["sh", "-c", 'pwd; echo "[$FOO]"'], cwd=tmp_path, strategy=strategy,
                      env={"FOO": "bar", "PATH": os.environ["PATH"]}) as proc:
        assert proc.wait(timeout=10) == 0
        assert proc.read().decode().split() == [os.fspath(tmp_path), "[bar]"]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_argv0_is_kept(strategy: str) -> None:
    with ttyctl.spawn(["sh", "-c", "echo $0"], strategy=strategy) as proc:
        assert proc.wait(timeout=10) == 0
        assert proc.read() == b"sh\r\n"


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_missing_program_raises_in_the_caller(strategy: str) -> None:
    with pytest.raises(FileNotFoundError):
        ttyctl.spawn(["no-such-program-xyz"], strategy=strategy)


def test_failure_inside_init_is_raised_in_the_caller(tmp_path: os.PathLike[str]) -> None:
    """init's own failure comes back through the status pipe as the same OSError,
    after init was reaped (spawn's lookup would catch this one first, so the
    init strategy is driven directly)."""
    from ttyctl._os.spawn_init import spawn_init
    from ttyctl._os.spawn_plan import SpawnPlan

    path = os.path.join(tmp_path, "prog")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(path, 0o644)
    before = set(children_of(os.getpid()))
    with pytest.raises(PermissionError) as info:
        spawn_init(SpawnPlan(path=path, argv=[path], env=os.environ, setsid=True),
                   tty_on_stdio=False)
    assert info.value.filename == path
    assert set(children_of(os.getpid())) == before


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_no_descriptor_of_the_caller_leaks(strategy: str) -> None:
    leaked = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(leaked, True)
    try:
        with ttyctl.spawn(["ls", "/proc/self/fd"], strategy=strategy) as proc:
            assert proc.wait(timeout=10) == 0
            assert proc.read().split() == [b"0", b"1", b"2", b"3"]  # 3: ls's listing
    finally:
        os.close(leaked)
