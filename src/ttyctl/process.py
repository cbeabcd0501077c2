"""The handle on a spawned program: its pid, its console and its exit status."""

from __future__ import annotations

import errno
import os
import select
import signal
import time
from _thread import allocate_lock

from ._final import final
from ._os.pty import Winsize, get_winsize, set_winsize
from .errors import ClosedResourceError, ExpectEOF, ExpectTimeout, TtyctlError
from .sansio.exitstatus import decode_wait_status

# typing is for the type checker only (``ttyctl run`` imports this module and
# ``typing`` costs milliseconds); mypy treats TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Sequence
    from typing import Literal

    from .sansio.expect import ExpectResult, Pattern

    Mode = Literal["console", "detached", "inherit", "terminal"]

__all__ = ["Process"]

_READ_SIZE = 65536


def read_master(fd: int, size: int) -> bytes:
    """Read from a PTY master; return ``b""`` at end of file.

    Linux reports the end of a PTY (every slave descriptor closed) as ``EIO``
    on the master, after all queued output has been read; BSDs return an empty
    read. Both mean EOF here, decided in this one place.
    """
    try:
        return os.read(fd, size)
    except OSError as exc:
        if exc.errno == errno.EIO:
            return b""
        raise


@final
class Process:
    """A program started by :func:`ttyctl.spawn`.

    Ownership: the Process owns the PTY master (console mode) and a pidfd for
    the child, and closes both in :meth:`close`. It reaps the child exactly
    once, in :meth:`wait` or :meth:`poll`, so no zombie outlives it.

    Output and waiting: a program can write only a few kilobytes into a PTY that
    nobody reads before it blocks. :meth:`wait` therefore keeps reading the
    master while it waits and keeps what it read; :meth:`read` returns that
    output first. So ``wait()`` always returns, and no byte is lost.

    Thread safety: :meth:`read`, :meth:`expect`, :meth:`readuntil`,
    :meth:`write`, :meth:`wait`, :meth:`poll` and the signal methods may be
    called from several threads at once; the reading methods take turns, each
    call getting whole matches from the one shared buffer.
    """

    __slots__ = (
        "_closed",
        "_eof",
        "_master",
        "_pending",
        "_pidfd",
        "_read_lock",
        "_reap_lock",
        "argv",
        "mode",
        "pgid",
        "pid",
        "returncode",
    )

    def __init__(
        self, pid: int, *, mode: Mode, master: int, argv: list[str], pgid: int
    ) -> None:
        self.pid = pid
        self.mode: Mode = mode
        self.argv = argv
        self.pgid = pgid
        self.returncode: int | None = None
        self._master = master
        self._pending = bytearray()
        self._closed = False
        self._eof = False
        self._read_lock = allocate_lock()
        self._reap_lock = allocate_lock()
        try:
            self._pidfd = os.pidfd_open(pid)
        except OSError:
            self._pidfd = -1  # kernel before 5.3: fall back to polling waitpid

    # -- the console --------------------------------------------------------

    @property
    def master(self) -> int | None:
        """The PTY master descriptor (console mode), ``None`` in other modes.

        Raises :class:`ClosedResourceError` after :meth:`close`.
        """
        if self.mode != "console":
            return None
        if self._master < 0:
            raise ClosedResourceError("this process's console was closed")
        return self._master

    def take_master(self) -> int:
        """Hand the PTY master over to the caller, who must close it.

        Afterwards this Process neither reads nor closes it: :meth:`wait` only
        waits, and :meth:`read`/:meth:`write` raise :class:`ClosedResourceError`.
        Used to pass the console on (a console socket) and drop this copy.
        """
        fd = self.fileno()
        self._master = -1
        return fd

    def fileno(self) -> int:
        """The PTY master, for ``select`` and event loops."""
        fd = self.master
        if fd is None:
            raise TtyctlError(f"a {self.mode} process has no console")
        return fd

    def read(self, size: int = _READ_SIZE, timeout: float | None = None) -> bytes:
        """Read up to ``size`` bytes of the program's output.

        Blocks until some output is there; returns ``b""`` at end of file (every
        process holding the terminal closed it). With ``timeout`` in seconds,
        raises :class:`ExpectTimeout` (a :class:`TimeoutError`) if nothing came.
        """
        fd = self.fileno()
        with self._read_lock:
            if self._pending:
                data = bytes(self._pending[:size])
                del self._pending[:size]
                return data
            if timeout is not None and not _wait_readable(fd, timeout):
                raise ExpectTimeout(f"no output within {timeout} s")
            return read_master(fd, size)

    def expect(
        self, patterns: Pattern | Sequence[Pattern], timeout: float | None = None
    ) -> ExpectResult:
        """Read output until one of ``patterns`` matches, and return the match.

        ``patterns`` holds literal bytes, compiled bytes regexes and
        :data:`ttyctl.expect.EOF`; the match that starts earliest wins, then the
        one listed first (see :mod:`ttyctl.sansio.expect`). The result gives the
        pattern's index, the match, the bytes before it; the bytes after it stay
        buffered for the next :meth:`read` or :meth:`expect`.

        Raises :class:`ExpectTimeout` when ``timeout`` seconds pass and
        :class:`ExpectEOF` when the output ends (EOF not in the list) first;
        both carry ``before``, every byte seen, and those bytes stay buffered.
        Output that :meth:`wait` drained is searched first.
        """
        from .sansio.expect import ExpectScanner

        scanner = ExpectScanner(patterns)
        fd = self.fileno()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._read_lock:
            rest: bytes | None = None
            try:
                data = bytes(self._pending)
                self._pending.clear()
                result = scanner.feed(data)
                while result is None:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and (
                        remaining <= 0 or not _wait_readable(fd, remaining)
                    ):
                        raise ExpectTimeout(
                            f"no match within {timeout} s", before=scanner.buffered
                        )
                    if remaining is None:
                        _wait_readable(fd, None)
                    chunk = read_master(fd, _READ_SIZE)
                    if chunk:
                        result = scanner.feed(chunk)
                        continue
                    self._eof = True
                    result = scanner.feed_eof()
                    if result is None:
                        raise ExpectEOF("the output ended before a match", scanner.buffered)
                rest = result.rest
            finally:
                self._pending[:0] = scanner.buffered if rest is None else rest
        return result

    def readuntil(
        self, pattern: bytes | re.Pattern[bytes] = b"\n", timeout: float | None = None
    ) -> bytes:
        """Read output up to and including ``pattern`` (bytes or a bytes regex).

        What follows the match stays buffered. Raises :class:`ExpectTimeout` or
        :class:`ExpectEOF` as :meth:`expect` does.
        """
        result = self.expect([pattern], timeout)
        return result.before + result.matched

    def write(self, data: bytes) -> int:
        """Write all of ``data`` to the program's terminal, as typed input."""
        fd = self.fileno()
        view = memoryview(data)
        while view:
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                select.select([], [fd], [])
                continue
            view = view[written:]
        return len(data)

    @property
    def winsize(self) -> Winsize:
        """The console's current window size."""
        return get_winsize(self.fileno())

    def resize(self, rows: int, cols: int) -> None:
        """Set the console's size; the program's foreground group gets SIGWINCH."""
        set_winsize(self.fileno(), Winsize(rows, cols))

    # -- signals -------------------------------------------------------------

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the program itself; a no-op once it was reaped."""
        with self._reap_lock:
            if self.returncode is None:
                os.kill(self.pid, signum)

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to the program's process group.

        Raises :class:`TtyctlError` when the program shares the caller's group
        (inherit mode without a new group), which this would signal too.
        """
        if self.pgid == os.getpgrp():
            raise TtyctlError("the program shares the caller's process group")
        try:
            os.killpg(self.pgid, signum)
        except ProcessLookupError:
            pass  # the whole group is gone already

    def terminate(self) -> None:
        """Send SIGTERM to the program."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """Send SIGKILL to the program."""
        self.send_signal(signal.SIGKILL)

    # -- waiting -------------------------------------------------------------

    def poll(self) -> int | None:
        """Reap the program if it has ended; return its return code or ``None``."""
        with self._reap_lock:
            if self.returncode is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self._set_status(status)
            return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the program to end and return its return code.

        The code is the exit status, or ``-N`` when signal N killed it, as in
        :mod:`subprocess`. While waiting, the console's output is read and kept
        for :meth:`read` (see the class notes). Raises :class:`TimeoutError`
        when ``timeout`` seconds pass first; the program keeps running.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError(f"process {self.pid} still running after {timeout} s")
            self._wait_step(remaining)
        self._drain()
        assert self.returncode is not None
        return self.returncode

    def _wait_step(self, remaining: float | None) -> None:
        poller = select.poll()
        if self._pidfd >= 0:
            poller.register(self._pidfd, select.POLLIN)
            budget = remaining
        else:
            budget = 0.01 if remaining is None else min(remaining, 0.01)
        master = self._master if self.mode == "console" and not self._eof else -1
        if master >= 0:
            poller.register(master, select.POLLIN)
        events = poller.poll(None if budget is None else budget * 1000)
        for fd, _ in events:
            if fd == master:
                self._drain_once()

    def _drain_once(self) -> bool:
        """Move what the master has now into the pending buffer; False at EOF."""
        with self._read_lock:
            if self._master < 0 or not _wait_readable(self._master, 0):
                return False
            data = read_master(self._master, _READ_SIZE)
            if not data:
                self._eof = True
            self._pending += data
            return bool(data)

    def _drain(self) -> None:
        if self.mode == "console" and not self._eof:
            while self._drain_once():
                pass

    def _set_status(self, status: int) -> None:
        try:
            self.returncode = decode_wait_status(status)
        except ValueError:
            return  # stopped or continued: not an end
        fd, self._pidfd = self._pidfd, -1
        if fd >= 0:
            os.close(fd)

    # -- closing -------------------------------------------------------------

    def close_console(self) -> None:
        """Close the PTY master now, without waiting for the program.

        This hangs up the terminal: the kernel sends SIGHUP to the program's
        foreground group and the program's reads of it fail. The program is
        reaped later by :meth:`wait`, :meth:`poll` or :meth:`close` (which then
        skips the hang-up it would have done). Output not yet read is lost.
        A no-op in other modes and when the master is closed already.
        """
        fd, self._master = self._master, -1
        if fd >= 0:
            os.close(fd)

    def close(self, timeout: float = 1.0) -> None:
        """Release the program: hang up its console and make sure it is reaped.

        Closing the master hangs up the terminal, and the kernel sends SIGHUP to
        the program's foreground group; in other modes the program's group gets
        SIGHUP from here. If it has not ended ``timeout`` seconds later, its
        process group is killed with SIGKILL. Safe to call twice.
        """
        if self._closed:
            return
        self._closed = True
        self.close_console()
        if self.poll() is None:
            if self.mode != "console":
                self._signal_own_group(signal.SIGHUP)
            try:
                self.wait(timeout)
            except TimeoutError:
                self._signal_own_group(signal.SIGKILL)
                self.wait()
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1

    def _signal_own_group(self, signum: int) -> None:
        """Signal the program's group, or the program alone if it shares ours."""
        if self.pgid != os.getpgrp():
            self.signal_group(signum)
        else:
            self.send_signal(signum)

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.returncode is None else f"returncode={self.returncode}"
        return f"<ttyctl.Process pid={self.pid} mode={self.mode} {state}>"


def _wait_readable(fd: int, timeout: float | None) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(None if timeout is None else timeout * 1000))
