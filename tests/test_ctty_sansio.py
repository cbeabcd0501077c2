"""The pure helpers of sansio/ctty.py: console names, tty numbers, stat lines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ttyctl.sansio.ctty import encode_tty_nr, parse_console_active, stat_tty_fields


@pytest.mark.parametrize(
    "data, name",
    [
        (b"ttyS0\n", "ttyS0"),
        (b"tty0 ttyS0\n", "ttyS0"),
        (b"tty0 ttyS0", "ttyS0"),
        (b"ttyS0 tty0\n", "tty0"),
        (b"tty0 pts/3\n", "pts/3"),
        (b"", None),
        (b"\n", None),
        (b"   \n", None),
        (b"../etc/passwd\n", None),
        (b"pts/../x\n", None),
        (b"a/b/c\n", None),
        (b"/ttyS0\n", None),
        (b"..\n", None),
        (b"\xff\xfe\n", None),
        (b"tty\x001\n", None),
    ],
)
def test_parse_console_active(data: bytes, name: str | None) -> None:
    assert parse_console_active(data) == name


@given(st.binary(max_size=200))
def test_parse_console_active_any_bytes(data: bytes) -> None:
    name = parse_console_active(data)
    if name is not None:
        assert name and not name.startswith("/") and ".." not in name.split("/")
        assert name.count("/") <= 1 and not any(c.isspace() for c in name)
        assert name == data.decode().split()[-1]


@given(st.lists(st.from_regex(r"[a-zA-Z0-9]{1,8}", fullmatch=True), min_size=1, max_size=5))
def test_parse_console_active_takes_the_last(names: list[str]) -> None:
    assert parse_console_active((" ".join(names) + "\n").encode()) == names[-1]


@pytest.mark.parametrize(
    "major, minor, nr",
    [(136, 1, 34817), (136, 300, 0x10882C), (4, 64, 0x440), (136, 0, 0x8800)],
)
def test_encode_tty_nr(major: int, minor: int, nr: int) -> None:
    assert encode_tty_nr(major, minor) == nr


@given(st.integers(0, 0xFFF), st.integers(0, 0xFFFFF))
def test_encode_tty_nr_round_trips(major: int, minor: int) -> None:
    nr = encode_tty_nr(major, minor)
    assert (nr >> 8) & 0xFFF == major
    assert (nr & 0xFF) | ((nr >> 12) & 0xFFF00) == minor


def test_stat_tty_fields() -> None:
    line = b"42 (a) b) c) S 1 42 42 34817 42 4194560 0 0\n"
    assert stat_tty_fields(line) == (42, 34817)
    with pytest.raises(ValueError):
        stat_tty_fields(b"no name here")
    with pytest.raises(ValueError):
        stat_tty_fields(b"1 (x) S 1")


@given(st.binary(max_size=100))
def test_stat_tty_fields_any_bytes(data: bytes) -> None:
    try:
        stat_tty_fields(data)
    except ValueError:
        pass
