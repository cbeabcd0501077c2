"""The sender side as a library call: start a program and send its console away."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Sequence
from contextlib import ExitStack

from ._os.pty import Winsize
from .console_socket import send_console
from .process import Process
from .relay import FORWARDED_SIGNALS
from .spawn import spawn

__all__ = ["run_with_console_socket"]


def run_with_console_socket(
    argv: Sequence[str],
    socket_path: str | os.PathLike[str],
    *,
    keep: bool = False,
    winsize: Winsize | None = None,
    name: str = "/dev/ptmx",
) -> int:
    """Run ``argv`` in console mode and send its PTY master to ``socket_path``.

    What a container runtime does with ``--console-socket``: the receiver at
    ``socket_path`` gets the master (labelled ``name``) and becomes the
    console's holder. Unless ``keep``, this process closes its own copy right
    after sending, so the terminal hangs up when the receiver closes its copy;
    with ``keep`` it holds (without reading) its copy until the program ends.
    Then waits for the program and returns its return code (negative for a
    signal); meanwhile SIGTERM, SIGHUP, SIGINT and SIGQUIT are passed on to the
    program's process group, as ``ttyctl run`` does.

    The connection is made before the program starts: a receiver that is not
    there raises :class:`OSError` naming ``socket_path`` and nothing is left
    running. Spawn errors propagate as from :func:`ttyctl.spawn`. If sending
    fails, the program is hung up and reaped before the error propagates.
    """
    path = os.fspath(socket_path)
    with ExitStack() as stack:
        sock = stack.enter_context(
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        )
        try:
            sock.connect(path)
        except OSError as exc:
            raise type(exc)(exc.errno, exc.strerror, path) from None
        proc = stack.enter_context(spawn(argv, winsize=winsize))
        master = proc.take_master()
        try:
            send_console(sock, master, name)
        except BaseException:
            os.close(master)
            raise
        sock.close()
        if keep:
            stack.callback(os.close, master)
        else:
            os.close(master)
        _forward_signals(proc, stack)
        return proc.wait()
    raise AssertionError("unreachable")  # pragma: no cover


def _forward_signals(proc: Process, stack: ExitStack) -> None:
    """Until ``stack`` closes, pass TERM, HUP, INT and QUIT on to the program's group.

    As ``ttyctl run`` does: the program decides what they mean, and its status
    is reported. Only the main thread can handle signals; elsewhere nothing is
    installed.
    """

    def forward(signum: int, frame: object) -> None:
        proc.signal_group(signum)

    for signum in FORWARDED_SIGNALS:
        try:
            previous = signal.signal(signum, forward)
        except ValueError:  # not the main thread
            return
        stack.callback(signal.signal, signum, previous)
