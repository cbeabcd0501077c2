"""``ttyctl ps`` and ttyctl.inspect against procps ps, for a tree the test builds."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest

import ttyctl
from tests.helpers import PYTHON, read_stat, ttyctl_argv
from tests.inspect_helpers import procps, session_members, wait_for
from ttyctl.inspect import (
    build_tree,
    processes,
    read_process,
    render_tree,
    select_sessions,
)


@pytest.fixture
def tree() -> Iterator[dict[str, int]]:
    """A console-mode shell with a background pipeline and a foreground sleep, and a
    detached sleep: the pids by role."""
    shell = ttyctl.spawn(["sh", "-c", "set -m; sleep 30 | sleep 31 & sleep 32"])
    detached = ttyctl.spawn(["sleep", "33"], mode="detached")
    with shell, detached:

        def settled() -> bool:
            members = session_members(shell.pid)
            return len(members) == 4 and read_stat(shell.pid).tpgid not in (shell.pid, -1)

        wait_for(settled, what="the shell's jobs")
        members = session_members(shell.pid)
        fg = read_stat(shell.pid).tpgid
        pipeline = [p for p in members if p not in (shell.pid, fg)]
        yield {"shell": shell.pid, "fg": fg, "pipe1": pipeline[0], "pipe2": pipeline[1],
               "detached": detached.pid}


def test_columns_equal_procps(tree: dict[str, int]) -> None:
    pids = [*tree.values(), 1, 2]
    ours = {r.pid: r for r in processes(pids)}
    theirs = procps(pids)
    assert set(ours) == set(theirs) == set(pids)
    for pid in pids:
        r = ours[pid]
        mine = [str(r.pid), str(r.pgid), str(r.sid), str(r.tpgid), r.tty or "?", r.stat]
        assert mine == theirs[pid], f"pid {pid}"
    # and what they are, spelled out: the seeds' end states
    assert ours[tree["shell"]].stat == "Ss"
    assert ours[tree["fg"]].stat == "S+"
    assert ours[tree["pipe1"]].pgid == ours[tree["pipe2"]].pgid != ours[tree["fg"]].pgid
    assert ours[tree["detached"]].tty is None and ours[tree["detached"]].stat == "Ss"


def test_cli_json_equals_procps(tree: dict[str, int]) -> None:
    pids = list(tree.values())
    out = subprocess.run(ttyctl_argv("ps", "--json", *map(str, pids)), capture_output=True,
                         text=True, check=True, timeout=30).stdout
    records = {r["pid"]: r for r in json.loads(out)}
    theirs = procps(pids)
    for pid in pids:
        r = records[pid]
        mine = [str(pid), str(r["pgid"]), str(r["sid"]), str(r["tpgid"]), r["tty"] or "?",
                r["stat"]]
        assert mine == theirs[pid]


def test_cli_table_equals_procps(tree: dict[str, int]) -> None:
    out = subprocess.run(ttyctl_argv("ps", str(tree["shell"])), capture_output=True,
                         text=True, check=True, timeout=30).stdout
    lines = out.splitlines()
    assert lines[0].split() == ["PID", "PPID", "PGID", "SID", "TPGID", "TT", "STAT", "COMMAND"]
    rows = {int(line.split()[0]): line.split() for line in lines[1:]}
    # the sessions that contain the pid: the whole shell session, not the detached sleep
    assert set(rows) == set(session_members(tree["shell"]))
    theirs = procps(sorted(rows), "pid,ppid,pgid,sid,tpgid,tt,stat")
    for pid, row in rows.items():
        assert row[:7] == theirs[pid]
    assert rows[tree["fg"]][7:] == ["sleep", "32"]


def test_default_selection_is_sessions_with_a_ctty(tree: dict[str, int]) -> None:
    records = select_sessions(processes())
    pids = {r.pid for r in records}
    assert set(session_members(tree["shell"])) <= pids
    assert tree["detached"] not in pids
    assert all(r.tty_nr != 0 for r in records if r.pid == r.sid)


def test_tree_picture(tree: dict[str, int]) -> None:
    records = [r for r in processes() if r.sid in (tree["shell"], tree["detached"])]
    text = render_tree(build_tree(records), unicode=False)
    tty = read_process(tree["shell"]).tty  # type: ignore[union-attr]
    fg, sh, det = tree["fg"], tree["shell"], tree["detached"]
    assert f"session {sh} - leader {sh} sh - ctty {tty}, foreground group {fg}" in text
    assert f"group {fg} - foreground" in text
    assert f"session {det} - leader {det} sleep - no ctty" in text
    pipe_group = read_stat(tree["pipe1"]).pgid
    assert f"group {pipe_group}\n" in text  # the background pipeline, not marked
    unicode = render_tree(build_tree(records), unicode=True)
    assert "├── " in unicode and "└── " in unicode
    assert unicode.replace("├── ", "|-- ").replace("└── ", "`-- ").replace("│   ", "|   ") \
        .replace(" · ", " - ") == text


def test_cli_tree_ascii_when_not_a_terminal_and_no_color(tree: dict[str, int]) -> None:
    out = subprocess.run(ttyctl_argv("ps", "--tree", str(tree["shell"])), capture_output=True,
                         text=True, check=True, timeout=30).stdout
    assert "\x1b[" not in out and "├" not in out
    assert f"group {tree['fg']} - foreground" in out


def test_cli_tree_on_a_terminal_uses_unicode_and_color(tree: dict[str, int]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(LANG="C.UTF-8", PYTHONIOENCODING="utf-8", COLUMNS="400")
    with ttyctl.spawn(ttyctl_argv("ps", "--tree", str(tree["shell"])), env=env,
                      winsize=(50, 400)) as proc:
        assert proc.wait(timeout=30) == 0
        out = b""
        while chunk := proc.read(65536, timeout=5):  # b"" at the end of the output
            out += chunk
    text = out.decode()
    assert "├── " in text or "└── " in text
    assert "\x1b[32mforeground" in text
    env["NO_COLOR"] = "1"
    with ttyctl.spawn(ttyctl_argv("ps", "--tree", str(tree["shell"])), env=env) as proc:
        proc.wait(timeout=30)
        assert b"\x1b[" not in proc.read(65536, timeout=5)


def test_vanished_and_missing_pids() -> None:
    proc = ttyctl.spawn(["true"], mode="detached")
    proc.wait(timeout=10)
    proc.close()
    assert read_process(proc.pid) is None
    assert processes([proc.pid]) == []
    result = subprocess.run(ttyctl_argv("ps", str(proc.pid)), capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 1
    assert result.stderr == f"ttyctl: no such process: {proc.pid}\n"


def test_comm_with_spaces_and_parenthesis_from_the_kernel() -> None:
    code = ("import ctypes, sys; ctypes.CDLL(None).prctl(15, b'a) b (c', 0, 0, 0); "
            "sys.stdout.write('R\\n'); sys.stdout.flush(); sys.stdin.read()")
    r, w = os.pipe()
    proc = ttyctl.spawn([PYTHON, "-c", code], mode="detached",
                        stdin=r, stdout=w)
    os.close(r)
    with proc:
        wait_for(lambda: read_stat(proc.pid).ppid > 0 and _comm(proc.pid) == "a) b (c",
                 what="the new comm")
        rec = read_process(proc.pid)
        assert rec is not None and rec.comm == "a) b (c"
        assert (rec.sid, rec.pgid, rec.tty) == (proc.pid, proc.pid, None)
        os.close(w)


def _comm(pid: int) -> str:
    with open(f"/proc/{pid}/comm") as f:
        return f.read().rstrip("\n")
