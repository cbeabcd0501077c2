"""Talk to the per-user console server: start it on demand, send one request.

Every function opens one connection, sends one request and reads the reply.
Errors the server reports come back as :class:`ServerError` carrying ``code``
(``nosuch``, ``exists``, ``running``, ``exited``, ``spawn``...) and, for a
program that could not start, the ``OSError`` the server got in ``oserror``.
"""

from __future__ import annotations

import os
import select
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, final

from ._os.unixsock import connect_private, ensure_private_dir, send_with_fds, socket_dir
from .errors import ProtocolError, ServerError
from .sansio.frames import Frame, FrameDecoder, Kind, encode_json

__all__ = [
    "ConsoleInfo",
    "Connection",
    "adopt_console",
    "connect",
    "kill_console",
    "list_consoles",
    "new_console",
    "remove_console",
    "server_paths",
]

#: How long ``new`` waits for a server it started to listen.
START_TIMEOUT: Final = 10.0


@final
@dataclass(frozen=True, slots=True)
class ConsoleInfo:
    """What the server says about one console."""

    name: str
    pid: int | None
    argv: list[str]
    started: float
    clients: int
    running: bool
    returncode: int | None
    adopted: bool

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ConsoleInfo:
        """Build from the server's JSON; :class:`ProtocolError` if fields are missing."""
        try:
            return cls(str(obj["name"]), obj["pid"], list(obj["argv"]), float(obj["started"]),
                       int(obj["clients"]), bool(obj["running"]), obj["returncode"],
                       bool(obj.get("adopted", False)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"malformed console description: {exc}") from None


def server_paths(directory: str | None = None) -> tuple[str, str]:
    """``(directory, socket path)`` of this user's server."""
    d = directory or socket_dir()
    return d, os.path.join(d, "server.sock")


@final
class Connection:
    """One blocking connection to the server.

    Owns its socket; :meth:`close` (or ``with``) closes it. :meth:`recv`
    returns frames as they come; :class:`ServerError` when the server hangs up.
    """

    __slots__ = ("_decoder", "_frames", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._decoder = FrameDecoder()
        self._frames: list[Frame] = []

    def fileno(self) -> int:
        """The socket, for ``poll``."""
        return self.sock.fileno()

    @property
    def server_pid(self) -> int:
        """The server's pid, as the kernel recorded it (``SO_PEERCRED``)."""
        from ._os.unixsock import peer_cred

        return peer_cred(self.sock).pid

    def send(self, data: bytes, fds: Sequence[int] = ()) -> None:
        """Send encoded frames (descriptors ride with the first byte)."""
        send_with_fds(self.sock, data, fds)

    def recv(self) -> Frame:
        """The next frame; blocks. Raises :class:`ServerError` at end of stream."""
        while not self._frames:
            self._frames.extend(self.feed(self.sock.recv(65536)))
        return self._frames.pop(0)

    def feed(self, data: bytes) -> list[Frame]:
        """Decode bytes read from the socket by the caller; EOF raises."""
        if not data:
            raise ServerError("the server closed the connection")
        return self._decoder.feed(data)

    def pending(self) -> list[Frame]:
        """Frames decoded by :meth:`recv` but not returned yet."""
        frames, self._frames = self._frames, []
        return frames

    def request(self, kind: Kind, obj: dict[str, Any], fds: Sequence[int] = ()) -> dict[str, Any]:
        """Send one request and return the OK reply's JSON (raising ERROR replies)."""
        self.send(encode_json(kind, obj), fds)
        return expect_ok(self.recv())

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def expect_ok(frame: Frame) -> dict[str, Any]:
    """The JSON of an OK frame; an ERROR frame raises :class:`ServerError`."""
    if frame.kind is Kind.OK:
        return frame.json()
    if frame.kind is Kind.ERROR:
        raise error_from(frame.json())
    raise ProtocolError(f"expected a reply, got a {frame.kind.name} frame")


def error_from(details: dict[str, Any]) -> ServerError:
    """The :class:`ServerError` for an ERROR frame's JSON."""
    err = ServerError(str(details.get("message", "the server refused the request")))
    err.code = str(details.get("code", "error"))  # type: ignore[attr-defined]
    err.exit_code = 1 if err.code in ("nosuch", "exists", "running", "exited") else 125  # type: ignore[attr-defined]
    if isinstance(details.get("errno"), int):
        err.oserror = OSError(details["errno"], details.get("strerror"),  # type: ignore[attr-defined]
                              details.get("filename"))
    return err


def connect(directory: str | None = None, *, start: bool = False) -> Connection:
    """Connect to this user's server, starting it first if ``start`` and none runs.

    Without ``start``, raises :class:`FileNotFoundError` or
    :class:`ConnectionRefusedError` when no server runs. A server that was killed
    leaves a stale socket behind: with ``start`` a new server replaces it.
    """
    d, path = server_paths(directory)
    try:
        ensure_private_dir(d, create=start)
        return Connection(connect_private(path))
    except (FileNotFoundError, ConnectionRefusedError):
        if not start:
            raise
    _start_server(d)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            return Connection(connect_private(path))
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                raise ServerError(f"the server did not start; see {d}/server.log") from None
            time.sleep(0.01)  # another starter won the lock and is binding


def _start_server(directory: str) -> None:
    """Start a detached server and wait until it listens (or gives way to another)."""
    from .spawn import spawn

    log = os.open(os.path.join(directory, "server.log"),
                  os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    ready_r, ready_w = os.pipe2(os.O_CLOEXEC)
    try:
        env = dict(os.environ)
        env["TTYCTL_DIR"] = directory
        proc = spawn([sys.executable, "-m", "ttyctl", "server", "--ready-fd", str(ready_w)],
                     mode="detached", stdout=log, stderr=log, pass_fds=[ready_w], env=env,
                     cwd="/")
        os.close(ready_w)
        ready_w = -1
        poller = select.poll()
        poller.register(ready_r, select.POLLIN)
        poller.poll(START_TIMEOUT * 1000)  # "ready" or EOF (it gave way, or died)
    finally:
        os.close(log)
        os.close(ready_r)
        if ready_w >= 0:
            os.close(ready_w)
    # The server stays a child of this short-lived client: reap it if it died
    # already, otherwise leave it to init when this process exits.
    proc.poll()


def new_console(
    name: str,
    argv: Sequence[str],
    *,
    directory: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    rows: int = 24,
    cols: int = 80,
    scrollback: int | None = None,
    record_fd: int | None = None,
) -> int:
    """Start ``argv`` in a new console named ``name``; return the program's pid.

    Starts the server if none runs. ``env`` and ``cwd`` default to the caller's.
    ``record_fd`` (kept by the caller, who closes it) is sent to the server,
    which records the console to it in asciicast v2. A program that cannot start
    raises :class:`ServerError` with ``oserror`` set.
    """
    req: dict[str, Any] = {
        "name": name, "argv": list(argv), "env": dict(os.environ if env is None else env),
        "cwd": os.getcwd() if cwd is None else cwd, "rows": rows, "cols": cols,
        "record": record_fd is not None,
    }
    if scrollback is not None:
        req["scrollback"] = scrollback
    with connect(directory, start=True) as conn:
        reply = conn.request(Kind.NEW, req, [] if record_fd is None else [record_fd])
    return int(reply["pid"])


def list_consoles(directory: str | None = None) -> list[ConsoleInfo]:
    """Every console the server holds, running or exited; ``[]`` if no server runs."""
    try:
        conn = connect(directory)
    except (FileNotFoundError, ConnectionRefusedError):
        return []
    with conn:
        reply = conn.request(Kind.LIST, {})
    consoles = reply.get("consoles")
    if not isinstance(consoles, list):
        raise ProtocolError("malformed LIST reply")
    return [ConsoleInfo.from_json(c) for c in consoles]


def _no_server(name: str) -> ServerError:
    err = ServerError(f"no console named {name!r} (no server is running)")
    err.code = "nosuch"  # type: ignore[attr-defined]
    err.exit_code = 1  # type: ignore[attr-defined]
    return err


def _simple(kind: Kind, req: dict[str, Any], directory: str | None) -> dict[str, Any]:
    try:
        conn = connect(directory)
    except (FileNotFoundError, ConnectionRefusedError):
        raise _no_server(str(req.get("name"))) from None
    with conn:
        return conn.request(kind, req)


def kill_console(name: str, signum: int, *, directory: str | None = None) -> None:
    """Send ``signum`` to the console's program (its process group)."""
    _simple(Kind.KILL, {"name": name, "signal": int(signum)}, directory)


def remove_console(name: str, *, force: bool = False, directory: str | None = None) -> None:
    """Forget an exited console; with ``force``, hang up a running one first."""
    _simple(Kind.REMOVE, {"name": name, "force": force}, directory)


def adopt_console(
    name: str,
    master: int,
    *,
    pid: int | None = None,
    argv: Sequence[str] = (),
    winsize: tuple[int, int] | None = None,
    record_fd: int | None = None,
    directory: str | None = None,
    start: bool = True,
) -> None:
    """Hand an existing PTY ``master`` to the server as console ``name``.

    The descriptor is sent over ``SCM_RIGHTS``; the caller still owns its own
    copy and should close it (the terminal stays up while the server holds it).
    With ``pid``, the console ends when that process ends (its exit status is
    unknown to the server unless it is the server's child, so it shows none);
    without, it ends when every slave descriptor is closed. This is how
    ``ttyctl recvtty --mode hold`` hands runc consoles over.
    """
    req: dict[str, Any] = {"name": name, "pid": pid, "argv": list(argv)}
    if winsize is not None:
        req["rows"], req["cols"] = winsize
    fds = [master] if record_fd is None else [master, record_fd]
    with connect(directory, start=start) as conn:
        conn.request(Kind.ADOPT, req, fds)
