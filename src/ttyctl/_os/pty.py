"""PTY pairs and window sizes."""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import termios

from .._final import final
from ..errors import ClosedResourceError

__all__ = ["PtyPair", "Winsize", "get_winsize", "open_pty", "set_winsize"]

_WINSIZE = struct.Struct("HHHH")


class Winsize(tuple[int, int, int, int]):
    """A terminal's size in character cells (and, rarely used, in pixels).

    An immutable tuple ``(rows, cols, xpixel, ypixel)`` with named fields.
    """

    __slots__ = ()

    def __new__(cls, rows: int, cols: int, xpixel: int = 0, ypixel: int = 0) -> Winsize:
        return super().__new__(cls, (rows, cols, xpixel, ypixel))

    @property
    def rows(self) -> int:
        """Rows (lines) of character cells."""
        return self[0]

    @property
    def cols(self) -> int:
        """Columns of character cells."""
        return self[1]

    @property
    def xpixel(self) -> int:
        """Width in pixels (0 when unknown)."""
        return self[2]

    @property
    def ypixel(self) -> int:
        """Height in pixels (0 when unknown)."""
        return self[3]

    def __repr__(self) -> str:
        return f"Winsize(rows={self[0]}, cols={self[1]}, xpixel={self[2]}, ypixel={self[3]})"


def get_winsize(fd: int) -> Winsize:
    """Return the window size of the terminal open on ``fd`` (TIOCGWINSZ).

    Raises :class:`OSError` (``ENOTTY``) when ``fd`` is not a terminal.
    """
    raw = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * _WINSIZE.size)
    rows, cols, xpixel, ypixel = _WINSIZE.unpack(raw)
    return Winsize(rows, cols, xpixel, ypixel)


def set_winsize(fd: int, size: Winsize) -> None:
    """Set the window size of the terminal open on ``fd`` (TIOCSWINSZ).

    Set on a PTY master, the kernel sends SIGWINCH to the foreground process
    group of the session whose ctty the PTY is, when the size changed.
    """
    packed = _WINSIZE.pack(size.rows, size.cols, size.xpixel, size.ypixel)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, packed)


@final
class PtyPair:
    """A PTY master and its slave, both open close-on-exec.

    The pair owns both descriptors. :meth:`take_master` and :meth:`close_slave`
    transfer or end that ownership one end at a time; a closed end reads as -1.
    """

    __slots__ = ("master", "slave", "slave_path")

    def __init__(self, master: int, slave: int, slave_path: str) -> None:
        self.master = master
        self.slave = slave
        self.slave_path = slave_path

    def take_master(self) -> int:
        """Hand the master over to the caller, who must close it."""
        fd = self.master
        if fd < 0:
            raise ClosedResourceError("the PTY master was already taken or closed")
        self.master = -1
        return fd

    def close_slave(self) -> None:
        """Close the slave end if it is still open here."""
        fd, self.slave = self.slave, -1
        if fd >= 0:
            os.close(fd)

    def close(self) -> None:
        """Close whatever ends this pair still owns."""
        self.close_slave()
        fd, self.master = self.master, -1
        if fd >= 0:
            os.close(fd)

    def __enter__(self) -> PtyPair:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_pty(winsize: Winsize | None = None) -> PtyPair:
    """Open a new PTY pair, both ends close-on-exec and blocking.

    The slave is opened with ``O_NOCTTY`` (glibc's ``openpty``), so the caller
    never acquires it as its own controlling terminal. Raises :class:`OSError`
    when the kernel has no PTY left (``ENOSPC`` once /proc/sys/kernel/pty/max
    is reached), with nothing left open.
    """
    try:
        master, slave = os.openpty()  # both non-inheritable (close-on-exec)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OSError(
                errno.ENOSPC,
                "no PTY left: the kernel's limit is reached (/proc/sys/kernel/pty/max,"
                " or the max= option of this devpts mount)",
                "/dev/ptmx",
            ) from exc
        raise
    pair = PtyPair(master, slave, "")
    try:
        pair.slave_path = os.ttyname(slave)
        if winsize is not None:
            set_winsize(master, winsize)
    except BaseException:
        pair.close()
        raise
    return pair
