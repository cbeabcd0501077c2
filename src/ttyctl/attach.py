"""Attach a terminal (or a pair of pipes) to a named console held by the server."""

from __future__ import annotations

import os
import select
import signal
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Final, final

from ._os.fdio import write_all
from ._os.pty import get_winsize
from ._os.terminal import raw_mode
from .client import Connection, connect, error_from, expect_ok
from .errors import ServerError
from .sansio.detachkey import DEFAULT_DETACH_KEY, DetachScanner
from .sansio.frames import Kind, encode, encode_json, encode_resize

__all__ = ["DEFAULT_REPLAY", "AttachResult", "attach"]

#: Bytes of scrollback replayed on attach unless asked otherwise.
DEFAULT_REPLAY: Final = 64 * 1024
_CHUNK: Final = 65536


@final
@dataclass(frozen=True, slots=True)
class AttachResult:
    """How an attach ended: the user detached, or the program ended with ``returncode``
    (negative for a signal; ``None`` when the server does not know it)."""

    detached: bool
    returncode: int | None = None


def _wake(signum: int, frame: object) -> None:
    """Only wakes the loop through the wakeup descriptor."""


def attach(
    name: str,
    *,
    stdin_fd: int | None = 0,
    stdout_fd: int = 1,
    detach_key: bytes | None = DEFAULT_DETACH_KEY,
    readonly: bool = False,
    replay: int | None = DEFAULT_REPLAY,
    directory: str | None = None,
) -> AttachResult:
    """Attach to console ``name``: replay its recent output, then relay live.

    ``replay`` bytes of scrollback are written to ``stdout_fd`` first (``None``
    for all the server keeps, 0 for none). When ``stdin_fd`` is a terminal it
    is put in raw mode and restored exactly on every way out, its size is sent
    at once and on each SIGWINCH, so the console's window follows this client.
    Typed bytes go to the program, except the ``detach_key`` sequence, which
    ends the attach with the console left running (``None``: no detach key).
    With ``readonly``, typed bytes and sizes are not sent (the detach key still
    works). If the program has ended (before or during the attach), its last
    output is written and its status returned; the console is then collected.

    Raises :class:`ServerError` when no such console exists, no server runs
    (``code`` ``nosuch``), or the server drops this client (``dropped``). Must
    run in the main thread (SIGWINCH handler).
    """
    try:
        conn = connect(directory)
    except (FileNotFoundError, ConnectionRefusedError):
        err = ServerError(f"no console named {name!r} (no server is running)")
        err.code = "nosuch"  # type: ignore[attr-defined]
        err.exit_code = 1  # type: ignore[attr-defined]
        raise err from None
    with ExitStack() as stack:
        stack.enter_context(conn)
        tty = stdin_fd if stdin_fd is not None and os.isatty(stdin_fd) else None
        req: dict[str, object] = {"name": name, "readonly": readonly, "replay": replay}
        if tty is not None and not readonly:
            size = get_winsize(tty)
            req["rows"], req["cols"] = size.rows, size.cols
        conn.send(encode_json(Kind.ATTACH, req))
        expect_ok(conn.recv())
        if tty is not None:
            stack.enter_context(raw_mode(tty))
        return _relay(conn, stdin_fd, stdout_fd, tty, detach_key, readonly)
    raise AssertionError("unreachable")  # pragma: no cover


def _relay(
    conn: Connection,
    stdin_fd: int | None,
    stdout_fd: int,
    tty: int | None,
    detach_key: bytes | None,
    readonly: bool,
) -> AttachResult:
    scanner = DetachScanner(detach_key) if detach_key else None
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    previous = signal.signal(signal.SIGWINCH, _wake)
    old_wakeup = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    try:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN)
        poller.register(wake_r, select.POLLIN)
        if stdin_fd is not None:
            poller.register(stdin_fd, select.POLLIN)
        frames = conn.pending()
        while True:
            for frame in frames:
                if frame.kind is Kind.OUTPUT:
                    write_all(stdout_fd, frame.payload)
                elif frame.kind is Kind.EXIT:
                    code = frame.json().get("returncode")
                    return AttachResult(False, code if isinstance(code, int) else None)
                elif frame.kind is Kind.ERROR:
                    raise error_from(frame.json())
            frames = []
            for fd, _ in poller.poll():
                if fd == conn.fileno():
                    frames += conn.feed(conn.sock.recv(_CHUNK))
                elif fd == stdin_fd:
                    try:
                        data = os.read(stdin_fd, _CHUNK)
                    except OSError:
                        data = b""
                    if not data:  # our terminal hung up or input ended: leave, quietly
                        poller.unregister(stdin_fd)
                        if tty is not None:
                            conn.send(encode(Kind.DETACH))
                            return AttachResult(True)
                        continue
                    found = False
                    if scanner is not None:
                        data, found = scanner.feed(data)
                    if data and not readonly:
                        conn.send(encode(Kind.INPUT, data))
                    if found:
                        conn.send(encode(Kind.DETACH))
                        return AttachResult(True)
                elif fd == wake_r:
                    os.read(wake_r, 256)
                    if tty is not None and not readonly:
                        size = get_winsize(tty)
                        conn.send(encode_resize(size.rows, size.cols))
    finally:
        signal.set_wakeup_fd(old_wakeup)
        signal.signal(signal.SIGWINCH, previous)
        os.close(wake_r)
        os.close(wake_w)
