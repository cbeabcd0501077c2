"""Wait-status decoding (pure), checked against statuses the kernel really gives."""

from __future__ import annotations

import os
import signal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ttyctl.sansio.exitstatus import decode_wait_status, shell_exit_code


@pytest.mark.parametrize("code", [0, 1, 3, 255])
def test_exit_codes_from_the_kernel(code: int) -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert decode_wait_status(status) == code
    assert decode_wait_status(status) == os.waitstatus_to_exitcode(status)
    assert shell_exit_code(decode_wait_status(status)) == code


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL, signal.SIGTERM])
def test_signals_from_the_kernel(signum: int) -> None:
    pid = os.fork()
    if pid == 0:
        if signum != signal.SIGKILL:
            signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        os._exit(99)
    _, status = os.waitpid(pid, 0)
    assert decode_wait_status(status) == -signum
    assert shell_exit_code(-signum) == 128 + signum


def test_stopped_is_not_final() -> None:
    pid = os.fork()
    if pid == 0:
        os.kill(os.getpid(), signal.SIGSTOP)
        os._exit(0)
    _, status = os.waitpid(pid, os.WUNTRACED)
    with pytest.raises(ValueError):
        decode_wait_status(status)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


@given(st.integers())
def test_decode_never_crashes(status: int) -> None:
    try:
        result = decode_wait_status(status)
    except ValueError:
        return
    assert -127 <= result <= 255
    assert result == os.waitstatus_to_exitcode(status)
