"""Read a descriptor until some bytes appear or a deadline passes."""

from __future__ import annotations

import os
import select
import time

__all__ = ["read_until"]


def read_until(fd: int, needle: bytes, timeout: float = 3.0) -> bytes:
    """Read ``fd`` until ``needle`` is in what was read, EOF, or ``timeout`` seconds.

    Returns everything read (without ``needle`` if it never came). A PTY master's
    EIO (every slave closed) counts as EOF. Does not close ``fd``.
    """
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data
