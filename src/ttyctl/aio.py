"""Drive a program on a PTY from asyncio: read, write, expect, wait.

``await ttyctl.aio.spawn(argv)`` starts the program as :func:`ttyctl.spawn`
does in console mode (its own session, the PTY as its controlling terminal)
and returns an :class:`AsyncProcess`. Everything runs on the event loop's
selector: the PTY master is watched with ``loop.add_reader`` and the program's
exit with ``add_reader`` on a pidfd, so no thread is started per process and
none at all on Linux 5.3 or later.

Example::

    async with await ttyctl.aio.spawn(["python3", "-i"]) as repl:
        await repl.readuntil(b">>> ")
        await repl.write(b"6 * 7\\n")
        result = await repl.expect([re.compile(rb"(\\d+)\\r\\n>>> ")], timeout=5)
        assert result.match is not None and result.match.group(1) == b"42"
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import signal as _signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, final

from ._os.pty import Winsize
from .errors import ClosedResourceError, ExpectEOF, ExpectTimeout
from .process import Process, read_master
from .sansio.expect import EOF, ExpectResult, ExpectScanner, Pattern
from .spawn import spawn as _spawn

__all__ = ["EOF", "AsyncProcess", "ExpectResult", "spawn"]

_READ_SIZE = 65536
_POLL_INTERVAL = 0.01  # exit polling when the kernel has no pidfd (before 5.3)


async def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    winsize: Winsize | tuple[int, int] | None = None,
    pass_fds: Iterable[int] = (),
    echo: bool = True,
    termios_attrs: list[Any] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> AsyncProcess:
    """Start ``argv`` on a new PTY and return its :class:`AsyncProcess`.

    The arguments are those of :func:`ttyctl.spawn` in console mode; ``echo``
    (default on) sets the terminal's ECHO flag before the program starts. The
    spawn itself is vfork-based and takes well under a millisecond, so it runs
    on the loop directly. Raises what :func:`ttyctl.spawn` raises (an
    :class:`OSError` for a missing program or ``cwd``), with nothing left open.
    """
    loop = asyncio.get_running_loop()
    if not echo:
        from ._os.ptymodes import fresh_pty_termios, with_echo

        termios_attrs = with_echo(termios_attrs or fresh_pty_termios(), False)
    process = _spawn(
        argv,
        mode="console",
        env=env,
        cwd=cwd,
        winsize=winsize,
        pass_fds=pass_fds,
        termios_attrs=termios_attrs,
        preexec_fn=preexec_fn,
    )
    try:
        return AsyncProcess(process, loop)
    except BaseException:
        process.close()
        raise


@final
class AsyncProcess:
    """A console-mode :class:`ttyctl.Process` driven from one event loop.

    Ownership: it owns the :class:`Process` (``.process``), so the PTY master
    (set non-blocking here) and the child; :meth:`close`, or leaving
    ``async with``, hangs up the terminal and reaps the child. Use the object
    from the loop it was made on only; like other asyncio objects it is not
    thread-safe (run one loop per thread for threads, see docs/automation.md).

    Reading: output is read only while a caller waits for it (or :meth:`wait`
    runs), so a program that nobody reads blocks on a full PTY as it would on
    a terminal. Bytes read and not consumed stay buffered for the next call.
    The end of output (Linux reports ``EIO`` on the master) is ``b""`` from
    :meth:`read` and :class:`ttyctl.ExpectEOF` (an :class:`EOFError`) from
    :meth:`expect` and :meth:`readuntil`, never an :class:`OSError`.
    """

    __slots__ = (
        "_buffer",
        "_closed",
        "_draining",
        "_eof",
        "_error",
        "_exit_poll",
        "_exit_waiters",
        "_fd",
        "_loop",
        "_pidfd",
        "_process",
        "_read_lock",
        "_reading",
        "_waiters",
        "_write_lock",
        "_write_waiter",
    )

    def __init__(self, process: Process, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._process = process
        self._loop = loop or asyncio.get_running_loop()
        self._fd = process.fileno()
        os.set_blocking(self._fd, False)
        self._buffer = bytearray()
        self._eof = False
        self._error: OSError | None = None
        self._waiters: list[asyncio.Future[bool]] = []
        self._reading = False
        self._draining = 0
        self._exit_waiters: list[asyncio.Future[bool]] = []
        self._exit_poll: asyncio.TimerHandle | None = None
        self._pidfd = -1
        self._read_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._write_waiter: asyncio.Future[bool] | None = None
        self._closed = False

    # -- identity ------------------------------------------------------------

    @property
    def process(self) -> Process:
        """The underlying :class:`ttyctl.Process` (pid, pgid, argv, master)."""
        return self._process

    @property
    def pid(self) -> int:
        """The program's pid (it leads its own session and process group)."""
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """The return code once reaped (``-N`` for signal N), else ``None``."""
        return self._process.returncode

    def fileno(self) -> int:
        """The PTY master (non-blocking); owned by this object."""
        self._check_open()
        return self._fd

    # -- reading -------------------------------------------------------------

    async def read(self, n: int = _READ_SIZE, timeout: float | None = None) -> bytes:
        """Return up to ``n`` bytes of output, waiting for at least one.

        Returns ``b""`` at the end of output. Raises :class:`ExpectTimeout`
        when ``timeout`` seconds pass with nothing to return.
        """
        if n <= 0:
            return b""
        self._check_open()
        deadline = self._deadline(timeout)
        async with self._read_lock:
            while not self._buffer and not self._eof:
                if not await self._fill(deadline):
                    raise ExpectTimeout(f"no output within {timeout} s")
            self._raise_error()
            data = bytes(self._buffer[:n])
            del self._buffer[:n]
            return data

    async def expect(
        self, patterns: Pattern | Sequence[Pattern], timeout: float | None = None
    ) -> ExpectResult:
        """Read until one of ``patterns`` matches; return which, the match, the bytes before.

        ``patterns`` holds literal bytes, compiled bytes regexes and :data:`EOF`;
        the match that starts earliest wins, then the one listed first. The
        bytes after the match stay buffered. Raises :class:`ExpectTimeout`
        after ``timeout`` seconds and :class:`ExpectEOF` when the output ends
        (unless EOF is a pattern); both carry ``before``, and the bytes seen
        stay buffered. Cancelling the call also leaves them buffered.
        """
        self._check_open()
        scanner = ExpectScanner(patterns)
        deadline = self._deadline(timeout)
        async with self._read_lock:
            rest: bytes | None = None
            try:
                result = scanner.feed(self._take())
                while result is None:
                    if not self._buffer and self._eof:
                        self._raise_error()
                        result = scanner.feed_eof()
                        if result is None:
                            raise ExpectEOF("the output ended before a match", scanner.buffered)
                        break
                    if deadline is not None and self._loop.time() >= deadline:
                        raise ExpectTimeout(f"no match within {timeout} s", scanner.buffered)
                    if not await self._fill(deadline):
                        raise ExpectTimeout(f"no match within {timeout} s", scanner.buffered)
                    result = scanner.feed(self._take())
                rest = result.rest
            finally:
                self._buffer[:0] = scanner.buffered if rest is None else rest
            return result

    async def readuntil(
        self, pattern: bytes | re.Pattern[bytes] = b"\n", timeout: float | None = None
    ) -> bytes:
        """Return the output up to and including ``pattern`` (bytes or a bytes regex).

        What follows stays buffered. Raises as :meth:`expect` does.
        """
        result = await self.expect([pattern], timeout)
        return result.before + result.matched

    def _take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    async def _fill(self, deadline: float | None) -> bool:
        """Get more output (or EOF) into the buffer; ``False`` if the deadline passed."""
        self._check_open()
        if self._eof:
            return True
        if self._read_now():
            return True
        return await self._until_resolved(self._waiters, self._start_reading, deadline)

    async def _until_resolved(
        self,
        waiters: list[asyncio.Future[bool]],
        start: Callable[[], None],
        deadline: float | None,
    ) -> bool:
        """Put a future in ``waiters``, call ``start``, wait for the future.

        Returns what the future was resolved with, ``False`` at the deadline.
        """
        waiter: asyncio.Future[bool] = self._loop.create_future()
        waiters.append(waiter)
        start()
        timer = None if deadline is None else self._loop.call_at(deadline, _resolve, waiter, False)
        try:
            return await waiter
        finally:
            if timer is not None:
                timer.cancel()
            if waiter in waiters:
                waiters.remove(waiter)

    def _read_now(self) -> bool:
        """One non-blocking read into the buffer; ``True`` if it got data or EOF."""
        try:
            data = read_master(self._fd, _READ_SIZE)  # b"" once every slave closed
        except BlockingIOError:
            return False
        except OSError as exc:
            self._error = exc
            data = b""
        if data:
            self._buffer += data
        else:
            self._eof = True
            self._stop_reading()
        return True

    def _on_readable(self) -> None:
        if not self._waiters and not self._draining:
            # Nobody wants output now: leave it in the kernel (flow control).
            self._stop_reading()
            return
        if not self._read_now():
            return
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            _resolve(waiter, True)

    def _start_reading(self) -> None:
        if not self._reading and not self._eof and not self._closed:
            self._loop.add_reader(self._fd, self._on_readable)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._fd)
            self._reading = False

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    # -- writing -------------------------------------------------------------

    async def write(self, data: bytes) -> int:
        """Write all of ``data`` to the program's terminal, as typed input.

        Waits (without blocking the loop) while the terminal's input queue is
        full. Concurrent writes do not interleave. Returns ``len(data)``.
        """
        view = memoryview(data).cast("B")
        async with self._write_lock:
            while view:
                self._check_open()
                try:
                    written = os.write(self._fd, view)
                except BlockingIOError:
                    await self._writable()
                    continue
                view = view[written:]
        return len(data)

    async def _writable(self) -> None:
        waiter: asyncio.Future[bool] = self._loop.create_future()
        self._loop.add_writer(self._fd, _resolve, waiter, True)
        self._write_waiter = waiter
        try:
            await waiter
        finally:
            self._write_waiter = None
            if not self._closed:  # close() removed it before the descriptor went away
                self._loop.remove_writer(self._fd)

    # -- terminal and signals --------------------------------------------------

    def resize(self, rows: int, cols: int) -> None:
        """Set the terminal's size; the foreground group gets SIGWINCH."""
        self._check_open()
        self._process.resize(rows, cols)

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the program; a no-op once it was reaped."""
        self._process.send_signal(signum)

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to the program's process group."""
        self._process.signal_group(signum)

    def terminate(self) -> None:
        """Send SIGTERM to the program."""
        self._process.terminate()

    def kill(self) -> None:
        """Send SIGKILL to the program."""
        self._process.kill()

    # -- waiting -------------------------------------------------------------

    async def wait(self, timeout: float | None = None) -> int:
        """Wait for the program to end and return its return code.

        While waiting, output is read and kept for :meth:`read` and
        :meth:`expect` (as :meth:`ttyctl.Process.wait` does), so a program with
        unread output still ends. Raises :class:`TimeoutError` when ``timeout``
        seconds pass first; the program keeps running.
        """
        deadline = self._deadline(timeout)
        if self._process.returncode is None:
            self._draining += 1
            if not self._closed:
                self._start_reading()
            try:
                if not await self._wait_exit(deadline):
                    raise TimeoutError(f"process {self.pid} still running after {timeout} s")
            finally:
                self._draining -= 1
        if not self._closed:
            while not self._eof and self._read_now():
                pass
        code = self._process.returncode
        assert code is not None
        return code

    async def _wait_exit(self, deadline: float | None) -> bool:
        if self._process.poll() is not None:
            return True
        return await self._until_resolved(self._exit_waiters, self._watch_exit, deadline)

    def _watch_exit(self) -> None:
        if self._pidfd >= 0 or self._exit_poll is not None:
            return
        try:
            pidfd = os.pidfd_open(self._process.pid)
        except OSError as exc:
            if exc.errno == errno.ESRCH:
                self._loop.call_soon(self._on_exit)  # reaped meanwhile elsewhere
                return
            # No pidfd (Linux before 5.3): poll waitpid on a timer.
            self._exit_poll = self._loop.call_later(_POLL_INTERVAL, self._on_exit)
            return
        if self._process.returncode is not None:
            os.close(pidfd)  # reaped between the check and the open: the pid may be reused
            self._loop.call_soon(self._on_exit)
            return
        self._pidfd = pidfd
        self._loop.add_reader(pidfd, self._on_exit)

    def _on_exit(self) -> None:
        self._exit_poll = None
        if self._process.poll() is None:
            if self._pidfd < 0:
                self._exit_poll = self._loop.call_later(_POLL_INTERVAL, self._on_exit)
            return
        self._unwatch_exit()
        waiters, self._exit_waiters = self._exit_waiters, []
        for waiter in waiters:
            _resolve(waiter, True)

    def _unwatch_exit(self) -> None:
        fd, self._pidfd = self._pidfd, -1
        if fd >= 0:
            self._loop.remove_reader(fd)
            os.close(fd)
        if self._exit_poll is not None:
            self._exit_poll.cancel()
            self._exit_poll = None

    # -- closing -------------------------------------------------------------

    async def close(self, timeout: float = 1.0) -> None:
        """Hang up the terminal and reap the program; safe to call twice.

        Closing the master sends SIGHUP to the program's foreground group. If
        the program has not ended ``timeout`` seconds later its process group
        gets SIGKILL. Output not read is discarded; pending reads see EOF.
        """
        if self._closed:
            return
        self._closed = True
        self._stop_reading()
        self._eof = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            _resolve(waiter, True)
        if self._write_waiter is not None:
            self._loop.remove_writer(self._fd)
            _resolve(self._write_waiter, True)
        self._process.close_console()
        try:
            if not await self._wait_exit(self._deadline(timeout)):
                self._process.signal_group(_signal.SIGKILL)
                await self._wait_exit(None)
        finally:
            self._unwatch_exit()
            self._process.close(timeout=0)

    async def __aenter__(self) -> AsyncProcess:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise ClosedResourceError("this process's console was closed")

    def _deadline(self, timeout: float | None) -> float | None:
        return None if timeout is None else self._loop.time() + timeout

    def __repr__(self) -> str:
        code = self._process.returncode
        state = "running" if code is None else f"returncode={code}"
        return f"<ttyctl.aio.AsyncProcess pid={self.pid} {state}>"


def _resolve(waiter: asyncio.Future[bool], value: bool) -> None:
    if not waiter.done():
        waiter.set_result(value)
