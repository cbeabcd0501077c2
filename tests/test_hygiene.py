"""No zombie, no stray descriptor, nothing of the parent in the child; threads."""

from __future__ import annotations

import os
import threading

import pytest

import ttyctl
from tests.helpers import open_fds, read_stat, tty_nr_of, zombies_of

STRATEGIES = ["posix_spawn", "fork"]


@pytest.mark.timeout(240)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_thousand_spawns_leave_nothing_behind(strategy: str) -> None:
    baseline = open_fds()
    for i in range(1000):
        mode = ("console", "detached", "inherit")[i % 3]
        with ttyctl.spawn(["true"], mode=mode, strategy=strategy) as proc:  # type: ignore[arg-type]
            assert proc.wait(timeout=10) == 0
    assert open_fds() == baseline
    assert zombies_of(os.getpid()) == []


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("mode", ["console", "detached", "inherit"])
def test_child_inherits_only_stdio_and_pass_fds(strategy: str, mode: str) -> None:
    leaky_r, leaky_w = os.pipe()
    os.set_inheritable(leaky_r, True)  # a descriptor some library left inheritable
    passed_r, passed_w = os.pipe()
    try:
        with ttyctl.spawn(["sleep", "30"], mode=mode, pass_fds=[passed_r],  # type: ignore[arg-type]
                          strategy=strategy) as proc:
            _wait_exec(proc.pid, "sleep")
            assert open_fds(proc.pid) == {0, 1, 2, passed_r}
            if proc.master is not None:
                assert proc.master not in open_fds(proc.pid) or proc.master == passed_r
            proc.kill()
            proc.wait(timeout=10)
    finally:
        for fd in (leaky_r, leaky_w, passed_r, passed_w):
            os.close(fd)


def test_console_child_holds_only_the_slave() -> None:
    with ttyctl.spawn(["sleep", "30"]) as proc:
        _wait_exec(proc.pid, "sleep")
        links = {os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in (0, 1, 2)}
        assert len(links) == 1 and links.pop().startswith("/dev/pts/")


@pytest.mark.timeout(180)
def test_spawning_from_sixteen_threads() -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(50):
                with ttyctl.spawn(["cat"]) as proc:
                    st = read_stat(proc.pid)
                    assert st.sid == proc.pid and st.pgid == proc.pid
                    assert st.tpgid == proc.pid
                    slave = os.readlink(f"/proc/{proc.pid}/fd/0")
                    assert st.tty_nr == tty_nr_of(slave)
                    proc.write(b"\x04")  # EOF: cat exits
                    assert proc.wait(timeout=20) == 0
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    baseline = open_fds()
    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert open_fds() == baseline
    assert zombies_of(os.getpid()) == []


def _wait_exec(pid: int, comm: str) -> None:
    """Wait until ``pid`` runs ``comm`` and sleeps (past its own start-up opens)."""
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip() == comm and read_stat(pid).state == "S":
                return
        time.sleep(0.002)
    raise AssertionError(f"{pid} did not exec {comm}")
