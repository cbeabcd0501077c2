"""The per-user server that holds named consoles (DESIGN.md section 4).

One process, one event loop (``selectors``: epoll on Linux), no thread per
console. It holds the PTY master of every console, keeps each console's recent
output in a bounded scrollback, fans live output out to the attached clients,
and keeps the exit status of a program that ended until a client collects it.

Files in the socket directory (see :func:`ttyctl._os.unixsock.socket_dir`):
``server.sock`` (0600), ``server.lock`` (held with ``flock`` while a server
runs, so two servers never race for the socket), ``server.pid`` and, when the
server was started on demand, ``server.log``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import resource
import selectors
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, Final, final

from ._console import Client, Console
from ._os.pty import Winsize, set_winsize
from ._os.unixsock import (
    MAX_FDS,
    bind_private,
    ensure_private_dir,
    peer_cred,
    recv_with_fds,
    socket_dir,
)
from .errors import ProtocolError, ServerError, TtyctlError
from .process import read_master
from .recording import Recorder
from .sansio.consolename import check_name
from .sansio.frames import MAX_PAYLOAD, Frame, Kind, encode, encode_json
from .sansio.scrollback import Scrollback

__all__ = [
    "DEFAULT_CLIENT_BUFFER",
    "DEFAULT_SCROLLBACK",
    "Server",
    "serve",
]

#: Bytes of recent output each console keeps for a replay.
DEFAULT_SCROLLBACK: Final = 64 * 1024
#: Bytes queued for one client before the server drops it.
DEFAULT_CLIENT_BUFFER: Final = 1024 * 1024
#: Typed input queued for one console whose program does not read it.
MAX_PENDING_INPUT: Final = 64 * 1024
#: Seconds a dropped client has to read the message saying why.
DROP_GRACE: Final = 10.0
_CHUNK: Final = 65536
_SIGNALS: Final = (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class _RequestError(Exception):
    """A request failed; the client gets an ERROR frame with these details."""

    def __init__(self, message: str, code: str = "error", **extra: Any) -> None:
        super().__init__(message)
        self.details: dict[str, Any] = {"message": message, "code": code, **extra}


def _wake(signum: int, frame: object) -> None:
    """Signal handler that only makes the signal reach the wakeup descriptor."""


@final
class Server:
    """The console server bound to ``directory``.

    :meth:`serve_forever` returns after SIGTERM, SIGINT or SIGHUP: every console
    still running is hung up (its master closed, so the kernel sends SIGHUP to
    its foreground group) and the socket file is removed. Must run in the main
    thread (it installs signal handlers).

    Raises :class:`ServerError` from the constructor when the directory is not
    private or another server holds the lock (``already_running`` is then True).
    """

    def __init__(
        self,
        directory: str | None = None,
        *,
        scrollback: int = DEFAULT_SCROLLBACK,
        client_buffer: int = DEFAULT_CLIENT_BUFFER,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = directory or socket_dir()
        self.scrollback = scrollback
        self.client_buffer = client_buffer
        self._log_fn = log
        self.consoles: dict[str, Console] = {}
        self._hung_up: list[Console] = []
        self._dropping: list[tuple[float, Client]] = []
        self._stopping = False
        ensure_private_dir(self.directory)
        self.path = os.path.join(self.directory, "server.sock")
        lock_path = os.path.join(self.directory, "server.lock")
        self._lock = os.open(
            lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600
        )
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            err = ServerError(f"a server already runs in {self.directory}")
            err.already_running = True  # type: ignore[attr-defined]
            raise err from None
        try:
            self._listener = bind_private(self.path)
            self._inode = os.lstat(self.path).st_ino
            pid_path = os.path.join(self.directory, "server.pid")
            fd = os.open(pid_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
                         | os.O_NOFOLLOW, 0o600)
            os.write(fd, f"{os.getpid()}\n".encode())
            os.close(fd)
        except BaseException:
            os.close(self._lock)
            raise
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, self._on_accept)
        _raise_fd_limit()

    # -- the loop --------------------------------------------------------------

    def log(self, message: str) -> None:
        """Write a timestamped line to the log (stderr unless a logger was given)."""
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} ttyctl-server[{os.getpid()}]: {message}"
        if self._log_fn is not None:
            self._log_fn(line)
        else:
            print(line, file=sys.stderr, flush=True)

    def serve_forever(self, ready: Callable[[], None] | None = None) -> None:
        """Run until a stopping signal; ``ready`` is called once clients can connect."""
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        previous = {s: signal.signal(s, _wake) for s in _SIGNALS}
        old_wakeup = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        self._sel.register(wake_r, selectors.EVENT_READ, lambda _m: self._on_signals(wake_r))
        self.log(f"listening on {self.path}")
        if ready is not None:
            ready()
        try:
            while not self._stopping:
                timeout = self._expire_dropped() if self._dropping else None
                for key, mask in self._sel.select(timeout):
                    try:
                        key.data(mask)
                    except Exception:  # a bug must not take every console down
                        import traceback

                        self.log("internal error:\n" + traceback.format_exc())
                    if self._stopping:
                        break
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for s, handler in previous.items():
                signal.signal(s, handler)
            self._shutdown()
            os.close(wake_r)
            os.close(wake_w)

    def _on_signals(self, wake_r: int) -> None:
        try:
            signums = os.read(wake_r, 512)
        except BlockingIOError:
            return
        if signal.SIGCHLD in signums:
            self._reap()
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            if s in signums:
                self.log(f"stopping on {signal.Signals(s).name}")
                self._stopping = True

    def _shutdown(self) -> None:
        for client in list(self._clients()):
            self._close_client(client)
        for console in self.consoles.values():
            self._release(console)
        try:
            if os.lstat(self.path).st_ino == self._inode:
                os.unlink(self.path)
                os.unlink(os.path.join(self.directory, "server.pid"))
        except FileNotFoundError:
            pass
        self._sel.unregister(self._listener)
        self._listener.close()
        self._sel.close()
        os.close(self._lock)
        self.log("stopped")

    def _clients(self) -> list[Client]:
        return [h.client for h in self._handlers()]

    def _handlers(self) -> list[_ClientHandler]:
        out = []
        for key in self._sel.get_map().values():
            owner = getattr(key.data, "__self__", None)
            if isinstance(owner, _ClientHandler):
                out.append(owner)
        return out

    # -- clients ----------------------------------------------------------------

    def _on_accept(self, _mask: int) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as exc:  # EMFILE and friends: keep serving the others
                self.log(f"accept failed: {exc}")
                return
            sock.setblocking(False)
            cred = peer_cred(sock)
            if cred.uid != os.getuid():
                self.log(f"refused a connection from pid {cred.pid} uid {cred.uid}")
                try:
                    sock.send(encode_json(Kind.ERROR, {
                        "message": "permission denied: this server belongs to another user",
                        "code": "denied"}))
                except OSError:
                    pass
                sock.close()
                continue
            handler = _ClientHandler(self, Client(sock, cred.uid))
            self._sel.register(sock, selectors.EVENT_READ, handler.on_event)

    def _on_client_readable(self, client: Client) -> None:
        try:
            data, fds = recv_with_fds(client.sock, _CHUNK)
        except BlockingIOError:
            return
        except (OSError, ServerError) as exc:
            self._close_client(client)
            if not isinstance(exc, ConnectionResetError):
                self.log(f"client read failed: {exc}")
            return
        client.fds.extend(fds)
        if len(client.fds) > MAX_FDS:
            self._reject(client, "too many descriptors")
            return
        if not data:
            self._close_client(client)
            return
        try:
            frames = client.decoder.feed(data)
        except ProtocolError as exc:
            self._reject(client, str(exc))
            return
        for frame in frames:
            if client.closed or client.closing:
                return
            try:
                self._on_frame(client, frame)
            except ProtocolError as exc:
                self._reject(client, str(exc))
                return
            except _RequestError as exc:
                client.close_fds()
                self._reply(client, Kind.ERROR, exc.details, last=True)

    def _reject(self, client: Client, reason: str) -> None:
        """A peer broke the protocol: tell it why (best effort) and hang up."""
        self.log(f"protocol error from a client: {reason}")
        client.close_fds()
        self._reply(client, Kind.ERROR, {"message": f"protocol error: {reason}",
                                          "code": "protocol"}, last=True)

    def _reply(self, client: Client, kind: Kind, obj: dict[str, Any], last: bool) -> None:
        self._queue(client, encode_json(kind, obj))
        if last:
            self._finish_client(client)

    def _finish_client(self, client: Client) -> None:
        """Close ``client`` once what is queued for it was sent."""
        client.closing = True
        if client.console is not None:
            self._detach(client)
        if not client.out:
            self._close_client(client)

    def _queue(self, client: Client, frame: bytes) -> None:
        if client.closed:
            return
        was_empty = not client.out
        client.out.append(frame)
        client.queued += len(frame)
        if client.queued > self.client_buffer:
            self._drop_slow(client)
        elif was_empty:
            self._flush(client)

    def _flush(self, client: Client) -> None:
        out = client.out
        while out:
            head = out[0]
            try:
                sent = client.sock.send(memoryview(head)[client.offset:])
            except BlockingIOError:
                break
            except OSError:
                self._close_client(client)
                return
            client.offset += sent
            client.queued -= sent
            if client.offset == len(head):
                out.popleft()
                client.offset = 0
        if out and not client.writing:
            client.writing = True
            self._sel.modify(client.sock, selectors.EVENT_READ | selectors.EVENT_WRITE,
                             self._sel.get_key(client.sock).data)
        elif not out:
            if client.writing:
                client.writing = False
                self._sel.modify(client.sock, selectors.EVENT_READ,
                                 self._sel.get_key(client.sock).data)
            if client.closing:
                self._close_client(client)

    def _drop_slow(self, client: Client) -> None:
        """A client stopped reading: keep the rest of the frame it is in the middle
        of, drop everything after, queue a message saying why, and close it once
        that is sent or :data:`DROP_GRACE` seconds passed, whichever comes first."""
        name = client.console.name if client.console is not None else "?"
        self.log(f"dropped a client of {name!r}: more than {self.client_buffer} bytes unread")
        if client.console is not None:
            self._detach(client)
        head = client.out[0] if client.offset else None
        client.out.clear()
        if head is not None:
            client.out.append(head)
        client.out.append(encode_json(Kind.ERROR, {
            "message": f"dropped by the server: this client fell more than "
                       f"{self.client_buffer} bytes behind", "code": "dropped"}))
        client.queued = sum(len(f) for f in client.out) - client.offset
        client.closing = True
        self._dropping.append((time.monotonic() + DROP_GRACE, client))
        self._flush(client)

    def _expire_dropped(self) -> float | None:
        """Close dropped clients past their grace; the seconds to the next deadline."""
        now = time.monotonic()
        nearest = None
        for item in list(self._dropping):
            deadline, client = item
            if client.closed or deadline <= now:
                self._close_client(client)
                self._dropping.remove(item)
            else:
                nearest = deadline - now if nearest is None else min(nearest, deadline - now)
        return nearest

    def _close_client(self, client: Client) -> None:
        if client.closed:
            return
        client.closed = True
        if client.console is not None:
            self._detach(client)
        client.out.clear()
        client.close_fds()
        try:
            self._sel.unregister(client.sock)
        except (KeyError, ValueError):
            pass
        client.sock.close()

    def _detach(self, client: Client) -> None:
        console, client.console = client.console, None
        if console is not None and client in console.clients:
            console.clients.remove(client)

    # -- requests ---------------------------------------------------------------

    def _on_frame(self, client: Client, frame: Frame) -> None:
        if client.console is not None:
            self._on_attached_frame(client, client.console, frame)
            return
        if client.answered:
            raise ProtocolError(f"unexpected {frame.kind.name} frame after the request")
        client.answered = True
        handlers: dict[Kind, Callable[[Client, dict[str, Any]], None]] = {
            Kind.NEW: self._req_new,
            Kind.ATTACH: self._req_attach,
            Kind.LIST: self._req_list,
            Kind.KILL: self._req_kill,
            Kind.REMOVE: self._req_remove,
            Kind.ADOPT: self._req_adopt,
        }
        handler = handlers.get(frame.kind)
        if handler is None:
            raise ProtocolError(f"a {frame.kind.name} frame is not a request")
        handler(client, frame.json())

    def _on_attached_frame(self, client: Client, console: Console, frame: Frame) -> None:
        if frame.kind is Kind.INPUT:
            if not client.readonly and console.running and console.master >= 0:
                self._write_input(console, frame.payload)
        elif frame.kind is Kind.RESIZE:
            rows, cols = frame.resize()
            if not client.readonly:
                self._resize(console, rows, cols)
        elif frame.kind is Kind.DETACH:
            self._finish_client(client)
        else:
            raise ProtocolError(f"unexpected {frame.kind.name} frame while attached")

    def _console(self, name: object) -> Console:
        if not isinstance(name, str):
            raise ProtocolError("the request must name a console")
        console = self.consoles.get(name)
        if console is None:
            raise _RequestError(f"no console named {name!r}", "nosuch")
        return console

    def _req_new(self, client: Client, req: dict[str, Any]) -> None:
        from .spawn import spawn

        name = _name(req)
        argv = _str_list(req.get("argv"), "argv")
        env = req.get("env")
        if env is not None and not (
            isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str)
                                          for k, v in env.items())):
            raise ProtocolError("env must map strings to strings")
        cwd = req.get("cwd")
        if cwd is not None and not isinstance(cwd, str):
            raise ProtocolError("cwd must be a string")
        rows, cols = _size(req)
        capacity = _int(req.get("scrollback", self.scrollback), "scrollback")
        fds = client.take_fds()
        try:
            if len(fds) != (1 if req.get("record") else 0):
                raise ProtocolError("a NEW request carries one descriptor with record, else none")
            if not argv:
                raise ProtocolError("argv must name a program")
            if name in self.consoles:
                raise _RequestError(f"a console named {name!r} already exists", "exists")
            environ = dict(os.environ if env is None else env)
            environ["TTYCTL_CONSOLE"] = name
            try:
                proc = spawn(argv, env=environ, cwd=cwd, winsize=Winsize(rows, cols))
            except OSError as exc:
                raise _RequestError(
                    f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc),
                    "spawn", errno=exc.errno, filename=exc.filename,
                    strerror=exc.strerror) from None
            except TtyctlError as exc:
                raise _RequestError(str(exc), "usage") from None
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        master = proc.fileno()  # owned by the console from here on (see Console)
        console = Console(name, argv, proc.pid, master, Scrollback(capacity), proc=proc,
                          size=(rows, cols))
        if fds:
            console.recorder = self._recorder(console, fds[0])
        self._add(console)
        self.log(f"started {name!r}: pid {proc.pid}, {argv!r}")
        self._reply(client, Kind.OK, {"name": name, "pid": proc.pid}, last=True)

    def _recorder(self, console: Console, fd: int) -> Recorder:
        def warn(exc: OSError) -> None:
            self.log(f"recording of {console.name!r} stopped: {exc.strerror or exc}")

        rows, cols = console.size
        return Recorder(fd, cols, rows, console.argv, on_error=warn)

    def _req_adopt(self, client: Client, req: dict[str, Any]) -> None:
        fds = client.take_fds()
        try:
            name = _name(req)
            if len(fds) not in (1, 2):
                raise ProtocolError("an ADOPT request carries the master (and a recording)")
            if name in self.consoles:
                raise _RequestError(f"a console named {name!r} already exists", "exists")
            if not os.isatty(fds[0]):
                raise _RequestError("the descriptor sent is not a terminal", "notatty")
            pid = req.get("pid")
            if pid is not None and (not isinstance(pid, int) or pid <= 0):
                raise ProtocolError("pid must be a positive integer or null")
            argv = _str_list(req.get("argv", []), "argv")
            capacity = _int(req.get("scrollback", self.scrollback), "scrollback")
            pidfd = -1
            if pid is not None:
                try:
                    pidfd = os.pidfd_open(pid)
                except OSError as exc:
                    raise _RequestError(f"no process {pid}: {exc.strerror}", "nosuchpid") from None
            size = _size(req) if "rows" in req else (24, 80)
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        master = fds[0]
        if "rows" in req:
            set_winsize(master, Winsize(*size))
        console = Console(name, argv, pid, master, Scrollback(capacity), pidfd=pidfd, size=size)
        if len(fds) == 2:
            console.recorder = self._recorder(console, fds[1])
        self._add(console)
        self.log(f"adopted {name!r}: pid {pid}")
        self._reply(client, Kind.OK, {"name": name, "pid": pid}, last=True)

    def _add(self, console: Console) -> None:
        os.set_blocking(console.master, False)
        self.consoles[console.name] = console
        self._sel.register(console.master, selectors.EVENT_READ,
                           lambda mask: self._on_master(console, mask))
        if console.pidfd >= 0:
            self._sel.register(console.pidfd, selectors.EVENT_READ,
                               lambda _mask: self._console_ended(console, None))

    def _req_attach(self, client: Client, req: dict[str, Any]) -> None:
        console = self._console(req.get("name"))
        replay = req.get("replay")
        limit = None if replay is None else _int(replay, "replay")
        client.readonly = bool(req.get("readonly"))
        client.close_fds()
        self._queue(client, encode_json(Kind.OK, {
            "name": console.name, "pid": console.pid, "running": console.running,
            "returncode": console.returncode}))
        tail = console.scrollback.snapshot(limit)
        for i in range(0, len(tail), MAX_PAYLOAD):
            self._queue(client, encode(Kind.OUTPUT, tail[i:i + MAX_PAYLOAD]))
        if client.closed:
            return
        if not console.running:
            self._collect(console)
            self._reply(client, Kind.EXIT, {"returncode": console.returncode}, last=True)
            return
        client.console = console
        console.clients.append(client)
        if not client.readonly and "rows" in req:
            rows, cols = _size(req)
            self._resize(console, rows, cols)

    def _req_list(self, client: Client, req: dict[str, Any]) -> None:
        consoles = [c.describe() for c in self.consoles.values()]
        self._reply(client, Kind.OK, {"consoles": consoles, "pid": os.getpid()}, last=True)

    def _req_kill(self, client: Client, req: dict[str, Any]) -> None:
        console = self._console(req.get("name"))
        signum = _int(req.get("signal", signal.SIGTERM), "signal")
        if not console.running:
            raise _RequestError(f"console {console.name!r} has exited", "exited")
        if console.pid is None:
            raise _RequestError(f"console {console.name!r} has no known pid", "nopid")
        try:
            if console.proc is not None:
                os.killpg(console.pid, signum)  # the program leads its own group
            else:
                os.kill(console.pid, signum)
        except ProcessLookupError:
            pass  # ended a moment ago; SIGCHLD tells the rest
        except (OSError, ValueError) as exc:
            raise _RequestError(f"cannot send signal {signum}: {exc}", "signal") from None
        self._reply(client, Kind.OK, {"name": console.name}, last=True)

    def _req_remove(self, client: Client, req: dict[str, Any]) -> None:
        console = self._console(req.get("name"))
        if console.running:
            if not req.get("force"):
                raise _RequestError(
                    f"console {console.name!r} is still running (kill it, or rm -f to hang it up)",
                    "running")
            self._hangup(console)
        self._collect(console)
        self._reply(client, Kind.OK, {"name": console.name}, last=True)

    # -- consoles ---------------------------------------------------------------

    def _on_master(self, console: Console, mask: int) -> None:
        if console.master < 0:
            return  # closed by an earlier event of the same batch
        if mask & selectors.EVENT_READ:
            self._read_master(console)
        if mask & selectors.EVENT_WRITE and console.master >= 0:
            self._write_input(console, b"")

    def _read_master(self, console: Console) -> bool:
        try:
            data = read_master(console.master, _CHUNK)
        except BlockingIOError:
            return False
        except OSError as exc:
            self.log(f"reading {console.name!r}: {exc}")
            data = b""
        if not data:
            # Every slave descriptor is closed. A spawned program may still run
            # (it closed its terminal); its exit comes by SIGCHLD.
            self._sel.unregister(console.master)
            console.close_master()
            if console.proc is None:
                self._console_ended(console, None)
            return False
        console.scrollback.append(data)
        if console.recorder is not None:
            console.recorder.output(data)
        if console.clients:
            frame = encode(Kind.OUTPUT, data)
            for client in list(console.clients):
                self._queue(client, frame)
        return True

    def _write_input(self, console: Console, data: bytes) -> None:
        pending = console.pending_input
        room = MAX_PENDING_INPUT - len(pending)
        if len(data) > room:
            self.log(f"{console.name!r} does not read its input: {len(data) - room} bytes dropped")
            data = data[:max(room, 0)]
        pending += data
        if not pending:
            return
        try:
            written = os.write(console.master, pending)
        except BlockingIOError:
            written = 0
        except OSError:
            pending.clear()
            return
        del pending[:written]
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if pending else 0)
        key = self._sel.get_key(console.master)
        if key.events != events:
            self._sel.modify(console.master, events, key.data)

    def _resize(self, console: Console, rows: int, cols: int) -> None:
        if rows <= 0 or cols <= 0 or console.master < 0 or (rows, cols) == console.size:
            return
        try:
            set_winsize(console.master, Winsize(rows, cols))
        except OSError as exc:
            self.log(f"resizing {console.name!r}: {exc}")
            return
        console.size = (rows, cols)
        if console.recorder is not None:
            console.recorder.resize(rows, cols)

    def _reap(self) -> None:
        for console in [c for c in self.consoles.values() if c.running and c.proc is not None]:
            assert console.proc is not None
            code = console.proc.poll()
            if code is not None:
                self._console_ended(console, code)
        for console in list(self._hung_up):
            assert console.proc is not None
            if console.proc.poll() is not None:
                self._hung_up.remove(console)

    def _console_ended(self, console: Console, returncode: int | None) -> None:
        """The program ended: keep its last output and status, tell the clients."""
        if not console.running:
            return
        if console.master >= 0:
            while self._read_master(console):
                pass
        if console.master >= 0:
            self._sel.unregister(console.master)
            console.close_master()
        if console.pidfd >= 0:
            self._sel.unregister(console.pidfd)
            console.close_pidfd()
        console.running = False
        console.returncode = returncode
        console.pending_input.clear()
        if console.recorder is not None:
            console.recorder.close()
            console.recorder = None
        self.log(f"{console.name!r} ended with {returncode}")
        if console.clients:
            frame = {"returncode": returncode}
            for client in list(console.clients):
                self._reply(client, Kind.EXIT, frame, last=True)
            self._collect(console)

    def _release(self, console: Console) -> None:
        """Close a console's master (a hangup for its program), pidfd and recording."""
        if console.master >= 0:
            self._sel.unregister(console.master)
            console.close_master()
        if console.pidfd >= 0:
            self._sel.unregister(console.pidfd)
            console.close_pidfd()
        if console.recorder is not None:
            console.recorder.close()
            console.recorder = None

    def _hangup(self, console: Console) -> None:
        """Close a running console's master; its program gets SIGHUP from the kernel."""
        for client in list(console.clients):
            self._reply(client, Kind.ERROR, {"message": f"console {console.name!r} was removed",
                                              "code": "removed"}, last=True)
        self._release(console)
        console.running = False
        if console.proc is not None and console.proc.poll() is None:
            self._hung_up.append(console)  # still to be reaped

    def _collect(self, console: Console) -> None:
        if self.consoles.get(console.name) is console:
            del self.consoles[console.name]


@final
class _ClientHandler:
    """The selector callback of one client connection."""

    __slots__ = ("client", "server")

    def __init__(self, server: Server, client: Client) -> None:
        self.server = server
        self.client = client

    def on_event(self, mask: int) -> None:
        if mask & selectors.EVENT_WRITE and not self.client.closed:
            self.server._flush(self.client)
        if mask & selectors.EVENT_READ and not self.client.closed:
            self.server._on_client_readable(self.client)


def _name(req: dict[str, Any]) -> str:
    name = req.get("name")
    if not isinstance(name, str):
        raise ProtocolError("the request must name a console")
    try:
        return check_name(name)
    except ValueError as exc:
        raise _RequestError(str(exc), "usage") from None


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError(f"{what} must be a non-negative integer")
    return value


def _size(req: dict[str, Any]) -> tuple[int, int]:
    rows = _int(req.get("rows", 24), "rows")
    cols = _int(req.get("cols", 80), "cols")
    if not (0 < rows <= 0xFFFF and 0 < cols <= 0xFFFF):
        return 24, 80
    return rows, cols


def _str_list(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProtocolError(f"{what} must be a list of strings")
    if any("\0" in v for v in value):
        raise ProtocolError(f"{what} holds a NUL character")
    return list(value)


def _raise_fd_limit() -> None:
    """Each console costs two descriptors (master, pidfd): use the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


def serve(directory: str | None = None, *, ready_fd: int | None = None, **options: Any) -> int:
    """Run a server in this process until it is stopped; return an exit status.

    ``ready_fd``, if given, is written ``ready`` and closed once the socket
    listens (the on-demand starter waits for it); if another server already
    holds the directory, it is closed without a word and 0 is returned.
    """
    os.chdir("/")
    try:
        server = Server(directory, **options)
    except ServerError as exc:
        if ready_fd is not None:
            os.close(ready_fd)
        if getattr(exc, "already_running", False):
            return 0
        raise

    def ready() -> None:
        if ready_fd is not None:
            try:
                os.write(ready_fd, b"ready\n")
            except OSError as exc:
                if exc.errno != errno.EPIPE:
                    raise
            os.close(ready_fd)

    server.serve_forever(ready)
    return 0
