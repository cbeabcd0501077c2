"""Acquiring a controlling terminal, and finding out who holds one."""

from __future__ import annotations

import errno
import fcntl
import os
import termios

from ..errors import (
    NotATerminalError,
    SessionLeaderError,
    TerminalBusyError,
    TerminalError,
)
from ..sansio.ctty import encode_tty_nr, parse_console_active, stat_tty_fields

__all__ = [
    "acquire_ctty",
    "check_ctty_free",
    "close_fds_except",
    "ctty_nr",
    "open_terminal",
    "resolve_console",
    "session_holding",
    "tty_nr_of_fd",
]


def open_terminal(path: str) -> int:
    """Open the terminal ``path`` read-write, ``O_NOCTTY`` and close-on-exec.

    ``O_NOCTTY`` makes sure the open itself never acquires it: the caller
    decides with :func:`acquire_ctty`. The caller owns the descriptor. Raises
    :class:`OSError` when it cannot be opened and :class:`NotATerminalError`
    (closing it) when it is not a terminal.
    """
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    if not os.isatty(fd):
        os.close(fd)
        raise NotATerminalError(f"{path}: not a terminal")
    return fd


def tty_nr_of_fd(fd: int) -> int:
    """The ``tty_nr`` that /proc shows for a process whose ctty is open on ``fd``."""
    rdev = os.fstat(fd).st_rdev
    return encode_tty_nr(os.major(rdev), os.minor(rdev))


def ctty_nr(pid: int | str = "self") -> int:
    """The ``tty_nr`` of ``pid``'s controlling terminal, 0 when it has none."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        return stat_tty_fields(f.read())[1]


def session_holding(tty_nr: int) -> int | None:
    """Return the session whose controlling terminal is ``tty_nr``, or ``None``.

    Reads every /proc/PID/stat visible here (a process of another PID
    namespace is not). Processes that vanish during the scan are skipped, and
    so are those of another mount namespace: /proc gives only a major:minor,
    and a container's own devpts has a pts/0 with the same numbers as ours.
    """
    own_mnt = _mnt_ns("self")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                sid, nr = stat_tty_fields(f.read())
            if nr == tty_nr and nr != 0 and _mnt_ns(name) == own_mnt:
                return sid
        except (OSError, ValueError):
            continue
    return None


def _mnt_ns(pid: str) -> int:
    return os.stat(f"/proc/{pid}/ns/mnt").st_ino


def check_ctty_free(fd: int, path: str) -> None:
    """Raise :class:`TerminalBusyError` if the terminal on ``fd`` is some session's ctty.

    A pre-check from /proc: the kernel gives no way to ask a terminal that is
    not our own ctty which session holds it (TIOCGSID answers only for one's
    own ctty, or on a PTY master).
    """
    sid = session_holding(tty_nr_of_fd(fd))
    if sid is not None:
        raise TerminalBusyError(path, sid)


def acquire_ctty(fd: int, path: str, *, steal: bool = False) -> None:
    """Make the terminal on ``fd`` this session's controlling terminal (TIOCSCTTY).

    The caller must lead its session and have no ctty, or already have this
    one (then nothing changes). With ``steal``, a terminal that is another
    session's ctty is taken from it (argument 1; needs CAP_SYS_ADMIN).
    The kernel answers EPERM for every refusal; this tells them apart:
    :class:`SessionLeaderError` (not a session leader, or another ctty
    already), :class:`TerminalBusyError` (another session holds it, no
    ``steal``), :class:`PermissionError` (``steal`` without the capability,
    or ``fd`` not open for reading), :class:`NotATerminalError`.
    """
    try:
        fcntl.ioctl(fd, termios.TIOCSCTTY, 1 if steal else 0)
    except OSError as exc:
        if exc.errno == errno.ENOTTY:
            raise NotATerminalError(f"{path}: not a terminal") from None
        if exc.errno != errno.EPERM:
            raise
        raise _explain_eperm(fd, path, steal) from None


def _explain_eperm(fd: int, path: str, steal: bool) -> Exception:
    if os.getsid(0) != os.getpid():
        return SessionLeaderError(
            f"{path}: cannot become the controlling terminal: this process does not "
            "lead its session (TIOCSCTTY needs a session leader; drop --no-setsid)"
        )
    own = ctty_nr()
    if own != 0:
        return SessionLeaderError(
            f"{path}: cannot become the controlling terminal: this session already "
            "has another one"
        )
    sid = session_holding(tty_nr_of_fd(fd))
    if sid is not None and not steal:
        return TerminalBusyError(path, sid)
    if sid is not None:
        return PermissionError(
            errno.EPERM,
            f"taking the controlling terminal of session {sid} needs CAP_SYS_ADMIN",
            path,
        )
    return PermissionError(errno.EPERM, "TIOCSCTTY refused (is it open for reading?)", path)


def close_fds_except(keep: frozenset[int]) -> None:
    """Close every descriptor above 2 that is not in ``keep``."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the listing's own descriptor, closed already


def resolve_console(sysfs: str = "/sys", dev: str = "/dev") -> str:
    """Return the device behind ``/dev/console``, as busybox ``cttyhack`` finds it.

    Reads ``SYSFS/class/tty/console/active`` and takes its last name
    (``"tty0 ttyS0"`` gives ``/dev/ttyS0``). ``/dev/console`` itself cannot be a
    job-control terminal, hence this. ``sysfs`` and ``dev`` are parameters so
    that tests point them at files of their own. Raises :class:`TerminalError`
    when no device can be named.
    """
    active = os.path.join(sysfs, "class", "tty", "console", "active")
    try:
        with open(active, "rb") as f:
            name = parse_console_active(f.read(4096))
    except OSError as exc:
        raise TerminalError(f"cannot find the console's device: {active}: {exc.strerror}") from None
    if name is None:
        raise TerminalError(f"cannot find the console's device: {active} names none")
    return os.path.join(dev, name)
