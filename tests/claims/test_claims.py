"""One test per claim of ../shared/CLAIMS.md, against real processes and real PTYs.

Each experiment (ttyctl.claims, also run live by ``ttyctl demo --all``) runs in
forked children on PTYs of its own and returns the raw facts the kernel gave:
sids, tty_nr values, errno names, signals. The tests assert those facts, the
negative half included where the claim has one; where it is cheap they also
check the kernel's view again with the test suite's own /proc reader.
"""

from __future__ import annotations

import os
import signal

import ttyctl
from tests.helpers import read_stat
from tests.inspect_helpers import procps
from ttyctl import claims


def test_c01_setsid_new_session_and_group() -> None:
    obs = claims.c01_setsid_new_session_and_group()
    before, after = obs.facts["before"], obs.facts["after"]
    assert before["sid"] == read_stat(os.getpid()).sid != before["pid"]  # negative: before
    assert after["sid"] == after["pgid"] == after["pid"]
    assert obs.ok


def test_c02_setsid_drops_ctty() -> None:
    obs = claims.c02_setsid_drops_ctty()
    assert obs.facts["before"]["tty_nr"] != 0 and obs.facts["before"]["dev_tty"] == "ok"
    assert obs.facts["after"] == {"tty_nr": 0, "dev_tty": "ENXIO"}
    assert obs.ok


def test_c03_tiocsctty_needs_leader_without_ctty() -> None:
    obs = claims.c03_tiocsctty_needs_leader_without_ctty()
    assert obs.facts["leader_without_ctty"] == "ok"
    assert obs.facts["not_leader"] == "EPERM"  # negative: not a session leader
    assert obs.facts["leader_with_ctty"] == "EPERM"  # negative: already has a ctty
    assert obs.ok


def test_c04_setsid_sctty_dup2() -> None:
    obs = claims.c04_setsid_sctty_dup2()
    f = obs.facts
    assert f["tty_nr"] == f["slave_tty_nr"] != 0 and f["tpgid"] == f["pid"] == f["sid"]
    assert f["ttyname0"].startswith("/dev/pts/")
    assert f["isatty"] == [True, True, True] and f["dev_tty"] == "ok"
    assert "hello from the slave" in f["master_read"]
    assert obs.ok


def test_c05_keyboard_signals_to_foreground() -> None:
    obs = claims.c05_keyboard_signals_to_foreground()
    assert obs.facts["foreground"] == ["SIGINT", "SIGTSTP", "SIGQUIT"]
    assert obs.facts["background"] == []  # negative: a background group gets none
    assert obs.ok


def test_c06_own_session_no_ctrl_c() -> None:
    obs = claims.c06_own_session_no_ctrl_c()
    assert obs.facts["own_session"] == []
    assert obs.facts["same_group"] == ["SIGINT"]  # the sibling without setsid does get it
    assert obs.facts["leader_got"] == "SIGINT"
    assert obs.ok


def test_c06_with_ttyctl_spawn_detached_sleep_survives_ctrl_c() -> None:
    """The seed's own experiment with the library: a console sleep dies, a detached lives."""
    with ttyctl.spawn(["sleep", "30"]) as fg, ttyctl.spawn(["sleep", "30"], mode="detached") as own:
        assert read_stat(own.pid).tty_nr == 0
        fg.write(b"\x03")
        assert fg.wait(timeout=10) == -signal.SIGINT
        assert own.poll() is None and read_stat(own.pid).state in ("R", "S")


def test_c07_resize_sigwinch() -> None:
    obs = claims.c07_resize_sigwinch()
    assert obs.facts["foreground"] == "SIGWINCH"
    assert obs.facts["background"] == []
    assert obs.ok


def test_c08_background_ttin_ttou() -> None:
    obs = claims.c08_background_ttin_ttou()
    assert obs.facts["read"] == {"stopped_by": "SIGTTIN"}
    assert obs.facts["write_tostop"] == {"stopped_by": "SIGTTOU"}
    assert obs.facts["write_no_tostop"] == {"exit": 0}  # negative: no TOSTOP, write passes
    assert obs.ok


def test_c09_stdio_on_terminal_is_not_ctty() -> None:
    obs = claims.c09_stdio_on_terminal_is_not_ctty()
    assert obs.facts["without"] == {"isatty": [True] * 3, "tty_nr": 0, "dev_tty": "ENXIO"}
    assert obs.facts["with"]["tty_nr"] != 0 and obs.facts["with"]["dev_tty"] == "ok"
    assert obs.ok


def test_c10_isatty_false_for_file() -> None:
    obs = claims.c10_isatty_false_for_file()
    assert obs.facts == {"terminal": True, "file": False}
    assert obs.ok


def test_c11_open_by_leader_acquires_ctty() -> None:
    obs = claims.c11_open_by_leader_acquires_ctty()
    assert obs.facts["before"] == 0
    assert obs.facts["after"] != 0 and obs.facts["dev_tty"] == "ok"
    assert obs.ok


def test_c12_noctty_or_not_leader_does_not_acquire() -> None:
    obs = claims.c12_noctty_or_not_leader_does_not_acquire()
    assert obs.facts["leader_o_noctty"] == 0  # O_NOCTTY: not acquired
    assert obs.facts["not_leader"] == 0 and obs.facts["not_leader_dev_tty"] == "ENXIO"
    assert obs.facts["leader_after"] == 0
    assert obs.ok


def test_c13_child_inherits_ctty() -> None:
    obs = claims.c13_child_inherits_ctty()
    tt = obs.facts["tt"]
    assert tt["child"] == tt["leader"] and tt["child"].startswith("pts/")
    assert tt["daemon"] == "?"
    assert obs.ok


def test_c13_ps_shows_the_inherited_tt() -> None:
    with ttyctl.spawn(["sh", "-c", "sleep 30 & wait"]) as shell:
        from tests.inspect_helpers import session_members, wait_for

        wait_for(lambda: len(session_members(shell.pid)) == 2, what="the child sleep")
        child = session_members(shell.pid)[1]
        with ttyctl.spawn(["sleep", "30"], mode="detached") as daemon:
            rows = procps([shell.pid, child, daemon.pid], "pid,tt")
        assert rows[child][1] == rows[shell.pid][1] != "?"
        assert rows[daemon.pid][1] == "?"


def test_c14_master_reads_and_injects() -> None:
    obs = claims.c14_master_reads_and_injects()
    assert "PING" in obs.facts["master_read"]
    assert obs.ok


def test_c15_master_via_scm_rights() -> None:
    obs = claims.c15_master_via_scm_rights()
    assert obs.facts["fds"] == 1 and obs.facts["name"] == "/dev/ptmx"
    assert "HANDED" in obs.facts["read"]
    assert obs.ok


def test_c16_parent_side_setsid_no_window() -> None:
    obs = claims.c16_parent_side_setsid_no_window()
    parent = obs.facts["parent_side"]
    assert parent["sid"] == parent["pgid"] == parent["pid"]
    window = obs.facts["child_side_window"]
    assert window["pgid"] == window["caller_pgid"] == os.getpgrp()  # negative: the window
    assert obs.ok


def test_c17_no_ctty_dev_tty_fails() -> None:
    obs = claims.c17_no_ctty_dev_tty_fails()
    assert obs.facts["no_ctty_exit"] != 0
    assert obs.facts["with_ctty_exit"] == 0
    assert obs.ok
