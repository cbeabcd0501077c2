"""The pure parts of named consoles: framing, detach keys, asciicast lines, scrollback."""

from __future__ import annotations

import ast
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ttyctl.errors import ProtocolError, UsageError
from ttyctl.sansio import asciicast, consolename, detachkey, frames, scrollback
from ttyctl.sansio.asciicast import AsciicastEncoder, header_line
from ttyctl.sansio.detachkey import DetachScanner, describe_key, parse_key
from ttyctl.sansio.frames import (
    HEADER_SIZE,
    MAX_PAYLOAD,
    Frame,
    FrameDecoder,
    Kind,
    encode,
    encode_json,
    encode_resize,
)
from ttyctl.sansio.scrollback import Scrollback

# -- the layer rule -------------------------------------------------------------


@pytest.mark.parametrize("module", [asciicast, consolename, detachkey, frames, scrollback])
def test_pure_modules_import_nothing_that_does_io(module: object) -> None:
    path = module.__file__  # type: ignore[attr-defined]
    with open(path) as f:
        tree = ast.parse(f.read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & {"os", "socket", "fcntl", "termios", "select", "selectors", "signal"}


# -- frames ---------------------------------------------------------------------

SAMPLE = [
    encode_json(Kind.ATTACH, {"name": "a", "replay": 10}),
    encode(Kind.INPUT, b"ls\r"),
    encode_resize(40, 120),
    encode(Kind.OUTPUT, b""),
    encode(Kind.DETACH),
]
STREAM = b"".join(SAMPLE)


def test_frames_all_at_once() -> None:
    got = FrameDecoder().feed(STREAM)
    assert [f.kind for f in got] == [Kind.ATTACH, Kind.INPUT, Kind.RESIZE, Kind.OUTPUT,
                                     Kind.DETACH]
    assert got[0].json() == {"name": "a", "replay": 10}
    assert got[1].payload == b"ls\r"
    assert got[2].resize() == (40, 120)


def test_frames_one_byte_at_a_time() -> None:
    dec = FrameDecoder()
    got: list[Frame] = []
    boundaries = set()
    pos = 0
    for frame in SAMPLE:
        pos += len(frame)
        boundaries.add(pos)
    for i in range(len(STREAM)):
        out = dec.feed(STREAM[i : i + 1])
        # Nothing comes out until the last byte of a frame.
        assert bool(out) == (i + 1 in boundaries)
        got += out
    assert got == FrameDecoder().feed(STREAM)
    assert dec.pending == 0


def test_frames_trailing_bytes_stay_buffered() -> None:
    dec = FrameDecoder()
    extra = encode(Kind.INPUT, b"abcdef")
    assert len(dec.feed(STREAM + extra[:-2])) == 5
    assert dec.pending == len(extra) - 2
    assert dec.feed(extra[-2:]) == [Frame(Kind.INPUT, b"abcdef")]


@pytest.mark.parametrize(
    "garbage, message",
    [
        (b"\x02\x01\x00\x00\x00\x00", "unsupported protocol version 2"),
        (b"\x01\x63\x00\x00\x00\x00", "unknown frame kind 99"),
        (b"\x01\x10\x7f\xff\xff\xff", "exceeds"),
        (b"GET / HTTP/1.1\r\n", "unsupported protocol version 71"),
    ],
)
def test_frames_garbage_raises_and_stays_broken(garbage: bytes, message: str) -> None:
    dec = FrameDecoder()
    with pytest.raises(ProtocolError, match=message):
        dec.feed(garbage)
    with pytest.raises(ProtocolError):
        dec.feed(encode(Kind.DETACH))


def test_frame_bound_is_checked_on_the_header_alone() -> None:
    dec = FrameDecoder(max_payload=100)
    dec.feed(encode(Kind.INPUT, b"x" * 100)[:HEADER_SIZE])
    with pytest.raises(ProtocolError):
        FrameDecoder(max_payload=100).feed(encode(Kind.INPUT, b"x" * 101)[:HEADER_SIZE])
    with pytest.raises(ValueError):
        encode(Kind.OUTPUT, b"x" * (MAX_PAYLOAD + 1))


@pytest.mark.parametrize("payload", [b"[1]", b"\xff", b"{", b'"s"'])
def test_frame_json_must_be_an_object(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        Frame(Kind.NEW, payload).json()
    with pytest.raises(ProtocolError):
        Frame(Kind.INPUT, b"{}").json()
    with pytest.raises(ProtocolError):
        Frame(Kind.RESIZE, b"\0").resize()


frame_st = st.builds(
    lambda k, p: encode(k, p), st.sampled_from(list(Kind)), st.binary(max_size=300)
)


@given(st.lists(frame_st, max_size=8), st.data())
def test_frames_any_split_gives_the_same_frames(wire: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(wire)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    dec = FrameDecoder()
    got: list[Frame] = []
    prev = 0
    for cut in [*cuts, len(stream)]:
        got += dec.feed(stream[prev:cut])
        prev = cut
    assert [encode(f.kind, f.payload) for f in got] == wire
    assert dec.pending == 0


@given(st.binary(max_size=2000))
def test_frames_arbitrary_bytes_never_crash(data: bytes) -> None:
    dec = FrameDecoder(max_payload=4096)
    try:
        for f in dec.feed(data):
            assert isinstance(f.kind, Kind)
            try:
                f.json()
            except ProtocolError:
                pass
    except ProtocolError:
        return
    assert dec.pending <= HEADER_SIZE + 4096


# -- detach keys ------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, key",
    [("^\\", b"\x1c"), ("^X", b"\x18"), ("^x", b"\x18"), ("^@", b"\x00"), ("^?", b"\x7f"),
     ("^]", b"\x1d"), ("q", b"q"), ("^A^D", b"\x01\x04"), ("é", "é".encode())],
)
def test_parse_key(spec: str, key: bytes) -> None:
    assert parse_key(spec) == key
    assert parse_key(describe_key(key)) == key or key[0] >= 0x80


@pytest.mark.parametrize("spec", ["", "^1", "^ "])
def test_parse_key_rejects(spec: str) -> None:
    with pytest.raises(UsageError):
        parse_key(spec)


def test_scanner_finds_the_key_inside_a_chunk() -> None:
    # asciinema 2.4 compares the whole chunk with the key and misses this one.
    sc = DetachScanner(b"\x1c")
    assert sc.feed(b"abc\x1cdef") == (b"abc", True)
    assert sc.feed(b"more") == (b"", True)


def test_scanner_multibyte_key_split_across_reads() -> None:
    sc = DetachScanner(b"\x01d")
    assert sc.feed(b"ls\x01") == (b"ls", False)
    assert sc.held == b"\x01"
    assert sc.feed(b"d tail") == (b"", True)
    sc = DetachScanner(b"\x01d")
    assert sc.feed(b"\x01") == (b"", False)
    assert sc.feed(b"x") == (b"\x01x", False)  # not the key after all: passed on
    sc = DetachScanner(b"\x01\x01d")
    assert sc.feed(b"\x01\x01\x01") == (b"\x01", False)
    assert sc.feed(b"d") == (b"", True)
    assert DetachScanner(b"ab").flush() == b""


def _scan_reference(key: bytes, data: bytes) -> tuple[bytes, bool]:
    i = data.find(key)
    return (data, False) if i < 0 else (data[:i], True)


@given(st.binary(min_size=1, max_size=3), st.binary(max_size=200), st.data())
def test_scanner_matches_find_however_split(key: bytes, data: bytes, d: st.DataObject) -> None:
    cuts = sorted(d.draw(st.lists(st.integers(0, len(data)), max_size=8)))
    sc = DetachScanner(key)
    out = b""
    found = False
    prev = 0
    for cut in [*cuts, len(data)]:
        chunk, found = sc.feed(data[prev:cut])
        out += chunk
        prev = cut
        if found:
            break
    if not found:
        out += sc.flush()
    assert (out, found) == _scan_reference(key, data)


@given(st.binary(min_size=1, max_size=3), st.binary(max_size=100))
def test_scanner_one_byte_at_a_time(key: bytes, data: bytes) -> None:
    sc = DetachScanner(key)
    out = b""
    found = False
    for i in range(len(data)):
        chunk, found = sc.feed(data[i : i + 1])
        out += chunk
        if found:
            break
    if not found:
        out += sc.flush()
    assert (out, found) == _scan_reference(key, data)


# -- asciicast ----------------------------------------------------------------------


def test_header_line() -> None:
    line = header_line(80, 24, 1700000000, ["sh", "-c", "echo hi"], env={"TERM": "xterm"})
    assert line.endswith("\n") and line.count("\n") == 1
    assert json.loads(line) == {"version": 2, "width": 80, "height": 24,
                                "timestamp": 1700000000, "command": "sh -c 'echo hi'",
                                "env": {"TERM": "xterm"}}


def test_events_and_a_character_split_across_chunks() -> None:
    enc = AsciicastEncoder()
    euro = "€".encode()
    assert enc.output(0.5, b"a" + euro[:1]) == '[0.5, "o", "a"]\n'
    assert enc.output(0.75, euro[1:2]) == ""
    assert enc.output(1.0, euro[2:] + b"\r\n") == '[1.0, "o", "€\\r\\n"]\n'
    assert enc.resize(2.0, 120, 40) == '[2.0, "r", "120x40"]\n'
    assert enc.output(3.0, b"\xe2\x82") == ""
    assert json.loads(enc.finish(3.5)) == [3.5, "o", "\ufffd"]


@given(st.lists(st.binary(max_size=50), max_size=20))
def test_arbitrary_bytes_give_valid_json_lines(chunks: list[bytes]) -> None:
    enc = AsciicastEncoder()
    text = ""
    for i, chunk in enumerate(chunks):
        line = enc.output(float(i), chunk)
        if line:
            assert line.endswith("\n") and "\n" not in line[:-1]
            event = json.loads(line)
            assert event[0] == float(i) and event[1] == "o"
            text += event[2]
    tail = enc.finish(99.0)
    if tail:
        text += json.loads(tail)[2]
    assert text == b"".join(chunks).decode("utf-8", "replace")


@given(st.text(max_size=200), st.data())
def test_valid_utf8_round_trips_however_split(text: str, d: st.DataObject) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    if not _is_utf8(raw):
        return
    cuts = sorted(d.draw(st.lists(st.integers(0, len(raw)), max_size=8)))
    enc = AsciicastEncoder()
    out = ""
    prev = 0
    for cut in [*cuts, len(raw)]:
        line = enc.output(1.0, raw[prev:cut])
        prev = cut
        if line:
            out += json.loads(line)[2]
    assert enc.finish(2.0) == ""
    assert out.encode("utf-8") == raw


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# -- scrollback -------------------------------------------------------------------


def test_scrollback_keeps_the_tail() -> None:
    sb = Scrollback(10)
    sb.append(b"0123456789")
    assert sb.snapshot() == b"0123456789"
    sb.append(b"abc")
    assert sb.snapshot() == b"3456789abc"
    assert sb.snapshot(3) == b"abc" and sb.snapshot(0) == b""
    assert sb.total == 13 and len(sb) == 10
    sb.append(b"X" * 25)
    assert sb.snapshot() == b"X" * 10


def test_scrollback_does_not_start_inside_a_character() -> None:
    sb = Scrollback(5)
    sb.append("a€b".encode())  # 61 e2 82 ac 62: five bytes, nothing dropped
    assert sb.snapshot() == "a€b".encode()
    assert sb.snapshot(3) == b"b"  # window starts at 82: the broken character is skipped
    sb.append(b"c")
    assert sb.snapshot() == "€bc".encode()


@given(st.integers(0, 64), st.lists(st.binary(max_size=40), max_size=30))
def test_scrollback_equals_tail_of_the_stream(cap: int, chunks: list[bytes]) -> None:
    sb = Scrollback(cap)
    for c in chunks:
        sb.append(c)
        assert len(sb) <= cap
    stream = b"".join(chunks)
    tail = stream[len(stream) - min(cap, len(stream)):]
    snap = sb.snapshot()
    assert tail.endswith(snap) and len(tail) - len(snap) <= 3
    assert sb.total == len(stream)


# -- names ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a", "web-1", "db_2.main", "x@y", "A" * 64])
def test_good_names(name: str) -> None:
    assert consolename.check_name(name) == name


@pytest.mark.parametrize("name", ["", "-x", ".x", "a/b", "a b", "A" * 65, "é", "a\n"])
def test_bad_names(name: str) -> None:
    with pytest.raises(UsageError):
        consolename.check_name(name)


@settings(max_examples=50)
@given(st.floats(0, 1e7))
def test_format_age(seconds: float) -> None:
    out = consolename.format_age(seconds)
    assert out[-1] in "smhd" and out[:-1].isdigit()
