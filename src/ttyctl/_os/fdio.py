"""Writing whole buffers to descriptors that may be non-blocking or go away."""

from __future__ import annotations

import errno
import os
import select

__all__ = ["write_all"]

# The reader of a terminal or pipe is gone: output to it is dropped, not an error.
_GONE = (errno.EPIPE, errno.EIO, errno.EBADF)


def write_all(fd: int, data: bytes) -> bool:
    """Write ``data`` whole to ``fd``, waiting while it would block.

    Returns False, having written what it could, once the reader went away
    (EPIPE, EIO, EBADF); other errors propagate. One ``write`` in the common
    case: this sits on the relay's hot path.
    """
    try:
        written = os.write(fd, data)
    except BlockingIOError:
        written = 0
    except OSError as exc:
        if exc.errno in _GONE:
            return False
        raise
    if written == len(data):
        return True
    view = memoryview(data)[written:]
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            select.select([], [fd], [])
        except OSError as exc:
            if exc.errno in _GONE:
                return False
            raise
    return True
