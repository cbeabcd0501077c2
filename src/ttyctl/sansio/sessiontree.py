"""The session picture: sessions hold process groups, groups hold processes.

:class:`ProcessInfo` is the record ``ttyctl.inspect`` reads from /proc; this module
groups such records into :class:`SessionNode` / :class:`GroupNode` / :class:`ProcNode`
trees and renders them as text (Unicode box drawing or plain ASCII), as the seed
documents draw them: each session with its leader and its controlling terminal (or
"no ctty"), each group inside it (the terminal's foreground group marked), and the
processes of the group with parent-child links kept visible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import final

__all__ = [
    "GroupNode",
    "ProcNode",
    "ProcessInfo",
    "SessionNode",
    "build_tree",
    "render_table",
    "render_tree",
]


@final
@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """One process as ``ps`` sees it.

    ``tty`` is the controlling terminal's name as ``ps`` prints it (``pts/3``,
    ``ttyS0``, ``console``) or None with no ctty; ``tty_nr`` its raw device
    number (0: none). ``tpgid`` is the foreground group of that terminal, -1
    without one. ``stat`` is ``ps``'s STAT column (``Ss+``). ``command`` is the
    command line, or ``[comm]`` when it has none (kernel threads, zombies).
    """

    pid: int
    ppid: int
    pgid: int
    sid: int
    tty: str | None
    tty_nr: int
    tpgid: int
    state: str
    stat: str
    comm: str
    command: str
    uid: int
    threads: int = 1
    nice: int = 0

    @property
    def session_leader(self) -> bool:
        """Whether this process leads its session (sid == pid)."""
        return self.sid == self.pid

    @property
    def foreground(self) -> bool:
        """Whether it is in its terminal's foreground group (pgid == tpgid)."""
        return self.tty_nr != 0 and self.pgid == self.tpgid


@final
@dataclass(frozen=True, slots=True)
class ProcNode:
    """A process and those of its children that are in the same process group."""

    info: ProcessInfo
    children: tuple[ProcNode, ...] = ()


@final
@dataclass(frozen=True, slots=True)
class GroupNode:
    """A process group: ``roots`` are its members whose parent is outside it."""

    pgid: int
    foreground: bool
    roots: tuple[ProcNode, ...]


@final
@dataclass(frozen=True, slots=True)
class SessionNode:
    """A session: its leader (None once the leader is gone), its ctty and groups.

    ``tpgid`` is the foreground group of the ctty (-1 with no ctty).
    """

    sid: int
    leader: ProcessInfo | None
    tty: str | None
    tpgid: int
    groups: tuple[GroupNode, ...]


def _group(pgid: int, members: list[ProcessInfo], tpgid: int) -> GroupNode:
    pids = {p.pid for p in members}
    kids: dict[int, list[ProcessInfo]] = {}
    for p in members:
        kids.setdefault(p.ppid, []).append(p)

    def node(info: ProcessInfo, seen: frozenset[int]) -> ProcNode:
        below = [c for c in kids.get(info.pid, []) if c.pid != info.pid and c.pid not in seen]
        seen = seen | {info.pid}
        return ProcNode(info, tuple(node(c, seen) for c in below))

    # A pid reused as ppid cannot form a cycle in a real snapshot, but guard anyway.
    roots = [p for p in members if p.ppid not in pids or p.ppid == p.pid]
    if not roots:
        roots = [min(members, key=lambda p: p.pid)]
    return GroupNode(pgid, pgid == tpgid, tuple(node(r, frozenset()) for r in roots))


def build_tree(records: Iterable[ProcessInfo]) -> tuple[SessionNode, ...]:
    """Group records into sessions, then process groups, sorted by id.

    Within a group a process appears under its parent when the parent is in the
    same group; otherwise it is a root of the group.
    """
    sessions: dict[int, list[ProcessInfo]] = {}
    for rec in sorted(records, key=lambda r: r.pid):
        sessions.setdefault(rec.sid, []).append(rec)
    out = []
    for sid in sorted(sessions):
        members = sessions[sid]
        leader = next((p for p in members if p.pid == sid), None)
        with_tty = next((p for p in members if p.tty_nr != 0), None)
        tty = with_tty.tty if with_tty else None
        tpgid = with_tty.tpgid if with_tty else -1
        groups: dict[int, list[ProcessInfo]] = {}
        for p in members:
            groups.setdefault(p.pgid, []).append(p)
        out.append(
            SessionNode(
                sid=sid,
                leader=leader,
                tty=tty,
                tpgid=tpgid,
                groups=tuple(_group(g, groups[g], tpgid) for g in sorted(groups)),
            )
        )
    return tuple(out)


@final
@dataclass(frozen=True, slots=True)
class _Style:
    tee: str
    elbow: str
    pipe: str
    space: str
    dot: str
    bold: str
    fg: str
    dim: str
    reset: str


_UNICODE = ("├── ", "└── ", "│   ", "    ", " · ")
_ASCII = ("|-- ", "`-- ", "|   ", "    ", " - ")


def _style(unicode: bool, color: bool) -> _Style:
    tee, elbow, pipe, space, dot = _UNICODE if unicode else _ASCII
    if color:
        return _Style(tee, elbow, pipe, space, dot, "\x1b[1m", "\x1b[32m", "\x1b[2m", "\x1b[0m")
    return _Style(tee, elbow, pipe, space, dot, "", "", "", "")


def _clean(text: str) -> str:
    """Replace control characters so a command line cannot drive the terminal."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _session_line(s: SessionNode, st: _Style) -> str:
    if s.leader is not None:
        leader = f"leader {s.sid} {_clean(s.leader.comm)}"
    elif s.sid == 0:
        leader = "the kernel's (no leader)"
    else:
        leader = f"leader {s.sid} gone"
    if s.tty is None:
        ctty = "no ctty"
    else:
        ctty = f"ctty {s.tty}, foreground group {s.tpgid}"
    return f"{st.bold}session {s.sid}{st.reset}{st.dot}{leader}{st.dot}{ctty}"


def _group_line(g: GroupNode, st: _Style) -> str:
    mark = f"{st.dot}{st.fg}foreground{st.reset}" if g.foreground else ""
    return f"group {g.pgid}{mark}"


def _proc_line(n: ProcNode, st: _Style) -> str:
    p = n.info
    return f"{p.pid} {st.dim}{p.stat}{st.reset} {_clean(p.command)}"


def render_tree(
    sessions: Iterable[SessionNode], *, unicode: bool = True, color: bool = False
) -> str:
    """Draw sessions as an indented tree; each line ends with a newline.

    ``unicode`` picks box-drawing characters, else ASCII; ``color`` adds ANSI
    bold for sessions and green for the foreground group. Control characters
    in command lines are shown as ``?``.
    """
    st = _style(unicode, color)
    lines: list[str] = []

    def walk(nodes: tuple[ProcNode, ...], prefix: str) -> None:
        for i, n in enumerate(nodes):
            last = i == len(nodes) - 1
            lines.append(prefix + (st.elbow if last else st.tee) + _proc_line(n, st))
            walk(n.children, prefix + (st.space if last else st.pipe))

    for s in sessions:
        lines.append(_session_line(s, st))
        for i, g in enumerate(s.groups):
            last = i == len(s.groups) - 1
            lines.append((st.elbow if last else st.tee) + _group_line(g, st))
            walk(g.roots, st.space if last else st.pipe)
    return "".join(line + "\n" for line in lines)


_COLUMNS = ("PID", "PPID", "PGID", "SID", "TPGID", "TT", "STAT", "COMMAND")


def render_table(records: Iterable[ProcessInfo], *, width: int | None = None) -> str:
    """The ``ps``-style table: PID PPID PGID SID TPGID TT STAT COMMAND.

    TT is ``?`` with no ctty, as in ``ps``. With ``width``, lines are cut to it.
    """
    rows = [
        (
            str(p.pid), str(p.ppid), str(p.pgid), str(p.sid), str(p.tpgid),
            p.tty or "?", p.stat, _clean(p.command),
        )
        for p in records
    ]  # fmt: skip
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(_COLUMNS[:-1])]
    lines = []
    for row in [_COLUMNS, *rows]:
        cells = [
            c.ljust(w) if h in ("TT", "STAT") else c.rjust(w)
            for c, w, h in zip(row, widths, _COLUMNS, strict=False)
        ]
        line = " ".join([*cells, row[-1]])
        lines.append(line[:width] if width else line)
    return "".join(line + "\n" for line in lines)
