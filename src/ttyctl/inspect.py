"""Read sessions, process groups and controlling terminals from /proc.

The public API of ``ttyctl ps`` and ``ttyctl stdio``: :func:`processes` reads
every process (or the given pids) into :class:`ProcessInfo` records;
:func:`session_tree` groups them as the seed documents draw them;
:func:`descriptors` tells where a process's descriptors point, whether each is a
terminal and whether that terminal is the process's controlling terminal.

A process can end while it is being read: it is then skipped, never an error.
Records are snapshots: by the time they are looked at, the process may be gone.
"""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, final

from .sansio.procstat import parse_stat, parse_status, stat_flags
from .sansio.sessiontree import (
    GroupNode,
    ProcessInfo,
    ProcNode,
    SessionNode,
    build_tree,
    render_table,
    render_tree,
)
from .sansio.ttyname import (
    TtyDriver,
    is_tty_device,
    parse_tty_drivers,
    tty_name,
    tty_nr_from,
)

__all__ = [
    "FdInfo",
    "FdKind",
    "GroupNode",
    "ProcNode",
    "ProcessInfo",
    "SessionNode",
    "TtyNamer",
    "build_tree",
    "descriptors",
    "list_pids",
    "processes",
    "read_process",
    "render_table",
    "render_tree",
    "select_sessions",
    "session_tree",
]

_VANISHED = (FileNotFoundError, ProcessLookupError)


def _read(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, 8192)
        if len(data) < 8192:
            return data
        chunks = [data]
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


@final
class TtyNamer:
    """Turns ``tty_nr`` values into names, as procps does, with a cache.

    Reads ``/proc/tty/drivers`` once (``proc`` is the procfs mount point) and
    checks candidate device files under ``/dev`` with ``stat``; a missing
    drivers file only narrows the choice to the usual names.
    """

    __slots__ = ("_cache", "drivers")

    def __init__(self, proc: str = "/proc") -> None:
        try:
            self.drivers: tuple[TtyDriver, ...] = parse_tty_drivers(
                _read(f"{proc}/tty/drivers")
            )
        except OSError:
            self.drivers = ()
        self._cache: dict[int, str | None] = {}

    def name(self, tty_nr: int) -> str | None:
        """The TT name for ``tty_nr`` (``pts/3``), or None for 0 (no terminal)."""
        try:
            return self._cache[tty_nr]
        except KeyError:
            found = self._cache[tty_nr] = tty_name(tty_nr, self.drivers, _is_device)
            return found


def _is_device(path: str, major: int, minor: int) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (
        stat_mod.S_ISCHR(st.st_mode)
        and os.major(st.st_rdev) == major
        and os.minor(st.st_rdev) == minor
    )


def list_pids(proc: str = "/proc") -> list[int]:
    """Every pid in ``proc`` (processes only, not threads), sorted."""
    return sorted(int(name) for name in os.listdir(proc) if name.isdecimal())


def read_process(
    pid: int, namer: TtyNamer | None = None, proc: str = "/proc"
) -> ProcessInfo | None:
    """Read one process; None when it does not exist (or ended meanwhile).

    Raises :class:`PermissionError` only if /proc itself refuses (hidepid);
    an unreadable command line or status just leaves those fields empty.
    """
    base = f"{proc}/{pid}"
    try:
        st = parse_stat(_read(f"{base}/stat"))
    except _VANISHED:
        return None
    except ValueError:
        return None  # a half-written line from a process being torn down
    try:
        status = parse_status(_read(f"{base}/status"))
        uid, locked = status.uid, status.locked_kb
    except _VANISHED:
        return None
    except (OSError, ValueError):
        uid, locked = -1, 0
    try:
        raw = _read(f"{base}/cmdline")
    except _VANISHED:
        return None
    except OSError:
        raw = b""
    args = raw.rstrip(b"\0").replace(b"\0", b" ")
    command = args.decode("utf-8", "replace") if args else f"[{st.comm}]"
    namer = namer or TtyNamer(proc)
    return ProcessInfo(
        pid=st.pid,
        ppid=st.ppid,
        pgid=st.pgid,
        sid=st.sid,
        tty=namer.name(st.tty_nr),
        tty_nr=st.tty_nr,
        tpgid=st.tpgid,
        state=st.state,
        stat=stat_flags(st, locked_kb=locked),
        comm=st.comm,
        command=command,
        uid=uid,
        threads=st.threads,
        nice=st.nice,
    )


def processes(pids: Iterable[int] | None = None, proc: str = "/proc") -> list[ProcessInfo]:
    """Read the given pids, or every process, sorted by pid; vanished ones are skipped."""
    namer = TtyNamer(proc)
    wanted = list_pids(proc) if pids is None else sorted(set(pids))
    found = []
    for pid in wanted:
        rec = read_process(pid, namer, proc)
        if rec is not None:
            found.append(rec)
    return found


def select_sessions(
    records: Iterable[ProcessInfo], pids: Iterable[int] = (), *, everything: bool = False
) -> list[ProcessInfo]:
    """What ``ttyctl ps`` shows by default.

    With ``pids``: every process of the sessions that contain them. Without:
    every process of the sessions that have a controlling terminal. With
    ``everything``: all of ``records``.
    """
    records = list(records)
    if everything:
        return records
    wanted = set(pids)
    if wanted:
        sids = {r.sid for r in records if r.pid in wanted}
    else:
        sids = {r.sid for r in records if r.tty_nr != 0}
    return [r for r in records if r.sid in sids]


def session_tree(pids: Iterable[int] = (), *, everything: bool = False) -> tuple[SessionNode, ...]:
    """Read /proc and build the session picture of :func:`select_sessions`."""
    return build_tree(select_sessions(processes(), pids, everything=everything))


FdKind = Literal[
    "terminal", "file", "directory", "pipe", "socket", "char device", "block device",
    "anon inode", "other",
]  # fmt: skip


@final
@dataclass(frozen=True, slots=True)
class FdInfo:
    """Where one descriptor of a process points.

    ``target`` is the /proc/PID/fd link (``/dev/pts/3``, ``pipe:[1234]``,
    ``socket:[99]``, ``/tmp/log (deleted)``); ``kind`` what it is; ``terminal``
    whether ``isatty`` would be true on it; ``tty`` the terminal's name;
    ``ctty`` whether that terminal is the process's controlling terminal.
    ``error`` holds why the descriptor could not be examined (it is closed,
    or the process is not ours).
    """

    fd: int
    target: str | None
    kind: FdKind | None
    terminal: bool
    tty: str | None
    ctty: bool
    error: str | None = None


def _classify(
    path: str, tty_nr: int, namer: TtyNamer
) -> tuple[FdKind, bool, str | None, bool]:
    st = os.stat(path)  # follows the magic link to the open object
    mode = st.st_mode
    if stat_mod.S_ISCHR(mode):
        major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
        if not is_tty_device(major, minor, namer.drivers):
            return "char device", False, None, False
        if (major, minor) == (5, 0):  # /dev/tty: always the opener's ctty
            return "terminal", True, namer.name(tty_nr) if tty_nr else "tty", tty_nr != 0
        nr = tty_nr_from(major, minor)
        return "terminal", True, namer.name(nr), tty_nr != 0 and nr == tty_nr
    kinds: list[tuple[Callable[[int], bool], FdKind]] = [
        (stat_mod.S_ISREG, "file"),
        (stat_mod.S_ISDIR, "directory"),
        (stat_mod.S_ISFIFO, "pipe"),
        (stat_mod.S_ISSOCK, "socket"),
        (stat_mod.S_ISBLK, "block device"),
    ]
    for test, kind in kinds:
        if test(mode):
            return kind, False, None, False
    return "other", False, None, False


def descriptors(
    pid: int | None = None, fds: Iterable[int] | None = (0, 1, 2), proc: str = "/proc"
) -> list[FdInfo]:
    """Describe descriptors of ``pid`` (default: the caller): 0, 1, 2, or ``fds``.

    ``fds=None`` means every open descriptor. A descriptor that is not open
    gets an entry with ``error="not open"``. Raises :class:`ProcessLookupError`
    when the process does not exist and :class:`PermissionError` when its
    descriptors are not ours to read.
    """
    pid = os.getpid() if pid is None else pid
    base = f"{proc}/{pid}"
    namer = TtyNamer(proc)
    try:
        tty_nr = parse_stat(_read(f"{base}/stat")).tty_nr
        listed = sorted(int(n) for n in os.listdir(f"{base}/fd"))
    except FileNotFoundError:
        raise ProcessLookupError(f"no process {pid}") from None
    wanted = listed if fds is None else list(fds)
    out = []
    for fd in wanted:
        link = f"{base}/fd/{fd}"
        try:
            target = os.readlink(link)
            kind: FdKind
            if target.startswith("anon_inode:"):
                kind, terminal, tty, ctty = "anon inode", False, None, False
            else:
                kind, terminal, tty, ctty = _classify(link, tty_nr, namer)
        except FileNotFoundError:
            if fds is not None:  # asked for by number: say so; else it was the listing's
                out.append(FdInfo(fd, None, None, False, None, False, "not open"))
            continue
        except OSError as exc:
            out.append(FdInfo(fd, None, None, False, None, False, exc.strerror or str(exc)))
            continue
        out.append(FdInfo(fd, target, kind, terminal, tty, ctty))
    return out
