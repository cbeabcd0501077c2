"""Record a console's output to an asciicast v2 file as it comes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import final

from .sansio.asciicast import AsciicastEncoder, header_line

__all__ = ["Recorder", "open_recording"]


def open_recording(path: str) -> int:
    """Open ``path`` for a new recording (created 0644 or truncated); return the fd.

    The descriptor is close-on-exec; the caller owns it (a :class:`Recorder` takes it).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW
    return os.open(path, flags, 0o644)  # a planted symlink is refused (ELOOP)


@final
class Recorder:
    """Write asciicast v2 lines to a descriptor, one ``write`` per line.

    The recorder owns ``fd`` and closes it in :meth:`close`. Each line is written
    when its chunk arrives (no buffering in this process), so a crash loses at
    most the chunk being written. The first write error (a full disk, a quota,
    EIO) stops the recording: ``on_error`` is called once with it, and the
    console is not disturbed; later calls do nothing.
    """

    __slots__ = ("_clock", "_encoder", "_fd", "_start", "failed", "on_error")

    def __init__(
        self,
        fd: int,
        width: int,
        height: int,
        command: Sequence[str] | str | None = None,
        *,
        on_error: Callable[[OSError], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        env: dict[str, str] | None = None,
    ) -> None:
        self._fd = fd
        self._encoder = AsciicastEncoder()
        self._clock = clock
        self._start = clock()
        self.failed = False
        self.on_error = on_error
        self._write(header_line(width, height, int(time.time()), command, env))

    def _elapsed(self) -> float:
        return self._clock() - self._start

    def output(self, data: bytes) -> None:
        """Record a chunk of output."""
        if not self.failed and data:
            self._write(self._encoder.output(self._elapsed(), data))

    def resize(self, rows: int, cols: int) -> None:
        """Record a window-size change."""
        if not self.failed:
            self._write(self._encoder.resize(self._elapsed(), cols, rows))

    def close(self) -> None:
        """Write what the UTF-8 decoder still holds and close the file. Idempotent."""
        if self._fd < 0:
            return
        if not self.failed:
            self._write(self._encoder.finish(self._elapsed()))
        fd, self._fd = self._fd, -1
        os.close(fd)

    def _write(self, line: str) -> None:
        if not line or self.failed or self._fd < 0:
            return
        view = memoryview(line.encode("utf-8"))
        try:
            while view:
                view = view[os.write(self._fd, view):]
        except OSError as exc:
            self.failed = True
            if self.on_error is not None:
                self.on_error(exc)
