"""Detach keys: parse a key spec (``^\\``, ``^X``) and find it in typed input.

The scanner looks at input byte by byte and keeps a partial match across
reads, so a key (or a multi-byte key sequence) is found however the terminal
split the input. asciinema 2.4 compares its prefix key with a whole read chunk
and misses it when it arrives with other bytes; this does not.
"""

from __future__ import annotations

from typing import Final, final

from ..errors import UsageError

__all__ = ["DEFAULT_DETACH_KEY", "DetachScanner", "describe_key", "parse_key"]

#: Ctrl-\ , as dtach and abduco.
DEFAULT_DETACH_KEY: Final = b"\x1c"


def parse_key(spec: str) -> bytes:
    """Turn a key spec into the bytes a terminal sends for it.

    ``^X`` (caret and a letter or one of ``@[\\]^_``) is that control key,
    ``^?`` is DEL; any other character stands for itself, UTF-8 encoded. Specs
    may chain keys (``^A^D``): the detach sequence is then those bytes in a
    row. Raises :class:`UsageError` for an empty spec or a caret with nothing
    valid after it.
    """
    if not spec:
        raise UsageError("empty detach key")
    out = bytearray()
    i = 0
    while i < len(spec):
        ch = spec[i]
        if ch == "^" and i + 1 < len(spec):
            nxt = spec[i + 1]
            if nxt == "?":
                out.append(0x7F)
            else:
                code = ord(nxt.upper()) ^ 0x40
                if code >= 0x20:
                    raise UsageError(
                        f"not a control key: ^{nxt} (use ^A..^Z, ^@, ^[, ^\\, ^], ^^, ^_, ^?)"
                    )
                out.append(code)
            i += 2
        else:
            out += ch.encode("utf-8")
            i += 1
    return bytes(out)


def describe_key(key: bytes) -> str:
    """The spec that :func:`parse_key` would turn into ``key`` (for messages)."""
    parts = []
    for b in key:
        if b < 0x20:
            parts.append("^" + chr(b ^ 0x40))
        elif b == 0x7F:
            parts.append("^?")
        else:
            parts.append(chr(b) if b < 0x80 else f"\\x{b:02x}")
    return "".join(parts)


@final
class DetachScanner:
    """Find a detach key sequence in a stream of typed bytes.

    :meth:`feed` returns the bytes to pass on to the program and whether the
    key was found. Bytes that could be the start of the key are held back until
    the next byte decides; bytes after the key are dropped (the client leaves).
    """

    __slots__ = ("_found", "_held", "key")

    def __init__(self, key: bytes) -> None:
        if not key:
            raise UsageError("empty detach key")
        self.key = key
        self._held = b""
        self._found = False

    @property
    def held(self) -> bytes:
        """Bytes held back as a possible start of the key."""
        return self._held

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """Scan ``data``; return ``(bytes to forward, key found)``."""
        if self._found:
            return b"", True
        key = self.key
        first = key[0]
        out = bytearray()
        held = self._held
        i = 0
        n = len(data)
        while i < n:
            if not held:
                # Fast path: jump to the next byte that may start the key.
                j = data.find(first, i)
                if j < 0:
                    out += data[i:]
                    break
                out += data[i:j]
                i = j
            held += data[i : i + 1]
            i += 1
            while held and not key.startswith(held):
                out.append(held[0])
                held = held[1:]
            if held == key:
                self._held = b""
                self._found = True
                return bytes(out), True
        self._held = held
        return bytes(out), False

    def flush(self) -> bytes:
        """Give up the held bytes (input ended before the key completed)."""
        held, self._held = self._held, b""
        return held
