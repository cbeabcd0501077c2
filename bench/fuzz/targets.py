"""Fuzz targets for every pure parser of ttyctl, shared by atheris and the tests.

Each target takes arbitrary bytes, feeds them to one parser, and checks the
parser's own contract: it either returns a value of the promised shape or raises
the documented error (ValueError, ttyctl's ProtocolError/ConsoleSocketError),
never anything else. Anything else is a finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from ttyctl.errors import ConsoleSocketError, ProtocolError
from ttyctl.sansio import (
    asciicast,
    console_msg,
    ctty,
    detachkey,
    exitstatus,
    expect,
    frames,
    procstat,
    scrollback,
    ttyname,
)


def _split(data: bytes) -> list[bytes]:
    """Cut ``data`` into chunks (together, all of it) of a size its first byte chooses."""
    if not data:
        return [b""]
    step = data[0] % 7 + 1
    return [data[i : i + step] for i in range(0, len(data), step)]


def fuzz_procstat(data: bytes) -> None:
    try:
        stat = procstat.parse_stat(data)
    except ValueError:
        return
    procstat.stat_flags(stat)
    try:
        procstat.parse_status(data)
    except ValueError:
        pass


def fuzz_ttyname(data: bytes) -> None:
    drivers = ttyname.parse_tty_drivers(data)
    nr = int.from_bytes(data[:4].ljust(4, b"\0"), "little")
    major, minor = ttyname.tty_major_minor(nr)
    assert ttyname.tty_major_minor(ttyname.tty_nr_from(major, minor)) == (major, minor)
    ttyname.tty_candidates(nr, drivers)
    ctty.parse_console_active(data)
    try:
        ctty.stat_tty_fields(data)
    except ValueError:
        pass


def fuzz_frames(data: bytes) -> None:
    decoder = frames.FrameDecoder(max_payload=4096)
    try:
        for chunk in _split(data):
            decoder.feed(chunk)
    except ProtocolError:
        return


def fuzz_frames_roundtrip(data: bytes) -> None:
    kinds = list(frames.Kind)
    kind = kinds[data[0] % len(kinds)] if data else kinds[0]
    payload = data[1:]
    decoded = frames.FrameDecoder().feed(frames.encode(kind, payload))
    assert len(decoded) == 1 and decoded[0].payload == payload


def fuzz_detachkey(data: bytes) -> None:
    key = data[:2] or b"\x1c"
    scanner = detachkey.DetachScanner(key)
    passed = b""
    for chunk in _split(data[2:]):
        out, detached = scanner.feed(chunk)
        passed += out
        if detached:
            return
    passed += scanner.flush()
    assert passed == data[2:]  # no key found: every byte passed on, in order


def fuzz_asciicast(data: bytes) -> None:
    encoder = asciicast.AsciicastEncoder()
    text = ""
    for i, chunk in enumerate(_split(data)):
        line = encoder.output(float(i), chunk)
        if line:
            json.loads(line)
        text += json.loads(line)[2] if line else ""
    tail = encoder.finish(99.0)
    if tail:
        text += json.loads(tail)[2]
    assert text == data.decode("utf-8", "replace")


def fuzz_expect(data: bytes) -> None:
    needle = data[:3] or b"x"
    patterns: list[expect.Pattern] = [needle, re.compile(re.escape(data[3:5] or b"y"))]
    scanner = expect.ExpectScanner(patterns)
    for chunk in _split(data[5:]):
        if scanner.feed(chunk) is not None:
            return
    scanner.feed_eof()


def fuzz_scrollback(data: bytes) -> None:
    buf = scrollback.Scrollback(64)
    for chunk in _split(data):
        buf.append(chunk)
    assert len(buf.snapshot()) <= 64 + 4


_SOL_SOCKET = 1
_SCM_RIGHTS = 1


def fuzz_console_msg(data: bytes) -> None:
    """Arbitrary payload, control messages and flags: a name and fd, or a clear error."""
    if len(data) < 2:
        return
    count, flags = data[0] % 4, data[1] << 3
    body = data[2:]
    ancdata = []
    for i in range(count):
        piece = body[i * 8 : i * 8 + 8 + (data[0] >> 4)]
        level, kind = (_SOL_SOCKET, _SCM_RIGHTS) if i % 2 == 0 else (data[0], data[1])
        ancdata.append((level, kind, piece))
    payload = body[count * 8 :]
    arrived = console_msg.received_fds(ancdata)
    try:
        name, fd = console_msg.check_console_message(payload, ancdata, flags)
    except ConsoleSocketError:
        return
    assert fd in arrived and len(arrived) == 1
    assert isinstance(name, str)


def fuzz_exitstatus(data: bytes) -> None:
    status = int.from_bytes(data[:4].ljust(4, b"\0"), "little")
    try:
        exitstatus.decode_wait_status(status)
    except ValueError:
        pass


TARGETS: dict[str, Callable[[bytes], None]] = {
    "procstat": fuzz_procstat,
    "ttyname": fuzz_ttyname,
    "frames": fuzz_frames,
    "frames_roundtrip": fuzz_frames_roundtrip,
    "detachkey": fuzz_detachkey,
    "asciicast": fuzz_asciicast,
    "expect": fuzz_expect,
    "scrollback": fuzz_scrollback,
    "exitstatus": fuzz_exitstatus,
    "console_msg": fuzz_console_msg,
}
