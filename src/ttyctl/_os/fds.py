"""Descriptor bookkeeping: which descriptors a child would inherit."""

from __future__ import annotations

import fcntl
import os

__all__ = ["inheritable_fds", "open_fds"]


def open_fds(pid: int | str = "self") -> list[int]:
    """Return the descriptors open in process ``pid``, sorted (from /proc/PID/fd).

    Raises :class:`OSError` when the process is gone or not ours to inspect.
    """
    return sorted(int(name) for name in os.listdir(f"/proc/{pid}/fd"))


def inheritable_fds(keep: frozenset[int] = frozenset()) -> list[int]:
    """Return this process's descriptors above 2 that an exec would not close.

    Those are the ones without close-on-exec, other than ``keep``: a spawn must
    close them in the child so that nothing of the parent leaks into it.
    """
    found = []
    for fd in open_fds():
        if fd <= 2 or fd in keep:
            continue
        try:
            flags = fcntl.fcntl(fd, fcntl.F_GETFD)
        except OSError:
            continue  # the listing's own descriptor, already closed
        if not flags & fcntl.FD_CLOEXEC:
            found.append(fd)
    return found
