"""The pure expect core: fixed cases, then properties on arbitrary bytes and chunkings."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ttyctl.sansio.expect import EOF, ExpectScanner, check_patterns


def _feed_chunks(scanner: ExpectScanner, chunks: list[bytes]):  # type: ignore[no-untyped-def]
    for i, chunk in enumerate(chunks):
        result = scanner.feed(chunk)
        if result is not None:
            return result, b"".join(chunks[i + 1 :])
    return None, b""


def test_literal_all_at_once() -> None:
    result = ExpectScanner(b"$ ").feed(b"hello\r\n$ tail")
    assert result is not None
    assert (result.index, result.matched, result.before, result.rest) == (
        0,
        b"$ ",
        b"hello\r\n",
        b"tail",
    )
    assert result.match is None


def test_literal_one_byte_at_a_time_matches_on_last_byte() -> None:
    scanner = ExpectScanner([b"prompt> "])
    data = b"xx prompt> "
    for i, byte in enumerate(data):
        result = scanner.feed(bytes([byte]))
        if i < len(data) - 1:
            assert result is None
    assert result is not None
    assert result.before == b"xx " and result.rest == b""


def test_trailing_bytes_stay_buffered() -> None:
    result = ExpectScanner([b"\n"]).feed(b"one\ntwo\nthree")
    assert result is not None
    assert result.before == b"one" and result.rest == b"two\nthree"


def test_earliest_start_wins_then_list_order() -> None:
    scanner = ExpectScanner([b"world", re.compile(rb"hel+o"), b"hello"])
    result = scanner.feed(b"say hello world")
    assert result is not None
    assert result.index == 1  # starts at 4 like "hello", listed first
    assert result.match is not None and result.match.group() == b"hello"


def test_regex_groups_and_split_chunk() -> None:
    scanner = ExpectScanner([re.compile(rb"code=(\d+);")])
    assert scanner.feed(b"code=4") is None
    result = scanner.feed(b"2; ok")
    assert result is not None and result.match is not None
    assert result.match.group(1) == b"42"
    assert result.rest == b" ok"


def test_eof_pattern_matches_at_end_only() -> None:
    scanner = ExpectScanner([b"never", EOF])
    assert scanner.feed(b"some output") is None
    result = scanner.feed_eof()
    assert result is not None
    assert (result.index, result.pattern, result.before, result.matched) == (
        1,
        EOF,
        b"some output",
        b"",
    )


def test_eof_without_eof_pattern_reports_none_and_keeps_buffer() -> None:
    scanner = ExpectScanner(b"never")
    scanner.feed(b"abc")
    assert scanner.feed_eof() is None
    assert scanner.buffered == b"abc"


def test_done_scanner_refuses_more() -> None:
    scanner = ExpectScanner(b"a")
    assert scanner.feed(b"a") is not None
    with pytest.raises(RuntimeError):
        scanner.feed(b"a")


@pytest.mark.parametrize(
    ("patterns", "error"),
    [
        ("text", TypeError),
        ([re.compile("text")], TypeError),
        ([], ValueError),
        ([b""], ValueError),
        ([42], TypeError),
    ],
)
def test_bad_patterns(patterns: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_patterns(patterns)  # type: ignore[arg-type]


# -- properties ---------------------------------------------------------------

small = st.binary(min_size=0, max_size=200)
needles = st.binary(min_size=1, max_size=6)


@st.composite
def chunked(draw: st.DrawFn, data: bytes) -> list[bytes]:
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=12)))
    edges = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@given(data=small, needle=needles, st_data=st.data())
def test_literal_any_chunking_agrees_with_find(
    data: bytes, needle: bytes, st_data: st.DataObject
) -> None:
    chunks = st_data.draw(chunked(data))
    result, unfed = _feed_chunks(ExpectScanner(needle), chunks)
    pos = data.find(needle)
    if pos < 0:
        assert result is None
        return
    assert result is not None
    assert result.before == data[:pos]
    assert result.matched == needle
    # Nothing is lost: before + match + rest + whatever was not fed is the stream.
    assert result.before + result.matched + result.rest + unfed == data


@given(data=small, needles_=st.lists(needles, min_size=1, max_size=4), st_data=st.data())
def test_many_literals_earliest_then_first(
    data: bytes, needles_: list[bytes], st_data: st.DataObject
) -> None:
    chunks = st_data.draw(chunked(data))
    result, unfed = _feed_chunks(ExpectScanner(needles_), chunks)
    if result is None:
        assert all(n not in data for n in needles_)
        return
    # At the moment of the match, no pattern matched earlier in what was fed.
    fed = result.before + result.matched + result.rest
    for i, n in enumerate(needles_):
        pos = fed.find(n)
        if pos >= 0:
            assert pos >= len(result.before)
            if pos == len(result.before):
                assert i >= result.index
    assert fed + unfed == data


@given(data=small, st_data=st.data())
def test_regex_never_loses_bytes(data: bytes, st_data: st.DataObject) -> None:
    chunks = st_data.draw(chunked(data))
    pattern = re.compile(rb"[\x00-\x1f]{2}")
    result, unfed = _feed_chunks(ExpectScanner([pattern, EOF]), chunks)
    if result is None:
        assert pattern.search(data) is None
        return
    assert result.match is not None
    assert result.before + result.matched + result.rest + unfed == data


@given(data=small)
def test_eof_returns_everything(data: bytes) -> None:
    scanner = ExpectScanner([EOF])
    assert scanner.feed(data) is None
    result = scanner.feed_eof()
    assert result is not None and result.before == data and result.rest == b""


def test_core_imports_nothing_that_does_io() -> None:
    import ast

    import ttyctl.sansio.expect as module

    tree = ast.parse(open(module.__file__, encoding="utf-8").read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"os", "socket", "fcntl", "termios", "select", "asyncio", "signal"}
