"""ttyctl.aio against real programs: expect, EOF, timeouts, wait, signals, many sessions."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

import ttyctl
import ttyctl.aio
from tests.helpers import PROGS, PYTHON, read_stat
from ttyctl.expect import EOF

T = TypeVar("T")
WINCH = os.path.join(PROGS, "winch.py")
PASSWORD = os.path.join(PROGS, "password.py")
PATTERN = os.path.join(PROGS, "pattern.py")


def run(factory: Callable[[], Awaitable[T]], timeout: float = 50) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(factory(), timeout)

    return asyncio.run(bounded())


def test_python_repl_expect_regex() -> None:
    async def main() -> None:
        async with await ttyctl.aio.spawn([PYTHON, "-i", "-q"]) as repl:
            assert await repl.readuntil(b">>> ", timeout=20) == b">>> "
            await repl.write(b"6 * 7\n")
            result = await repl.expect([b"Error", re.compile(rb"(\d+)\r\n>>> ")], timeout=20)
            assert result.index == 1
            assert result.match is not None and result.match.group(1) == b"42"
            assert result.before == b"6 * 7\r\n"
            await repl.write(b"raise SystemExit(4)\n")
            end = await repl.expect([b"never", EOF], timeout=20)
            assert end.index == 1 and end.pattern is EOF
            assert await repl.wait(timeout=20) == 4
            assert await repl.read() == b""  # EOF is b"" from read, not OSError(EIO)

    run(main)


def test_console_end_state() -> None:
    async def main() -> None:
        async with await ttyctl.aio.spawn(["cat"]) as proc:
            st = read_stat(proc.pid)
            assert (st.sid, st.pgid, st.tpgid) == (proc.pid, proc.pid, proc.pid)

    run(main)


def test_eof_is_expect_eof_with_before() -> None:
    async def main() -> None:
        async with await ttyctl.aio.spawn(["sh", "-c", "printf 'bye now'"]) as proc:
            with pytest.raises(ttyctl.ExpectEOF) as info:
                await proc.expect(b"never", timeout=20)
            assert isinstance(info.value, EOFError)
            assert info.value.before == b"bye now"
            # The bytes stay buffered: read returns them, then b"" for EOF.
            assert await proc.read() == b"bye now"
            assert await proc.read() == b""
            assert await proc.wait(timeout=20) == 0

    run(main)


def test_timeout_carries_before_and_loses_nothing() -> None:
    async def main() -> None:
        async with await ttyctl.aio.spawn(["sh", "-c", "printf 'partial\\n'; read x"]) as p:
            await p.readuntil(b"par", timeout=20)
            with pytest.raises(ttyctl.ExpectTimeout) as info:
                await p.expect(b"never", timeout=0.3)
            assert isinstance(info.value, TimeoutError)
            assert b"tial\r\n".startswith(info.value.before)
            assert await p.readuntil(b"\r\n", timeout=20) == b"tial\r\n"
            await p.write(b"\n")
            assert await p.wait(timeout=20) == 0

    run(main)


def test_cancelled_expect_keeps_buffer() -> None:
    async def main() -> None:
        async with await ttyctl.aio.spawn(["sh", "-c", "printf 'abc\\n'; read x"]) as p:
            await p.readuntil(b"a", timeout=20)
            task = asyncio.create_task(p.expect(b"never"))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await p.readuntil(b"\r\n", timeout=20) == b"bc\r\n"
            await p.write(b"\n")

    run(main)


def test_wait_drains_output_so_the_program_ends() -> None:
    async def main() -> None:
        async with await ttyctl.aio.spawn([PYTHON, PATTERN, "200000"]) as p:
            assert await p.wait(timeout=40) == 0
            data = b""
            while chunk := await p.read():
                data += chunk
            assert len(data) == 200000

    run(main)


def test_wait_timeout_leaves_program_running() -> None:
    async def main() -> None:
        async with await ttyctl.aio.spawn(["cat"]) as p:
            with pytest.raises(TimeoutError):
                await p.wait(timeout=0.2)
            assert p.returncode is None
            p.signal(signal.SIGTERM)
            assert await p.wait(timeout=20) == -signal.SIGTERM

    run(main)


def test_resize_sends_sigwinch() -> None:
    async def main() -> None:
        async with await ttyctl.aio.spawn([PYTHON, WINCH]) as p:
            await p.readuntil(b"READY\r\n", timeout=20)
            p.resize(33, 101)
            await p.readuntil(b"WINCH 33 101\r\n", timeout=20)

    run(main)


def test_getpass_with_echo_off() -> None:
    async def main() -> None:
        async with await ttyctl.aio.spawn([PYTHON, PASSWORD]) as p:
            await p.readuntil(b"Password: ", timeout=20)
            await p.write(b"hunter2\n")
            line = await p.readuntil(b"2retnuh\r\n", timeout=20)
            assert line == b"\r\ngot 7 chars, reversed 2retnuh\r\n"  # the secret was not echoed
            assert await p.wait(timeout=20) == 0

    run(main)


def test_spawn_echo_false_takes_effect_before_start() -> None:
    prog = "import termios; print('ECHO', bool(termios.tcgetattr(0)[3] & termios.ECHO))"

    async def main() -> None:
        async with await ttyctl.aio.spawn([PYTHON, "-c", prog], echo=False) as p:
            assert await p.readuntil(b"\r\n", timeout=20) == b"ECHO False\r\n"

    run(main)


def test_close_hangs_up_and_reaps() -> None:
    async def main() -> None:
        p = await ttyctl.aio.spawn(["sh", "-c", "trap '' HUP; echo READY; exec sleep 100"])
        await p.readuntil(b"READY", timeout=20)
        await p.close(timeout=0.5)  # sleep ignores SIGHUP: SIGKILL after the timeout
        assert p.returncode == -signal.SIGKILL
        with pytest.raises(ttyctl.ClosedResourceError):
            await p.read()
        await p.close()  # twice is fine

    run(main)


def test_missing_program_raises_in_caller() -> None:
    async def main() -> None:
        with pytest.raises(FileNotFoundError):
            await ttyctl.aio.spawn(["/nonexistent/program"])
        with pytest.raises(FileNotFoundError):
            await ttyctl.aio.spawn(["cat"], cwd="/nonexistent/dir")

    run(main)


@pytest.mark.timeout(180)
def test_100_sessions_100_round_trips_no_thread_per_session() -> None:
    threads_before = threading.active_count()
    peak = 0

    async def session(n: int) -> int:
        nonlocal peak
        async with await ttyctl.aio.spawn(["cat"], echo=False) as cat:
            for i in range(100):
                line = b"s%d r%d\n" % (n, i)
                await cat.write(line)
                got = await cat.readuntil(b"\r\n", timeout=60)
                assert got == line[:-1] + b"\r\n"
                peak = max(peak, threading.active_count())
            await cat.write(b"\x04")
            return await cat.wait(timeout=60)

    async def main() -> list[int]:
        return await asyncio.gather(*(session(n) for n in range(100)))

    assert run(main, timeout=170) == [0] * 100
    assert peak == threads_before
    assert threading.active_count() == threads_before


def test_close_releases_a_blocked_writer() -> None:
    async def main() -> None:
        # A program that never reads: the terminal's input queue fills up.
        from ttyctl._os.ptymodes import fresh_pty_termios
        from ttyctl._os.terminal import make_raw

        p = await ttyctl.aio.spawn(
            ["sh", "-c", "trap '' HUP; echo READY; exec sleep 100"],
            termios_attrs=make_raw(fresh_pty_termios()),
        )
        await p.readuntil(b"READY", timeout=20)
        writer = asyncio.create_task(p.write(b"x" * (8 << 20)))
        await asyncio.sleep(0.2)
        assert not writer.done()
        await p.close(timeout=0.2)
        with pytest.raises(ttyctl.ClosedResourceError):
            await writer

    run(main)
