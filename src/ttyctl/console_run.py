"""The sender side as a library call: start a program and send its console away."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from contextlib import ExitStack

from ._os.pty import Winsize
from ._os.sigforward import forwarding_signals
from .console_socket import send_console
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
        deliver_to = stack.enter_context(forwarding_signals())
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
        deliver_to(proc.signal_group)
        return proc.wait()
    raise AssertionError("unreachable")  # pragma: no cover

