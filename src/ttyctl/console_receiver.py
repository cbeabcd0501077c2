"""A console-socket receiver that serves many senders from one event loop.

One thread, one ``selectors`` loop: the listening socket, every connection
still expected to send its console (each with its own deadline, so a peer that
sends nothing stalls nobody), and whatever descriptors the holder of the
consoles registers (their masters). Every refusal is one line of log.
"""

from __future__ import annotations

import errno
import os
import selectors
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import final

from ._os.pty import Winsize
from .console_socket import (
    DEFAULT_CONSOLE_SIZE,
    PeerCred,
    check_peer,
    peer_credentials,
    prepare_master,
    pty_index,
    recv_console,
)
from .errors import ConsoleSocketError

__all__ = ["ConsoleReceiver", "ReceivedConsole", "STOP_SIGNALS"]

#: Signals that make :meth:`ConsoleReceiver.serve` return.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

_PAUSE_ON_EMFILE = 0.5


@final
@dataclass(frozen=True, slots=True)
class ReceivedConsole:
    """A console that passed every check.

    ``fd`` is the PTY master (non-blocking, close-on-exec); from the moment the
    receiver hands this value over, the handler owns it and must close it.
    ``label`` is the receiver's own name for it (``console-1``, ``console-2``...),
    ``name`` the label the sender sent, ``index`` the pts number in the sender's
    devpts instance, ``peer`` the sender's credentials, ``size`` the window size.
    """

    fd: int
    label: str
    name: str
    index: int
    peer: PeerCred
    size: Winsize


@final
class ConsoleReceiver:
    """Accept connections on ``listener`` and take one console off each.

    ``on_console`` receives every accepted console and owns its descriptor.
    ``log`` gets one line per event (a console received, a refusal, a peer
    that timed out). A peer whose uid is neither ``owner_uid`` (default: this
    process's) nor root's is refused at once; a connection gets ``timeout``
    seconds to send its message. ``onlcr`` and ``default_size`` go to
    :func:`ttyctl.console_socket.prepare_master` for each console.

    The receiver owns ``listener`` from construction and every connection it
    accepts; :meth:`close` closes them (not the consoles handed over).
    """

    def __init__(
        self,
        listener: socket.socket,
        on_console: Callable[[ReceivedConsole], None],
        *,
        log: Callable[[str], None],
        timeout: float = 30.0,
        owner_uid: int | None = None,
        onlcr: bool = True,
        default_size: Winsize | None = DEFAULT_CONSOLE_SIZE,
    ) -> None:
        self._listener = listener
        self._on_console = on_console
        self._log = log
        self._timeout = timeout
        self._owner = os.geteuid() if owner_uid is None else owner_uid
        self._onlcr = onlcr
        self._default_size = default_size
        self._selector = selectors.DefaultSelector()
        self._pending: dict[socket.socket, float] = {}
        self._count = 0
        self._stop: int | None = None
        self._accept_paused_until = 0.0
        listener.setblocking(False)
        self._selector.register(listener, selectors.EVENT_READ, self._accept)

    # -- what holders of consoles use ---------------------------------------

    def add_reader(self, fd: int, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever ``fd`` is readable (the caller owns ``fd``)."""
        self._selector.register(fd, selectors.EVENT_READ, callback)

    def remove_reader(self, fd: int) -> None:
        """Stop watching ``fd``; a descriptor not watched is ignored."""
        try:
            self._selector.unregister(fd)
        except (KeyError, ValueError):
            pass

    def stop(self, code: int = 0) -> None:
        """Make :meth:`serve` return ``code`` after the current event."""
        self._stop = code

    @property
    def count(self) -> int:
        """How many consoles were accepted so far."""
        return self._count

    # -- the loop ---------------------------------------------------------------

    def serve(self) -> int:
        """Run until :meth:`stop` is called or a stop signal comes; return the code.

        SIGTERM, SIGINT and SIGHUP return their number (the previous handlers
        are put back on the way out). Must run in the main thread.
        """
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        previous = {signum: signal.signal(signum, _wake_only) for signum in STOP_SIGNALS}
        old_wakeup = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        self._selector.register(wake_r, selectors.EVENT_READ, lambda: self._on_wake(wake_r))
        try:
            while self._stop is None:
                self._step()
            return self._stop
        finally:
            self._selector.unregister(wake_r)
            signal.set_wakeup_fd(old_wakeup)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            os.close(wake_r)
            os.close(wake_w)

    def _step(self) -> None:
        now = time.monotonic()
        deadlines = list(self._pending.values())
        if self._accept_paused_until:
            deadlines.append(self._accept_paused_until)
        timeout = max(0.0, min(deadlines) - now) if deadlines else None
        for key, _ in self._selector.select(timeout):
            if self._stop is not None:
                return
            # An earlier callback of this batch may have closed the descriptor
            # (and a new one may have reused its number): skip stale events.
            if self._selector.get_map().get(key.fd) is key:
                key.data()
        now = time.monotonic()
        for conn, deadline in list(self._pending.items()):
            if deadline <= now:
                self._reject(conn, f"sent nothing within {self._timeout:g} s")
        if self._accept_paused_until and self._accept_paused_until <= now:
            self._accept_paused_until = 0.0
            self._selector.register(self._listener, selectors.EVENT_READ, self._accept)

    def _on_wake(self, wake_r: int) -> None:
        for signum in os.read(wake_r, 256):
            if signum in STOP_SIGNALS:
                self._stop = signum

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._log(f"cannot accept now: {exc.strerror}; pausing")
                    self._selector.unregister(self._listener)
                    self._accept_paused_until = time.monotonic() + _PAUSE_ON_EMFILE
                    return
                if exc.errno in (errno.ECONNABORTED, errno.EINTR):
                    continue
                raise
            conn.setblocking(False)
            try:
                check_peer(conn, self._owner)
            except ConsoleSocketError as exc:
                self._log(f"refused connection: {exc}")
                conn.close()
                continue
            self._pending[conn] = time.monotonic() + self._timeout
            self._selector.register(conn, selectors.EVENT_READ, lambda c=conn: self._receive(c))

    def _receive(self, conn: socket.socket) -> None:
        try:
            fd, name = recv_console(conn)
        except BlockingIOError:
            return
        except (ConsoleSocketError, OSError) as exc:
            self._reject(conn, str(exc))
            return
        cred = _peer_or_unknown(conn)
        self._forget(conn)
        try:
            size = prepare_master(fd, onlcr=self._onlcr, default_size=self._default_size)
            index = pty_index(fd)
        except OSError as exc:
            os.close(fd)
            self._log(f"rejected console from {_who(cred)}: {exc.strerror or exc}")
            return
        self._count += 1
        console = ReceivedConsole(
            fd=fd, label=f"console-{self._count}", name=name, index=index, peer=cred, size=size
        )
        self._log(
            f"received {console.label} from {_who(cred)}: name {name!r}, pts {index}, "
            f"{size.rows}x{size.cols}"
        )
        self._on_console(console)

    def _reject(self, conn: socket.socket, reason: str) -> None:
        cred = _peer_or_unknown(conn)
        self._forget(conn)
        self._log(f"rejected connection from {_who(cred)}: {reason}")

    def _forget(self, conn: socket.socket) -> None:
        self._pending.pop(conn, None)
        self.remove_reader(conn.fileno())
        conn.close()

    def close(self) -> None:
        """Close the listening socket and every pending connection."""
        for conn in list(self._pending):
            self._forget(conn)
        self.remove_reader(self._listener.fileno())
        self._listener.close()
        self._selector.close()


def _wake_only(signum: int, frame: object) -> None:
    """A handler that only makes the signal wake the loop (through the wakeup fd)."""


def _peer_or_unknown(conn: socket.socket) -> PeerCred:
    try:
        return peer_credentials(conn)
    except OSError:
        return PeerCred(0, -1, -1)


def _who(cred: PeerCred) -> str:
    return f"pid {cred.pid} uid {cred.uid}"
