"""``ttyctl run`` as a library call: a program on a new console, relayed to stdio."""

from __future__ import annotations

import os
import termios
from collections.abc import Callable, Sequence
from contextlib import ExitStack

from ._os.pty import Winsize, get_winsize
from ._os.terminal import raw_mode
from .process import Process
from .relay import relay
from .spawn import spawn

__all__ = ["run_console", "run_detached", "run_on_terminal"]


def run_console(
    argv: Sequence[str],
    *,
    stdin_fd: int = 0,
    stdout_fd: int = 1,
    winsize: Winsize | None = None,
    on_start: Callable[[Process], None] | None = None,
    on_output: Callable[[bytes], None] | None = None,
    on_resize: Callable[[int, int], None] | None = None,
) -> int:
    """Run ``argv`` in console mode with the caller's stdio as its terminal.

    When ``stdin_fd`` is a terminal, its termios and size are copied to the new
    PTY (as ``script`` does), it is put in raw mode for the run and restored
    exactly afterwards, and its size changes follow to the PTY. Otherwise the
    PTY gets ``winsize`` (default: the size of ``stdout_fd`` if it is a terminal,
    else 24x80) and input is relayed as it comes. Returns the program's return
    code (negative for a signal). Spawn errors propagate as from :func:`spawn`.
    """
    outer = stdin_fd if os.isatty(stdin_fd) else None
    attrs = None
    if outer is not None:
        attrs = termios.tcgetattr(outer)
        size = winsize or get_winsize(outer)
    elif winsize is not None:
        size = winsize
    elif os.isatty(stdout_fd):
        size = get_winsize(stdout_fd)
    else:
        size = Winsize(24, 80)
    with ExitStack() as stack:
        proc = stack.enter_context(spawn(argv, winsize=size, termios_attrs=attrs))
        if on_start is not None:
            on_start(proc)
        if outer is not None:
            stack.enter_context(raw_mode(outer))
        return relay(
            proc,
            stdin_fd,
            stdout_fd,
            winsize_from=outer,
            on_output=on_output,
            on_resize=on_resize,
        )
    raise AssertionError("unreachable")  # pragma: no cover


def run_detached(
    argv: Sequence[str], *, stdout: str | None = None, stderr: str | None = None
) -> int:
    """Start ``argv`` in a session of its own with no ctty; return its pid.

    Its stdin is /dev/null; stdout and stderr go to the named files (appended,
    created 0644) or /dev/null. The caller does not wait for it.
    """
    with ExitStack() as stack:
        files: list[int | None] = []
        for path in (stdout, stderr):
            if path is None:
                files.append(None)
                continue
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW
            fd = os.open(path, flags, 0o644)  # a planted symlink is refused (ELOOP)
            stack.callback(os.close, fd)
            files.append(fd)
        proc = spawn(argv, mode="detached", stdout=files[0], stderr=files[1])
        return proc.pid


def run_on_terminal(argv: Sequence[str], device: str, *, sysfs: str = "/sys") -> int:
    """Run ``argv`` in a new session whose ctty and stdio are ``device``; wait for it.

    The existing-terminal mode, for a caller with no ctty (an init script).
    ``device`` ``"console"`` stands for the device behind /dev/console, read
    from ``SYSFS/class/tty/console/active`` as busybox ``cttyhack`` does.
    SIGTERM, SIGHUP, SIGINT and SIGQUIT sent to the caller are passed on to
    the program. Returns its return code (negative for a signal). Raises as
    :func:`spawn` in the ``"terminal"`` mode.
    """
    if device == "console":
        from ._os.ctty import resolve_console

        device = resolve_console(sysfs)
    from ._os.sigforward import forwarding_signals

    with forwarding_signals() as deliver_to:
        proc = spawn(argv, mode="terminal", tty=device)

        def send(signum: int) -> None:
            # Not proc.send_signal: this may interrupt proc.wait() holding its lock.
            if proc.returncode is None:
                try:
                    os.kill(proc.pid, signum)
                except ProcessLookupError:
                    pass

        with proc:
            deliver_to(send)
            return proc.wait()
