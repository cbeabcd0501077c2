"""The pure checks on one console-socket message (DESIGN.md section 3)."""

from __future__ import annotations

import ast
import socket
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ttyctl.errors import ConsoleSocketError, UsageError
from ttyctl.sansio import console_msg
from ttyctl.sansio.console_msg import (
    MAX_NAME_LEN,
    check_console_message,
    encode_console_name,
    received_fds,
)

RIGHTS = (socket.SOL_SOCKET, socket.SCM_RIGHTS)


def _fds(*numbers: int) -> tuple[int, int, bytes]:
    return (*RIGHTS, struct.pack(f"={len(numbers)}i", *numbers))


def test_constants_are_linux_values() -> None:
    assert console_msg.SOL_SOCKET == socket.SOL_SOCKET
    assert console_msg.SCM_RIGHTS == socket.SCM_RIGHTS
    assert console_msg.MSG_CTRUNC == socket.MSG_CTRUNC


def test_module_imports_no_io() -> None:
    tree = ast.parse(Path(console_msg.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"os", "socket", "fcntl", "termios", "select", "signal"}


@pytest.mark.parametrize(
    ("payload", "name"),
    [
        (b"/dev/ptmx", "/dev/ptmx"),  # runc 1.1.5
        (b"/dev/pts/ptmx", "/dev/pts/ptmx"),  # later runc
        (b" ", " "),  # crun
        (b"/dev/ptmx\0", "/dev/ptmx"),  # conmon
        (b"x" * (MAX_NAME_LEN - 1), "x" * (MAX_NAME_LEN - 1)),
        (b"\xff\xfe", "\udcff\udcfe"),
    ],
)
def test_accepts_every_known_sender(payload: bytes, name: str) -> None:
    assert check_console_message(payload, [_fds(7)], 0) == (name, 7)


@pytest.mark.parametrize(
    ("payload", "ancdata", "flags", "reason"),
    [
        (b"", [], 0, "closed the connection without sending"),
        (b"/dev/ptmx", [], 0, "no descriptor"),
        (b"/dev/ptmx", [_fds(5, 6)], 0, "2 descriptors"),
        (b"/dev/ptmx", [_fds(5), _fds(6)], 0, "2 SCM_RIGHTS messages"),
        (b"/dev/ptmx", [_fds(5)], socket.MSG_CTRUNC, "truncated"),
        (b"x" * MAX_NAME_LEN, [_fds(5)], 0, "4096 bytes or more"),
        (b"", [_fds(5)], 0, "empty name"),
        (b"/dev/ptmx", [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, b"\0" * 12)], 0,
         "unexpected control message"),
        (b"/dev/ptmx", [(*RIGHTS, b"\1\0\0\0\2")], 0, "malformed SCM_RIGHTS"),
        (b"/dev/ptmx", [(*RIGHTS, b"")], 0, "no descriptor"),
    ],
)
def test_rejects_with_a_reason(
    payload: bytes, ancdata: list[tuple[int, int, bytes]], flags: int, reason: str
) -> None:
    with pytest.raises(ConsoleSocketError, match=reason):
        check_console_message(payload, ancdata, flags)


def test_received_fds_lists_every_descriptor() -> None:
    anc = [_fds(3, 4), (socket.SOL_SOCKET, socket.SCM_CREDENTIALS, b"x" * 12), _fds(9)]
    assert received_fds(anc) == [3, 4, 9]
    assert received_fds([(*RIGHTS, struct.pack("=i", 11) + b"\1\2")]) == [11]


def test_encode_name() -> None:
    assert encode_console_name("/dev/ptmx") == b"/dev/ptmx"
    with pytest.raises(UsageError):
        encode_console_name("")
    with pytest.raises(UsageError):
        encode_console_name("é" * 2048)  # 4096 bytes


_anc_item = st.tuples(
    st.sampled_from([0, 1, 41]), st.sampled_from([0, 1, 2]), st.binary(max_size=40)
)


@given(
    payload=st.binary(max_size=5000),
    ancdata=st.lists(_anc_item, max_size=3),
    flags=st.integers(min_value=0, max_value=0xFFFF),
)
def test_any_input_gives_a_console_or_a_reason(
    payload: bytes, ancdata: list[tuple[int, int, bytes]], flags: int
) -> None:
    fds = received_fds(ancdata)
    try:
        name, fd = check_console_message(payload, ancdata, flags)
    except ConsoleSocketError as exc:
        assert str(exc)
        return
    # Accepted: the one rule set holds exactly.
    assert fds == [fd]
    assert len(ancdata) == 1 and ancdata[0][:2] == RIGHTS
    assert 0 < len(payload) < MAX_NAME_LEN
    assert not flags & socket.MSG_CTRUNC
    assert name.encode("utf-8", "surrogateescape") == payload.rstrip(b"\0")


@given(name=st.text(min_size=1, max_size=1000), fd=st.integers(0, 2**31 - 1))
def test_round_trip(name: str, fd: int) -> None:
    payload = encode_console_name(name)
    got, got_fd = check_console_message(payload, [_fds(fd)], 0)
    assert got_fd == fd
    assert got == name.rstrip("\0")


@given(payload=st.binary(min_size=1, max_size=MAX_NAME_LEN - 1), fd=st.integers(0, 1000))
def test_rejection_depends_on_fds_not_name(payload: bytes, fd: int) -> None:
    """Any non-empty short payload with one descriptor is a console; with two, never."""
    assert check_console_message(payload, [_fds(fd)], 0)[1] == fd
    with pytest.raises(ConsoleSocketError):
        check_console_message(payload, [_fds(fd, fd + 1)], 0)
