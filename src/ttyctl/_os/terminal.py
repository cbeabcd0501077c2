"""Terminal modes: raw mode with guaranteed restore, and termios copies."""

from __future__ import annotations

import os
import signal
import termios
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

TYPE_CHECKING = False  # typing is for the type checker only: see _os/pty.py
if TYPE_CHECKING:
    from typing import Any

    #: The list that ``termios.tcgetattr`` returns: iflag, oflag, cflag, lflag,
    #: ispeed, ospeed, cc.
    TermiosAttrs = list[Any]

__all__ = ["make_raw", "raw_mode", "restore_termios"]


def make_raw(attrs: TermiosAttrs) -> TermiosAttrs:
    """Return a copy of ``attrs`` in raw mode, as ``cfmakeraw(3)`` does.

    No echo, no line editing, no signal keys, no output processing, 8-bit
    characters, reads return as soon as one byte is there.
    """
    iflag, oflag, cflag, lflag, ispeed, ospeed, cc = attrs
    iflag &= ~(
        termios.IGNBRK
        | termios.BRKINT
        | termios.PARMRK
        | termios.ISTRIP
        | termios.INLCR
        | termios.IGNCR
        | termios.ICRNL
        | termios.IXON
    )
    oflag &= ~termios.OPOST
    lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
    cflag &= ~(termios.CSIZE | termios.PARENB)
    cflag |= termios.CS8
    cc = list(cc)
    cc[termios.VMIN] = 1
    cc[termios.VTIME] = 0
    return [iflag, oflag, cflag, lflag, ispeed, ospeed, cc]


def restore_termios(fd: int, attrs: TermiosAttrs) -> None:
    """Put back ``attrs`` on ``fd`` once output already queued has been sent.

    A terminal that went away (``EIO``, ``ENOTTY``, ``EBADF``) cannot be
    restored and is left alone.
    """
    try:
        termios.tcsetattr(fd, termios.TCSADRAIN, attrs)
    except (termios.error, OSError):
        pass


_FATAL_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextmanager
def raw_mode(fd: int) -> Iterator[TermiosAttrs]:
    """Put the terminal on ``fd`` in raw mode for the duration of the block.

    Yields the termios in force before, and puts exactly those back on every
    way out: a normal return, an exception, and SIGTERM or SIGHUP while their
    disposition is the default one (the handler restores the terminal, then
    lets the signal kill the process as it would have). Signals need the main
    thread; elsewhere only the first two ways are covered. Raises
    :class:`termios.error` when ``fd`` is not a terminal.
    """
    saved = termios.tcgetattr(fd)
    previous: dict[signal.Signals, Any] = {}

    def _restore_and_die(signum: int, frame: FrameType | None) -> None:
        restore_termios(fd, saved)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for signum in _FATAL_SIGNALS:
        if signal.getsignal(signum) is signal.SIG_DFL:
            try:
                previous[signum] = signal.signal(signum, _restore_and_die)
            except ValueError:  # not the main thread, where only signals are handled
                break
    try:
        termios.tcsetattr(fd, termios.TCSAFLUSH, make_raw(saved))
        yield saved
    finally:
        restore_termios(fd, saved)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
