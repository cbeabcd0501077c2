"""A bounded scrollback: the last N bytes a console printed."""

from __future__ import annotations

from typing import final

__all__ = ["Scrollback"]


@final
class Scrollback:
    """Keep the most recent ``capacity`` bytes of a stream.

    :meth:`append` never holds more than ``capacity`` bytes (older bytes are
    dropped from the front). :meth:`snapshot` returns the tail for a replay; when
    the window starts inside the stream (older bytes were dropped or a smaller
    limit asked), leading UTF-8 continuation bytes are skipped so a replay does
    not begin with half a character.
    """

    __slots__ = ("_buf", "capacity", "total")

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.capacity = capacity
        self._buf = bytearray()
        #: bytes ever appended
        self.total = 0

    def __len__(self) -> int:
        return len(self._buf)

    def append(self, data: bytes) -> None:
        """Add ``data`` at the end, dropping the oldest bytes beyond ``capacity``."""
        self.total += len(data)
        cap = self.capacity
        if len(data) >= cap:
            self._buf[:] = data[len(data) - cap :] if cap else b""
            return
        self._buf += data
        excess = len(self._buf) - cap
        if excess > 0:
            del self._buf[:excess]  # CPython moves the start, no copy

    def snapshot(self, limit: int | None = None) -> bytes:
        """The last ``limit`` bytes held (all of them with ``None``)."""
        buf = self._buf
        size = len(buf) if limit is None else max(0, min(limit, len(buf)))
        start = len(buf) - size
        if start > 0 or self.total > len(buf):
            skip = 0
            while skip < 3 and start + skip < len(buf) and buf[start + skip] & 0xC0 == 0x80:
                skip += 1
            start += skip
        return bytes(buf[start:])
