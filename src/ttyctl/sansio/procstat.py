"""Parse ``/proc/PID/stat`` and ``/proc/PID/status``, and derive ``ps``'s STAT column.

The command name (``comm``) sits between the first ``(`` and the *last* ``)`` of the
stat line and may itself hold spaces and parentheses (``prctl(PR_SET_NAME)`` lets a
program choose any 15 bytes): the fields after it are split at the last ``)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

__all__ = ["ProcStat", "StatusFields", "parse_stat", "parse_status", "stat_flags"]


@final
@dataclass(frozen=True, slots=True)
class ProcStat:
    """The fields of one ``/proc/PID/stat`` line that ttyctl uses.

    ``tty_nr`` is the controlling terminal's device number as the kernel encodes
    it (0: no ctty); ``tpgid`` the foreground process group of that terminal (-1
    with no ctty). ``comm`` is decoded with ``surrogateescape`` so no byte is lost.
    """

    pid: int
    comm: str
    state: str
    ppid: int
    pgid: int
    sid: int
    tty_nr: int
    tpgid: int
    nice: int
    threads: int
    starttime: int


# Fields after "(comm) ", counted from 0: state ppid pgrp session tty_nr tpgid flags
# minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads
# itrealvalue starttime ...
_NICE, _THREADS, _START = 16, 17, 19


def parse_stat(line: bytes) -> ProcStat:
    """Parse the content of ``/proc/PID/stat``.

    Raises :class:`ValueError` for anything that is not such a line (truncated,
    no parentheses, a field that is not a number); never another exception.
    """
    open_paren = line.find(b"(")
    close_paren = line.rfind(b")")
    if open_paren < 1 or close_paren < open_paren:
        raise ValueError("not a /proc/PID/stat line: no '(comm)'")
    try:
        pid = int(line[:open_paren].strip(b" ").decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("not a /proc/PID/stat line: bad pid") from None
    rest = line[close_paren + 1 :].split()
    if len(rest) <= _START:
        raise ValueError("not a /proc/PID/stat line: too few fields")
    state = rest[0].decode("ascii", "replace")
    if len(state) != 1:
        raise ValueError("not a /proc/PID/stat line: bad state")
    try:
        numbers = [int(field) for field in rest[1 : _START + 1]]
    except ValueError:
        raise ValueError("not a /proc/PID/stat line: a field is not a number") from None
    ppid, pgid, sid, tty_nr, tpgid = numbers[:5]
    return ProcStat(
        pid=pid,
        comm=line[open_paren + 1 : close_paren].decode("utf-8", "surrogateescape"),
        state=state,
        ppid=ppid,
        pgid=pgid,
        sid=sid,
        tty_nr=tty_nr,
        tpgid=tpgid,
        nice=numbers[_NICE - 1],
        threads=numbers[_THREADS - 1],
        starttime=numbers[_START - 1],
    )


@final
@dataclass(frozen=True, slots=True)
class StatusFields:
    """What ``/proc/PID/status`` adds: the real uid and the locked memory (kB)."""

    uid: int
    locked_kb: int


def _field(text: bytes, key: bytes) -> int | None:
    """The first number after ``key`` at the start of a line of ``text``, or None."""
    at = text.find(b"\n" + key)
    if at < 0:
        if not text.startswith(key):
            return None
        at = -1
    end = text.find(b"\n", at + 1)
    fields = text[at + 1 + len(key) : end if end >= 0 else len(text)].split()
    return int(fields[0]) if fields and fields[0].isdigit() else None


def parse_status(text: bytes) -> StatusFields:
    """Take ``Uid`` (the real uid) and ``VmLck`` from ``/proc/PID/status``.

    Kernel threads and zombies have no ``VmLck`` line: 0. Raises
    :class:`ValueError` when there is no usable ``Uid`` line.
    """
    uid = _field(text, b"Uid:")
    if uid is None:
        raise ValueError("no Uid line in /proc/PID/status")
    return StatusFields(uid=uid, locked_kb=_field(text, b"VmLck:") or 0)


def stat_flags(stat: ProcStat, *, locked_kb: int = 0) -> str:
    """The STAT column of procps ``ps`` for this process.

    The state letter, then ``<`` (nice < 0) or ``N`` (nice > 0), ``L`` (locked
    pages), ``s`` (session leader: sid == pid), ``l`` (more than one thread) and
    ``+`` (in the foreground group of its terminal: pgid == tpgid).
    """
    flags = stat.state
    if stat.nice < 0:
        flags += "<"
    elif stat.nice > 0:
        flags += "N"
    if locked_kb:
        flags += "L"
    if stat.sid == stat.pid:
        flags += "s"
    if stat.threads > 1:
        flags += "l"
    if stat.pgid == stat.tpgid:
        flags += "+"
    return flags
