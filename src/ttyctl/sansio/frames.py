"""The framed, versioned protocol between ``ttyctl`` clients and the console server.

Every frame is a 6-byte header, then a payload::

    version (1 byte) | kind (1 byte) | payload length (4 bytes, big endian) | payload

Requests and replies carry a UTF-8 JSON object as payload; console output and
typed input carry raw bytes; ``RESIZE`` carries two big-endian 16-bit numbers
(rows, cols). Descriptors (a PTY master to adopt, a recording file) travel
beside the frame that needs them, over ``SCM_RIGHTS``; this module only counts
them. Pure: bytes in, frames out.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final, final

from ..errors import ProtocolError

__all__ = [
    "HEADER_SIZE",
    "MAX_PAYLOAD",
    "VERSION",
    "Frame",
    "FrameDecoder",
    "Kind",
    "encode",
    "encode_json",
    "encode_resize",
]

#: The protocol version written in every frame's first byte.
VERSION: Final = 1
_HEADER = struct.Struct(">BBI")
#: Bytes before the payload.
HEADER_SIZE: Final = _HEADER.size
#: The largest payload a frame may announce; a bigger one is a protocol error.
MAX_PAYLOAD: Final = 1 << 20
_RESIZE = struct.Struct(">HH")


class Kind(IntEnum):
    """What a frame is; the direction is given for each."""

    # client -> server: one request per connection, a JSON object
    NEW = 1  #: start a program in a new console
    ATTACH = 2  #: attach this connection to a console
    LIST = 3  #: describe every console
    KILL = 4  #: signal a console's program
    REMOVE = 5  #: forget an exited console (or hang up a running one with force)
    ADOPT = 6  #: hold a PTY master sent beside this frame as a named console
    # client -> server while attached
    INPUT = 16  #: raw bytes typed by the user
    RESIZE = 17  #: the client's window size (rows, cols)
    DETACH = 18  #: the client leaves; the console keeps running
    # server -> client
    OK = 32  #: a request succeeded; JSON details
    ERROR = 33  #: a request failed or the client is dropped; JSON message
    OUTPUT = 34  #: raw console output (replayed scrollback, then live)
    EXIT = 35  #: the console's program ended; JSON status


_JSON_KINDS: Final = frozenset(
    {Kind.NEW, Kind.ATTACH, Kind.LIST, Kind.KILL, Kind.REMOVE, Kind.ADOPT,
     Kind.OK, Kind.ERROR, Kind.EXIT}
)


@final
@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame: its kind and its payload bytes."""

    kind: Kind
    payload: bytes = b""

    def json(self) -> dict[str, Any]:
        """The payload as a JSON object; :class:`ProtocolError` if it is not one."""
        if self.kind not in _JSON_KINDS:
            raise ProtocolError(f"a {self.kind.name} frame carries no JSON")
        try:
            value = json.loads(self.payload.decode("utf-8")) if self.payload else {}
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProtocolError(f"malformed {self.kind.name} frame: {exc}") from None
        if not isinstance(value, dict):
            raise ProtocolError(f"a {self.kind.name} frame must carry a JSON object")
        return value

    def resize(self) -> tuple[int, int]:
        """``(rows, cols)`` of a RESIZE frame; :class:`ProtocolError` if malformed."""
        if self.kind is not Kind.RESIZE or len(self.payload) != _RESIZE.size:
            raise ProtocolError("a RESIZE frame carries exactly 4 bytes")
        rows, cols = _RESIZE.unpack(self.payload)
        return rows, cols


def encode(kind: Kind, payload: bytes = b"") -> bytes:
    """The wire form of one frame. Raises :class:`ValueError` for a payload too big."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    return _HEADER.pack(VERSION, int(kind), len(payload)) + payload


def encode_json(kind: Kind, obj: dict[str, Any]) -> bytes:
    """A frame whose payload is ``obj`` as compact UTF-8 JSON."""
    return encode(kind, json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def encode_resize(rows: int, cols: int) -> bytes:
    """A RESIZE frame; sizes are clamped to 0..65535 as the kernel's winsize is."""
    return encode(Kind.RESIZE, _RESIZE.pack(_clamp16(rows), _clamp16(cols)))


def _clamp16(n: int) -> int:
    return max(0, min(0xFFFF, n))


_KINDS: Final = {int(k): k for k in Kind}


@final
class FrameDecoder:
    """Turn a byte stream into frames, however it was split.

    :meth:`feed` returns every frame completed so far and keeps the rest. An
    incomplete frame holds at most ``HEADER_SIZE + max_payload`` bytes: a header
    announcing more, an unknown version or an unknown kind raises
    :class:`ProtocolError` at once, and the decoder refuses further input.
    """

    __slots__ = ("_broken", "_buffer", "max_payload")

    def __init__(self, max_payload: int = MAX_PAYLOAD) -> None:
        self._buffer = bytearray()
        self._broken = False
        self.max_payload = max_payload

    @property
    def pending(self) -> int:
        """Bytes held for a frame not complete yet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        """Add ``data``; return the frames it completed, in order."""
        if self._broken:
            raise ProtocolError("the stream is already broken")
        self._buffer += data
        frames: list[Frame] = []
        buf = self._buffer
        start = 0
        try:
            while len(buf) - start >= HEADER_SIZE:
                version, kind, length = _HEADER.unpack_from(buf, start)
                if version != VERSION:
                    raise ProtocolError(
                        f"unsupported protocol version {version} (this ttyctl speaks {VERSION})"
                    )
                if kind not in _KINDS:
                    raise ProtocolError(f"unknown frame kind {kind}")
                if length > self.max_payload:
                    raise ProtocolError(f"frame of {length} bytes exceeds {self.max_payload}")
                end = start + HEADER_SIZE + length
                if len(buf) < end:
                    break
                frames.append(Frame(_KINDS[kind], bytes(buf[start + HEADER_SIZE : end])))
                start = end
        except ProtocolError:
            self._broken = True
            self._buffer = bytearray()
            raise
        del buf[:start]
        return frames
