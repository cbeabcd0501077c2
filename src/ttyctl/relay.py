"""The relay loop between the caller's stdio and a console's PTY master."""

from __future__ import annotations

import os
import select
import signal
from collections.abc import Callable

from ._os.fdio import write_all
from ._os.pty import get_winsize, set_winsize
from ._os.sigforward import FORWARDED_SIGNALS
from .errors import ExpectTimeout
from .process import Process, read_master

__all__ = ["FORWARDED_SIGNALS", "relay"]


_CHUNK = 65536
_EOF_CHAR = b"\x04"  # VEOF at its default; sent when a piped stdin ends


def _ignore(signum: int, frame: object) -> None:
    """A handler that only makes the signal wake the loop (through the wakeup fd)."""


def relay(
    proc: Process | int,
    stdin_fd: int | None,
    stdout_fd: int,
    *,
    winsize_from: int | None = None,
    on_output: Callable[[bytes], None] | None = None,
    on_resize: Callable[[int, int], None] | None = None,
) -> int:
    """Copy ``stdin_fd`` to the console and the console to ``stdout_fd``.

    Returns the program's return code once it has ended and all of its output
    was written out. While it runs: SIGWINCH copies the size of ``winsize_from``
    (the caller's terminal) to the console; SIGTERM, SIGHUP, SIGINT and SIGQUIT
    are passed on to the program's process group. When ``stdin_fd`` is not a
    terminal and reaches its end, an end-of-file character is typed, as a user
    would press Ctrl-D. Must run in the main thread (it installs signal
    handlers, and puts back the previous ones when it returns).

    End of output: on Linux the master reads ``EIO`` once every descriptor of
    the slave is closed and everything queued has been read. If the program
    exits while another process still holds its terminal, what is queued is
    read and the relay ends with the program.

    ``proc`` may also be a bare PTY master descriptor (a console received over
    a console socket, whose program is not our child). It stays the caller's.
    Then the relay returns 0 at the end of output, and one of the forwarded
    signals ends it at once with ``-N`` instead of being passed on.
    """
    master = proc if isinstance(proc, int) else proc.fileno()
    os.set_blocking(master, False)
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    handled = (signal.SIGWINCH, *FORWARDED_SIGNALS)
    previous = {signum: signal.signal(signum, _ignore) for signum in handled}
    old_wakeup = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    pidfd = -1 if isinstance(proc, int) else os.pidfd_open(proc.pid)
    try:
        return _loop(proc, master, stdin_fd, stdout_fd, wake_r, pidfd,
                     winsize_from, on_output, on_resize)
    finally:
        signal.set_wakeup_fd(old_wakeup)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for fd in (wake_r, wake_w, pidfd):
            if fd >= 0:
                os.close(fd)


def _loop(
    proc: Process | int,
    master: int,
    stdin_fd: int | None,
    stdout_fd: int,
    wake_r: int,
    pidfd: int,
    winsize_from: int | None,
    on_output: Callable[[bytes], None] | None,
    on_resize: Callable[[int, int], None] | None,
) -> int:
    poller = select.poll()
    poller.register(master, select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    if pidfd >= 0:
        poller.register(pidfd, select.POLLIN)
    if stdin_fd is not None:
        poller.register(stdin_fd, select.POLLIN)
    stdin_is_tty = stdin_fd is not None and os.isatty(stdin_fd)
    pending_input = b""
    output_ok = True
    read = os.read
    while True:
        for fd, _ in poller.poll():
            if fd == master:
                # The hot path: one read (the line discipline hands out at
                # most 4 KiB), one write; nothing else allocated.
                try:
                    data = read_master(master, _CHUNK)  # b"" once every slave closed
                except BlockingIOError:
                    continue
                if not data:
                    return _finish(proc, master, stdout_fd, output_ok, on_output)
                if on_output is not None:
                    on_output(data)
                if output_ok:
                    output_ok = write_all(stdout_fd, data)
            elif fd == stdin_fd:
                # A signal can arrive with this input (a resize, then typing) in
                # the same wakeup: take it first, so the input meets the new size.
                code = _take_signals(proc, master, wake_r, winsize_from, on_resize)
                if code is not None:
                    return code
                try:
                    data = read(stdin_fd, _CHUNK)
                except OSError:  # the caller's terminal hung up
                    data = b""
                if not data:
                    poller.unregister(stdin_fd)
                    if not stdin_is_tty:
                        data = _EOF_CHAR
                pending_input += data
                if pending_input:
                    poller.modify(master, select.POLLIN | select.POLLOUT)
            elif fd == wake_r:
                code = _take_signals(proc, master, wake_r, winsize_from, on_resize)
                if code is not None:
                    return code
            elif fd == pidfd:
                # The program ended: take what is queued, then stop.
                return _finish(proc, master, stdout_fd, output_ok, on_output)
        if pending_input:
            try:
                written = os.write(master, pending_input)
            except BlockingIOError:
                written = 0
            pending_input = pending_input[written:]
            if not pending_input:
                poller.modify(master, select.POLLIN)


def _finish(
    proc: Process | int,
    master: int,
    stdout_fd: int,
    output_ok: bool,
    on_output: Callable[[bytes], None] | None,
) -> int:
    """The program ended: write out whatever output is still queued, reap it.

    A bare master (no process to reap) ends with 0 once nothing is queued.
    """
    if isinstance(proc, int):
        while data := read_master_nonblocking(master):
            if on_output is not None:
                on_output(data)
            if output_ok:
                output_ok = write_all(stdout_fd, data)
        return 0
    returncode = proc.wait()  # also moves what the master still holds into proc
    while True:
        try:
            data = proc.read(timeout=0)
        except ExpectTimeout:
            break  # another process still holds the terminal, silent for now
        if not data:
            break
        if on_output is not None:
            on_output(data)
        if output_ok:
            output_ok = write_all(stdout_fd, data)
    return returncode


def _take_signals(
    proc: Process | int,
    master: int,
    wake_r: int,
    winsize_from: int | None,
    on_resize: Callable[[int, int], None] | None,
) -> int | None:
    """Act on the signals queued in the wakeup pipe; a return code ends the relay."""
    try:
        signums = os.read(wake_r, 256)
    except BlockingIOError:
        return None
    for signum in signums:
        if signum == signal.SIGWINCH:
            if winsize_from is not None:
                size = get_winsize(winsize_from)
                set_winsize(master, size)
                if on_resize is not None:
                    on_resize(size.rows, size.cols)
        elif isinstance(proc, int):
            return -signum
        else:
            proc.signal_group(signum)
    return None


def read_master_nonblocking(master: int) -> bytes | None:
    """Read a non-blocking master: bytes, ``b""`` at end of file, ``None`` if empty."""
    try:
        return read_master(master, _CHUNK)
    except BlockingIOError:
        return None


