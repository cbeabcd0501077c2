"""The termios a fresh PTY starts with, and variants of it set before a spawn."""

from __future__ import annotations

import os
import termios
import threading
from typing import Any

__all__ = ["fresh_pty_termios", "with_echo"]

_lock = threading.Lock()
_cached: list[Any] | None = None


def fresh_pty_termios() -> list[Any]:
    """A copy of the termios of a newly opened PTY (the kernel's defaults).

    Read once from a PTY opened and closed for the purpose, then served from a
    cache. Raises :class:`OSError` when no PTY can be opened.
    """
    global _cached
    with _lock:
        if _cached is None:
            master, slave = os.openpty()
            try:
                _cached = termios.tcgetattr(slave)
            finally:
                os.close(slave)
                os.close(master)
        attrs = _cached
    return [*attrs[:6], list(attrs[6])]


def with_echo(attrs: list[Any], echo: bool) -> list[Any]:
    """A copy of ``attrs`` with the ECHO local flag on or off."""
    lflag = attrs[3] | termios.ECHO if echo else attrs[3] & ~termios.ECHO
    return [*attrs[:3], lflag, *attrs[4:6], list(attrs[6])]
