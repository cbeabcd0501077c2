"""``recvtty --mode hold``: keep received consoles in this process for later attach.

A stand-in until received consoles join the named-console server (DESIGN.md
section 4). The receiver reads every held console into a buffer of its
recent output (so no program blocks on a full terminal) and answers on a
control socket beside the console socket (``SOCKET.ctl``, 0600, peer uid
checked). One request per connection, one line:

- ``LIST\\n``: one line per console, ``LABEL STATE pts=N size=RxC peer=PID``,
  then the receiver closes the connection.
- ``ATTACH LABEL\\n``: the reply is one message ``OK\\n`` carrying the master
  (``SCM_RIGHTS``, as a console socket does) followed by the buffered output;
  the receiver then shuts its side for writing. The attached client reads
  and writes the master itself; the receiver stops reading it until the
  client closes the connection (its end, a crash or a detach all look alike).
  ``ERR reason\\n`` and no descriptor when that cannot be.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from .console_receiver import ConsoleReceiver, ReceivedConsole
from .console_socket import check_peer, send_console
from .errors import ConsoleSocketError, ServerError
from .process import read_master
from .sansio.console_msg import check_console_message, received_fds

__all__ = ["REPLAY_BYTES", "attach_held", "control_path", "list_held", "serve_hold"]

#: How much recent output a held console keeps for the next attach.
REPLAY_BYTES = 65536
_CHUNK = 65536
_MAX_REQUEST = 1024
_MAX_REQUESTS = 64


def control_path(socket_path: str | os.PathLike[str]) -> str:
    """The control socket of the hold-mode receiver listening at ``socket_path``."""
    return os.fspath(socket_path) + ".ctl"


@dataclass(slots=True)
class _Held:
    console: ReceivedConsole
    recent: bytearray = field(default_factory=bytearray)
    client: socket.socket | None = None
    ended: bool = False

    @property
    def state(self) -> str:
        if self.ended:
            return "ended"
        return "attached" if self.client is not None else "detached"


def serve_hold(
    listener: socket.socket,
    control: socket.socket,
    *,
    log: Callable[[str], None],
    timeout: float = 30.0,
) -> int:
    """Hold every console received on ``listener``; serve ``control`` requests.

    Owns both listening sockets. Runs until a stop signal and returns its
    number; the consoles still held are closed then (which hangs them up).
    """
    held: dict[str, _Held] = {}

    def on_console(console: ReceivedConsole) -> None:
        entry = _Held(console)
        held[console.label] = entry
        receiver.add_reader(console.fd, lambda: read_console(entry))

    def read_console(entry: _Held) -> None:
        try:
            data = read_master(entry.console.fd, _CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            entry.recent += data
            del entry.recent[:-REPLAY_BYTES]
            return
        log(f"{entry.console.label} ended")
        receiver.remove_reader(entry.console.fd)
        entry.ended = True
        os.close(entry.console.fd)

    requests: set[socket.socket] = set()

    def on_control() -> None:
        try:
            conn, _ = control.accept()
        except OSError:
            return
        try:
            check_peer(conn)
        except (ConsoleSocketError, OSError) as exc:
            log(f"control: refused: {exc}")
            conn.close()
            return
        if len(requests) >= _MAX_REQUESTS:
            log("control: too many requests waiting; refused one")
            conn.close()
            return
        conn.setblocking(False)
        requests.add(conn)
        receiver.add_reader(conn.fileno(), lambda: on_request(conn))

    def on_request(conn: socket.socket) -> None:
        try:
            request = conn.recv(_MAX_REQUEST)
        except BlockingIOError:
            return
        except OSError:
            request = b""
        receiver.remove_reader(conn.fileno())
        requests.discard(conn)
        conn.setblocking(True)
        words = request.decode("utf-8", "replace").split()
        if words == ["LIST"]:
            lines = "".join(_list_line(entry) for entry in held.values())
            _reply(conn, lines.encode())
        elif len(words) == 2 and words[0] == "ATTACH":
            attach(conn, words[1])
        else:
            _reply(conn, b"ERR unknown request\n")

    def attach(conn: socket.socket, label: str) -> None:
        entry = held.get(label)
        if entry is None or entry.ended or entry.client is not None:
            why = "no such console" if entry is None else f"console is {entry.state}"
            _reply(conn, f"ERR {label}: {why}\n".encode())
            return
        try:
            send_console(conn, entry.console.fd, "OK\n")
            conn.sendall(bytes(entry.recent))
            conn.shutdown(socket.SHUT_WR)
        except OSError as exc:
            log(f"control: attach {label} failed: {exc}")
            conn.close()
            return
        receiver.remove_reader(entry.console.fd)
        entry.client = conn
        conn.setblocking(False)
        receiver.add_reader(conn.fileno(), lambda: detach(entry))
        log(f"{label} attached")

    def detach(entry: _Held) -> None:
        conn = entry.client
        assert conn is not None
        try:
            if conn.recv(_MAX_REQUEST):
                return  # nothing is expected; ignore it
        except BlockingIOError:
            return
        except OSError:
            pass
        receiver.remove_reader(conn.fileno())
        conn.close()
        entry.client = None
        log(f"{entry.console.label} detached")
        receiver.add_reader(entry.console.fd, lambda: read_console(entry))

    receiver = ConsoleReceiver(listener, on_console, log=log, timeout=timeout)
    control.setblocking(False)
    receiver.add_reader(control.fileno(), on_control)
    try:
        return receiver.serve()
    finally:
        receiver.remove_reader(control.fileno())
        control.close()
        for conn in requests:
            conn.close()
        receiver.close()
        for entry in held.values():
            if entry.client is not None:
                entry.client.close()
            if not entry.ended:
                os.close(entry.console.fd)


def _list_line(entry: _Held) -> str:
    c = entry.console
    return (
        f"{c.label} {entry.state} pts={c.index} size={c.size.rows}x{c.size.cols} "
        f"peer={c.peer.pid}\n"
    )


def _reply(conn: socket.socket, data: bytes) -> None:
    try:
        conn.sendall(data)
    except OSError:
        pass
    conn.close()


def _request(path: str, line: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.connect(path)
        sock.sendall(line.encode())
    except OSError as exc:
        sock.close()
        raise ServerError(f"{path}: no hold-mode receiver answers ({exc.strerror})") from None
    return sock


def list_held(path: str) -> list[str]:
    """The lines of the ``LIST`` answer of the receiver whose control socket is ``path``.

    Raises :class:`ServerError` when nobody answers there.
    """
    with _request(path, "LIST\n") as sock:
        data = bytearray()
        while chunk := sock.recv(_CHUNK):
            data += chunk
    text = data.decode("utf-8", "replace")
    if text.startswith("ERR "):
        raise ServerError(text[4:].strip())
    return text.splitlines()


def attach_held(path: str, label: str, *, stdin_fd: int | None = 0, stdout_fd: int = 1) -> int:
    """Attach this terminal to the held console ``label``; return when it ends.

    Writes the console's recent output, then relays as
    :func:`ttyctl.recvtty.attach_master` does (raw mode, window size, restore).
    Returns 0 when the console ended, ``-N`` when signal N ended the attach
    (the console stays held). Raises :class:`ServerError` when the receiver
    refuses or is not there.
    """
    from .recvtty import attach_master

    with _request(path, f"ATTACH {label}\n") as sock:
        payload, ancdata, flags, _ = sock.recvmsg(
            4096, socket.CMSG_SPACE(4 * 4), socket.MSG_CMSG_CLOEXEC
        )
        fds = received_fds(ancdata)
        try:
            if payload.startswith(b"ERR "):
                raise ServerError(payload[4:].decode("utf-8", "replace").strip())
            if not payload.startswith(b"OK\n"):
                raise ServerError(f"unexpected answer {payload[:40]!r}")
            _, master = check_console_message(b"OK", ancdata, flags)
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        try:
            replay = bytearray(payload[3:])
            while chunk := sock.recv(_CHUNK):
                replay += chunk
            return attach_master(master, stdin_fd, stdout_fd, bytes(replay))
        finally:
            os.close(master)
    raise AssertionError("unreachable")  # pragma: no cover
