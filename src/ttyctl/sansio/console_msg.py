"""The checks on one console-socket message (runc's ``--console-socket`` protocol).

Pure: the caller did the ``recvmsg`` and passes its result here. The rules are
those of DESIGN.md section 3, as runc's ``RecvFd`` applies them: one message
whose payload is the terminal's name (under 4096 bytes, not empty) and whose
ancillary data is exactly one ``SCM_RIGHTS`` control message carrying exactly
one descriptor, without ``MSG_CTRUNC``. The name is a label and not checked
further: runc 1.1.5 sends ``/dev/ptmx``, later runc ``/dev/pts/ptmx``, crun a
single space, conmon the name followed by a NUL (stripped here).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

from ..errors import ConsoleSocketError, UsageError

__all__ = [
    "MAX_NAME_LEN",
    "MSG_CTRUNC",
    "SCM_RIGHTS",
    "SOL_SOCKET",
    "check_console_message",
    "encode_console_name",
    "received_fds",
]

#: A name must be shorter than this many bytes (runc's ``MaxNameLen``).
MAX_NAME_LEN = 4096
#: Linux's values of the constants of ``socket``, so that this module imports no I/O.
SOL_SOCKET = 1
SCM_RIGHTS = 1
MSG_CTRUNC = 0x8

_FD = struct.Struct("=i")

#: One ancillary item as ``socket.recvmsg`` returns it: level, type, data.
AncItem = tuple[int, int, bytes]


def received_fds(ancdata: Iterable[AncItem]) -> list[int]:
    """Every descriptor that the ancillary data holds, in order.

    Each ``SCM_RIGHTS`` item carries whole native ints; a trailing partial int
    (which the kernel never sends) is ignored. Whatever the message is judged to
    be, the receiver owns these descriptors and must close those it does not keep.
    """
    fds: list[int] = []
    for level, kind, data in ancdata:
        if level == SOL_SOCKET and kind == SCM_RIGHTS:
            usable = len(data) - len(data) % _FD.size
            fds.extend(fd for (fd,) in _FD.iter_unpack(data[:usable]))
    return fds


def check_console_message(
    payload: bytes, ancdata: Sequence[AncItem], flags: int
) -> tuple[str, int]:
    """Judge one received message; return ``(name, fd)`` of a valid console.

    ``payload``, ``ancdata`` and ``flags`` are what ``socket.recvmsg`` returned
    for a buffer of :data:`MAX_NAME_LEN` bytes. The name is decoded as UTF-8
    (undecodable bytes kept as surrogate escapes) without its trailing NULs.

    Raises :class:`ConsoleSocketError` naming the first problem found: the peer
    closed without sending anything, the payload is empty, the name is too
    long, the control data was truncated, a control message other than
    ``SCM_RIGHTS`` came, no descriptor or more than one came. It does not
    close anything: the caller closes every descriptor of
    :func:`received_fds` on rejection.
    """
    fds = received_fds(ancdata)
    if not payload and not ancdata:
        raise ConsoleSocketError("the peer closed the connection without sending a console")
    if flags & MSG_CTRUNC:
        raise ConsoleSocketError(
            f"the control data was truncated (MSG_CTRUNC; {len(fds)} descriptors kept)"
        )
    for level, kind, data in ancdata:
        if level != SOL_SOCKET or kind != SCM_RIGHTS:
            raise ConsoleSocketError(
                f"unexpected control message (level {level}, type {kind})"
            )
        if len(data) % _FD.size:
            raise ConsoleSocketError(f"malformed SCM_RIGHTS data of {len(data)} bytes")
    if len(ancdata) > 1:
        raise ConsoleSocketError(f"{len(ancdata)} SCM_RIGHTS messages instead of one")
    if not fds:
        raise ConsoleSocketError("no descriptor came with the message")
    if len(fds) > 1:
        raise ConsoleSocketError(f"{len(fds)} descriptors instead of one")
    if not payload:
        raise ConsoleSocketError("empty name (a descriptor needs a non-empty payload)")
    if len(payload) >= MAX_NAME_LEN:
        raise ConsoleSocketError(
            f"name of {len(payload)} bytes or more (the limit is {MAX_NAME_LEN - 1})"
        )
    name = payload.rstrip(b"\0").decode("utf-8", "surrogateescape")
    return name, fds[0]


def encode_console_name(name: str) -> bytes:
    """The payload that carries ``name``: UTF-8 bytes, non-empty, under the limit.

    Raises :class:`UsageError` (a :class:`ValueError`) for an empty name (the descriptor of an empty
    payload is lost on a stream socket) or one of :data:`MAX_NAME_LEN` bytes or
    more.
    """
    data = name.encode("utf-8", "surrogateescape")
    if not data:
        raise UsageError("a console name must not be empty")
    if len(data) >= MAX_NAME_LEN:
        raise UsageError(f"a console name must be under {MAX_NAME_LEN} bytes")
    return data
