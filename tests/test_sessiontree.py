"""The session tree model and its text, on fixed records (no processes)."""

from __future__ import annotations

from ttyctl.sansio.sessiontree import ProcessInfo, build_tree, render_table, render_tree


def rec(pid: int, ppid: int, pgid: int, sid: int, tty: str | None = "pts/1", tpgid: int = 10,
        stat: str = "S", command: str = "") -> ProcessInfo:
    return ProcessInfo(pid=pid, ppid=ppid, pgid=pgid, sid=sid, tty=tty,
                       tty_nr=34817 if tty else 0, tpgid=tpgid if tty else -1, state=stat[0],
                       stat=stat, comm=command.split(" ")[0] or "x", command=command or "x",
                       uid=0)


RECORDS = [
    rec(1, 0, 1, 1, None, stat="Ss", command="init"),
    rec(5, 1, 5, 5, stat="Ss", command="bash"),
    rec(10, 5, 10, 5, stat="S+", command="make"),
    rec(11, 10, 10, 5, stat="S+", command="cc"),
    rec(12, 5, 12, 5, stat="S", command="sleep 1"),
    rec(20, 1, 20, 20, None, stat="Ss", command="sleep 2"),
]


def test_model() -> None:
    sessions = build_tree(RECORDS)
    assert [s.sid for s in sessions] == [1, 5, 20]
    bash = sessions[1]
    assert bash.leader is not None and bash.leader.pid == 5
    assert (bash.tty, bash.tpgid) == ("pts/1", 10)
    assert [(g.pgid, g.foreground) for g in bash.groups] == [(5, False), (10, True), (12, False)]
    make = bash.groups[1].roots
    assert [n.info.pid for n in make] == [10] and [c.info.pid for c in make[0].children] == [11]
    assert sessions[2].tty is None and sessions[2].tpgid == -1


def test_text() -> None:
    assert render_tree(build_tree(RECORDS[1:5]), unicode=False) == (
        "session 5 - leader 5 bash - ctty pts/1, foreground group 10\n"
        "|-- group 5\n"
        "|   `-- 5 Ss bash\n"
        "|-- group 10 - foreground\n"
        "|   `-- 10 S+ make\n"
        "|       `-- 11 S+ cc\n"
        "`-- group 12\n"
        "    `-- 12 S sleep 1\n"
    )
    unicode = render_tree(build_tree(RECORDS[5:]), unicode=True, color=True)
    assert unicode == ("\x1b[1msession 20\x1b[0m · leader 20 sleep · no ctty\n"
                       "└── group 20\n    └── 20 \x1b[2mSs\x1b[0m sleep 2\n")


def test_leader_gone_cycles_and_control_characters() -> None:
    odd = [rec(7, 8, 7, 6, command="a\x1b[2Jb"), rec(8, 7, 7, 6, command="c")]
    text = render_tree(build_tree(odd), unicode=False)
    assert "leader 6 gone" in text and "\x1b" not in text and "a?[2Jb" in text
    assert text.count("7 S") == 1


def test_table() -> None:
    lines = render_table(RECORDS[:2]).splitlines()
    assert lines[0].split() == ["PID", "PPID", "PGID", "SID", "TPGID", "TT", "STAT", "COMMAND"]
    assert lines[1].split() == ["1", "0", "1", "1", "-1", "?", "Ss", "init"]
    assert all(len(line) <= 20 for line in render_table(RECORDS, width=20).splitlines())
