"""The /proc/PID/stat parser, the STAT letters and the tty_nr decoder on fixed input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ttyctl.sansio.procstat import ProcStat, parse_stat, parse_status, stat_flags
from ttyctl.sansio.ttyname import (
    is_tty_device,
    parse_tty_drivers,
    tty_candidates,
    tty_major_minor,
    tty_name,
    tty_nr_from,
)

TAIL = b" 0 0 0 0 0 0 0 0 20 0 1 0 296536 3133440 360 18446744073709551615 0 0 0\n"


def line(comm: bytes, middle: bytes = b"S 1 100 100 34817 100 0", tail: bytes = TAIL) -> bytes:
    return b"4242 (" + comm + b") " + middle + tail


def test_plain_line() -> None:
    st = parse_stat(line(b"bash"))
    assert (st.pid, st.comm, st.state, st.ppid, st.pgid, st.sid) == (4242, "bash", "S", 1, 100, 100)
    assert (st.tty_nr, st.tpgid, st.nice, st.threads, st.starttime) == (34817, 100, 0, 1, 296536)


@pytest.mark.parametrize(
    "comm",
    [b"a b", b"x) R 1 2 3 4 5 (y", b")", b"((", b"", b"tmux: server", b"\xff\xfe", b"a)b)c"],
)
def test_comm_with_spaces_and_parentheses(comm: bytes) -> None:
    st = parse_stat(line(comm))
    assert st.comm.encode("utf-8", "surrogateescape") == comm
    assert (st.state, st.ppid, st.pgid, st.sid, st.tty_nr) == ("S", 1, 100, 100, 34817)


def test_kernel_thread() -> None:
    raw = b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 2 0 0 184467440737 0\n"
    st = parse_stat(raw)
    assert (st.pid, st.ppid, st.sid, st.tty_nr, st.tpgid) == (2, 0, 0, 0, -1)
    assert stat_flags(st) == "S"


def test_zombie_and_negative_nice() -> None:
    st = parse_stat(line(b"sh", b"Z 1 4242 4242 0 -1 4194308", TAIL.replace(b"20 0 1", b"0 -20 1")))
    assert st.state == "Z" and st.nice == -20
    assert stat_flags(st) == "Z<s"


@pytest.mark.parametrize(
    "middle, locked, threads, want",
    [
        (b"S 1 4242 4242 34817 4242 0", 0, 1, "Ss+"),  # a leader in the foreground
        (b"S 1 4243 4242 34817 4244 0", 0, 1, "Ss"),  # leader, another group in front
        (b"R 1 4242 4242 0 -1 0", 4, 1, "RLs"),  # locked pages, no tty
        (b"S 1 7 7 34817 7 0", 0, 3, "Sl+"),  # threads, foreground, not leader
    ],
)
def test_stat_letters(middle: bytes, locked: int, threads: int, want: str) -> None:
    st = parse_stat(line(b"p", middle, TAIL.replace(b" 20 0 1 ", f" 20 0 {threads} ".encode())))
    assert stat_flags(st, locked_kb=locked) == want


def test_nice_positive() -> None:
    st = parse_stat(line(b"p", tail=TAIL.replace(b" 20 0 1 ", b" 30 10 1 ")))
    assert stat_flags(st) == "SN+"


@pytest.mark.parametrize(
    "bad",
    [b"", b"4242", b"4242 (bash", b"4242 (bash) S 1 2", b"x (bash) S" + TAIL,
     line(b"b", b"S one 100 100 0 -1 0"), b"(bash) S 1 2 3 4 5 6" + TAIL],
)
def test_malformed_lines_raise_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):
        parse_stat(bad)


def test_status() -> None:
    text = b"Name:\tsleep\nUid:\t1000\t1000\t1000\t1000\nVmLck:\t      8 kB\nThreads:\t1\n"
    got = parse_status(text)
    assert (got.uid, got.locked_kb) == (1000, 8)
    assert parse_status(b"Name:\tkthreadd\nUid:\t0\t0\t0\t0\n").locked_kb == 0
    with pytest.raises(ValueError):
        parse_status(b"Name:\tx\n")


@given(st.binary(max_size=400))
def test_parse_stat_never_crashes(data: bytes) -> None:
    try:
        result = parse_stat(data)
    except ValueError:
        return
    assert isinstance(result, ProcStat)
    stat_flags(result)


@given(st.binary(max_size=200), st.integers(-(2**31), 2**31), st.integers(-1, 2**31))
def test_any_comm_round_trips(comm: bytes, tty_nr: int, tpgid: int) -> None:
    st_ = parse_stat(line(comm, f"S 1 100 100 {tty_nr} {tpgid} 0".encode()))
    assert st_.comm.encode("utf-8", "surrogateescape") == comm
    assert (st_.tty_nr, st_.tpgid) == (tty_nr, tpgid)


@given(st.binary(max_size=400))
def test_parse_status_never_crashes(data: bytes) -> None:
    try:
        parse_status(data)
    except ValueError:
        pass


DRIVERS = b"""\
/dev/tty             /dev/tty        5       0 system:/dev/tty
/dev/console         /dev/console    5       1 system:console
/dev/ptmx            /dev/ptmx       5       2 system
/dev/vc/0            /dev/vc/0       4       0 system:vtmaster
usbserial            /dev/ttyUSB   188 0-511 serial
ttyAMA               /dev/ttyAMA   204 64-77 serial
serial               /dev/ttyS       4      64-95 serial
pty_slave            /dev/pts      136 0-1048575 pty:slave
pty_master           /dev/ptm      128 0-1048575 pty:master
unknown              /dev/tty        4 1-63 console
"""


def test_major_minor() -> None:
    assert tty_major_minor(34817) == (136, 1)
    assert tty_major_minor(0x10882C) == (136, 300)  # pts/300 (DESIGN.md section 10)
    assert tty_nr_from(136, 300) == 0x10882C
    assert tty_nr_from(4, 64) == 0x440


@pytest.mark.parametrize(
    "major, minor, name",
    [
        (136, 1, "pts/1"), (136, 300, "pts/300"), (137, 2, "pts/258"), (4, 1, "tty1"),
        (4, 64, "ttyS0"), (4, 70, "ttyS6"), (5, 1, "console"), (5, 0, "tty"),
        (188, 3, "ttyUSB3"), (166, 0, "ttyACM0"), (204, 64, "ttyAMA0"), (250, 7, "250:7"),
    ],
)
def test_names_without_dev(major: int, minor: int, name: str) -> None:
    assert tty_name(tty_nr_from(major, minor), parse_tty_drivers(DRIVERS)) == name


def test_no_tty() -> None:
    assert tty_name(0, parse_tty_drivers(DRIVERS)) is None
    assert tty_candidates(0, ()) == ()


def test_candidates_follow_procps_and_the_check_decides() -> None:
    drivers = parse_tty_drivers(DRIVERS)
    nr = tty_nr_from(136, 5)
    assert tty_candidates(nr, drivers) == ("/dev/pts5", "/dev/pts", "/dev/pts/5")
    present = {"/dev/pts/5"}
    assert tty_name(nr, drivers, lambda p, a, b: p in present) == "pts/5"
    ser = tty_nr_from(4, 64)
    assert tty_candidates(ser, drivers)[-1] == "/dev/ttyS0"
    assert tty_name(ser, drivers, lambda p, a, b: p == "/dev/ttyS0") == "ttyS0"
    con = tty_nr_from(5, 1)
    assert tty_name(con, drivers, lambda p, a, b: p == "/dev/console") == "console"
    # A /dev without the node: the usual table still names it.
    assert tty_name(nr, drivers, lambda p, a, b: False) == "pts/5"


def test_drivers_parser_skips_garbage_and_keeps_devfs_flag() -> None:
    drivers = parse_tty_drivers(b"junk\nx /dev/tts/%d 4 64-67 serial\n/dev/a /dev/a z 1\n")
    assert len(drivers) == 1 and drivers[0].devfs and drivers[0].path == "/dev/tts/"


def test_is_tty_device() -> None:
    drivers = parse_tty_drivers(DRIVERS)
    assert is_tty_device(136, 9, drivers) and is_tty_device(128, 9, drivers)
    assert is_tty_device(5, 1, drivers)
    assert not is_tty_device(1, 3, drivers)  # /dev/null


@given(st.binary(max_size=600), st.integers(0, 2**32 - 1))
def test_tty_decoding_never_crashes(data: bytes, tty_nr: int) -> None:
    drivers = parse_tty_drivers(data)
    name = tty_name(tty_nr, drivers)
    assert (name is None) == (tty_nr == 0)
    tty_candidates(tty_nr, drivers)


@given(st.integers(0, 0xFFF), st.integers(0, 0xFFFFF))
def test_encoding_round_trips(major: int, minor: int) -> None:
    assert tty_major_minor(tty_nr_from(major, minor)) == (major, minor)
