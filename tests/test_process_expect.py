"""Process.expect and Process.readuntil against real programs on a real PTY."""

from __future__ import annotations

import os
import re
import termios

import pytest

import ttyctl
from tests.helpers import PROGS, PYTHON
from ttyctl.expect import EOF

PASSWORD = os.path.join(PROGS, "password.py")


def test_sh_prompt_and_exit_status() -> None:
    with ttyctl.spawn(["sh", "-c", "printf 'ready> '; read x; echo \"you said $x\"; exit 3"]) as p:
        assert p.readuntil(b"ready> ", timeout=10) == b"ready> "
        p.write(b"hello\n")
        result = p.expect([b"nope", re.compile(rb"you said (\w+)")], timeout=10)
        assert result.index == 1
        assert result.match is not None and result.match.group(1) == b"hello"
        assert result.before == b"hello\r\n"  # the terminal's echo of the input
        with pytest.raises(ttyctl.ExpectEOF) as info:
            p.expect(b"never", timeout=10)
        assert isinstance(info.value, EOFError)
        assert info.value.before == b"\r\n"
        assert p.wait(timeout=10) == 3


def test_cat_round_trips_keep_trailing_bytes() -> None:
    with ttyctl.spawn(["cat"]) as p:
        p.write(b"one\ntwo\n")
        # Echo and cat's copy: one\r\n two\r\n one\r\n two\r\n in some order of arrival.
        assert p.readuntil(b"one\r\n", timeout=10).endswith(b"one\r\n")
        seen = b""
        while seen.count(b"two\r\n") < 2:
            seen += p.readuntil(b"two\r\n", timeout=10)
        assert seen.count(b"one\r\n") == 1
        p.write(b"\x04")
        assert p.expect([EOF], timeout=10).index == 0
        assert p.wait(timeout=10) == 0


def test_timeout_carries_before_and_loses_nothing() -> None:
    with ttyctl.spawn(["sh", "-c", "printf 'partial\\n'; read x"]) as p:
        p.readuntil(b"par", timeout=10)
        with pytest.raises(ttyctl.ExpectTimeout) as info:
            p.expect(b"never", timeout=0.3)
        assert isinstance(info.value, TimeoutError)
        assert b"tial\r\n".startswith(info.value.before)
        # What the failed expect saw stayed buffered: nothing is lost.
        assert p.readuntil(b"\r\n", timeout=10) == b"tial\r\n"
        p.write(b"\n")
        assert p.wait(timeout=10) == 0


def test_expect_sees_what_wait_drained_first() -> None:
    with ttyctl.spawn([PYTHON, "-c", "print('x' * 30000 + 'END')"]) as p:
        assert p.wait(timeout=20) == 0  # would block forever if wait did not drain
        result = p.expect(b"END", timeout=10)
        assert len(result.before) >= 30000
        assert p.expect([EOF], timeout=10).before == b"\r\n"


def test_python_repl() -> None:
    with ttyctl.spawn([PYTHON, "-i", "-q"], env={**os.environ, "PYTHONSTARTUP": ""}) as p:
        p.readuntil(b">>> ", timeout=20)
        p.write(b"print(6 * 7)\n")
        result = p.expect(re.compile(rb"(\d+)\r\n>>> "), timeout=20)
        assert result.match is not None and result.match.group(1) == b"42"
        p.write(b"raise SystemExit(5)\n")
        p.expect(EOF, timeout=20)
        assert p.wait(timeout=20) == 5


def test_getpass_turns_echo_off_and_secret_is_not_echoed() -> None:
    with ttyctl.spawn([PYTHON, PASSWORD]) as p:
        p.readuntil(b"Password: ", timeout=20)
        # getpass turned ECHO off on its terminal before printing the prompt.
        assert not termios.tcgetattr(p.fileno())[3] & termios.ECHO
        p.write(b"s3cret\n")
        result = p.expect(re.compile(rb"got (\d+) chars, reversed (\S+)"), timeout=20)
        assert result.match is not None
        assert result.match.groups() == (b"6", b"terc3s")
        assert b"s3cret" not in result.before
        assert p.wait(timeout=20) == 0


def test_echo_off_before_program_starts() -> None:
    from ttyctl._os.ptymodes import fresh_pty_termios, with_echo

    attrs = with_echo(fresh_pty_termios(), False)
    prog = "import sys, termios; print('ECHO', bool(termios.tcgetattr(0)[3] & termios.ECHO))"
    with ttyctl.spawn([PYTHON, "-c", prog], termios_attrs=attrs) as p:
        assert p.readuntil(re.compile(rb"ECHO (True|False)"), timeout=20).endswith(b"False")
        assert p.wait(timeout=20) == 0


def test_bad_pattern_is_a_usage_error_not_a_hang() -> None:
    with ttyctl.spawn(["cat"]) as p:
        with pytest.raises(TypeError):
            p.expect("text", timeout=1)  # type: ignore[arg-type]


def test_spawn_expect_wait_from_many_threads() -> None:
    import threading

    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                with ttyctl.spawn(["sh", "-c", f'read x; echo "t{n} $x"; exit {n % 5}']) as p:
                    p.write(b"i%d\n" % i)
                    p.readuntil(f"t{n} i{i}\r\n".encode(), timeout=20)
                    assert p.wait(timeout=20) == n % 5
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert not errors, errors


def test_expect_in_one_thread_while_another_waits() -> None:
    import threading

    with ttyctl.spawn(["sh", "-c", 'read x; echo "=$x="; exit 4']) as p:
        codes: list[int] = []
        waiter = threading.Thread(target=lambda: codes.append(p.wait(timeout=30)))
        waiter.start()
        p.write(b"hi\n")
        # The waiting thread may drain the output into the buffer first: expect sees it there.
        assert p.readuntil(b"=hi=\r\n", timeout=20).endswith(b"=hi=\r\n")
        waiter.join(30)
        assert codes == [4]
