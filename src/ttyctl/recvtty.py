"""What ``ttyctl recvtty`` does with the consoles it receives (modes single, null, log).

The ``hold`` mode lives in :mod:`ttyctl.recvtty_hold` (consoles handed to the
named-console server) and :mod:`ttyctl.console_hold` (``--no-server``: kept in
this process). Every mode takes a
listening socket from :func:`ttyctl.console_socket.listen_console_socket` and
owns it from then on.
"""

from __future__ import annotations

import errno
import os
import socket
import time
from collections.abc import Callable
from contextlib import ExitStack

from ._os.fdio import write_all
from ._os.pty import Winsize, get_winsize, set_winsize
from ._os.terminal import raw_mode
from .console_receiver import ConsoleReceiver, ReceivedConsole
from .process import read_master
from .recording import Recorder

__all__ = [
    "attach_master", "peer_command", "receive_single", "serve_log", "serve_null", "utc_stamp",
]

_CHUNK = 65536


_LOG_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW


def utc_stamp(when: float | None = None) -> str:
    """``when`` (default: now) as an ISO 8601 UTC time with milliseconds."""
    now = time.time() if when is None else when
    millis = int(now * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{millis:03d}Z"


def peer_command(pid: int) -> list[str]:
    """The command line of process ``pid`` (the sender), or ``[]`` if it is gone or hidden."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read()
    except OSError:
        return []
    return [arg.decode("utf-8", "replace") for arg in raw.split(b"\0")[:-1]]


def attach_master(
    master: int,
    stdin_fd: int | None,
    stdout_fd: int,
    replay: bytes = b"",
    *,
    on_start: Callable[[Winsize], None] | None = None,
    on_output: Callable[[bytes], None] | None = None,
    on_resize: Callable[[int, int], None] | None = None,
) -> int:
    """Wire the PTY ``master`` to this terminal until the console ends.

    When ``stdin_fd`` is a terminal it is put in raw mode for the duration and
    its termios restored exactly afterwards, and its window size is given to
    the console at once and on every SIGWINCH (otherwise ``stdout_fd``'s size,
    if it is a terminal). ``stdin_fd=None`` sends no input. ``replay`` (the
    console's recent output) is written out once the terminal is in raw mode,
    before the relay starts. The caller keeps ``master``. Returns 0 when the
    console ended (every holder of its slave closed it), ``-N`` when signal N
    (SIGTERM, SIGHUP, SIGINT, SIGQUIT) ended the wait first. Must run in the
    main thread. ``on_start`` gets the console's window size once it is set,
    before the relay; ``on_output`` each chunk relayed and ``on_resize`` each
    size forwarded (for a recording).
    """
    from .relay import relay

    outer = stdin_fd if stdin_fd is not None and os.isatty(stdin_fd) else None
    size_from = outer if outer is not None else (stdout_fd if os.isatty(stdout_fd) else None)
    if size_from is not None:
        set_winsize(master, get_winsize(size_from))
    if on_start is not None:
        on_start(get_winsize(master))
    with ExitStack() as stack:
        if outer is not None:
            stack.enter_context(raw_mode(outer))
        write_all(stdout_fd, replay)
        return relay(master, stdin_fd, stdout_fd, winsize_from=size_from,
                     on_output=on_output, on_resize=on_resize)
    raise AssertionError("unreachable")  # pragma: no cover


def receive_single(
    listener: socket.socket,
    *,
    stdin_fd: int | None = 0,
    stdout_fd: int = 1,
    log: Callable[[str], None],
    timeout: float = 30.0,
    record_fd: int | None = None,
    on_record_error: Callable[[OSError], None] | None = None,
) -> int:
    """Accept one console on ``listener`` and wire it to this terminal.

    Bad connections before it are refused and logged, and do not end the wait.
    Once a console arrived the listener is closed, and the console is relayed
    as :func:`attach_master` does, then closed (which hangs it up if nobody
    else holds it). Returns 0 when the console ended, ``-N`` when signal N
    ended the wait or the relay.

    With ``record_fd`` (an open file this function takes and always closes),
    what is relayed is also recorded there in asciicast v2 (header: the
    console's size and the sender's command line; then every chunk and every
    resize), as :class:`ttyctl.recording.Recorder` does; ``on_record_error``
    is told once if writing fails, and the relay goes on.
    """
    received: list[ReceivedConsole] = []

    def take(console: ReceivedConsole) -> None:
        received.append(console)
        receiver.stop()

    size = _terminal_size(stdin_fd, stdout_fd)
    recorders: list[Recorder] = []
    try:
        receiver = ConsoleReceiver(listener, take, log=log, timeout=timeout, default_size=size)
        try:
            code = receiver.serve()
        finally:
            receiver.close()
        if not received:
            return -code
        console = received[0]

        def start(winsize: Winsize) -> None:
            if record_fd is not None:
                command = peer_command(console.peer.pid) or None
                recorders.append(Recorder(record_fd, winsize.cols, winsize.rows, command,
                                          on_error=on_record_error))

        def output(data: bytes) -> None:
            if recorders:
                recorders[0].output(data)

        def resize(rows: int, cols: int) -> None:
            if recorders:
                recorders[0].resize(rows, cols)

        try:
            return attach_master(console.fd, stdin_fd, stdout_fd, on_start=start,
                                 on_output=output, on_resize=resize)
        finally:
            os.close(console.fd)
    finally:
        if recorders:
            recorders[0].close()
        elif record_fd is not None:
            os.close(record_fd)


def _terminal_size(*fds: int | None) -> Winsize:
    for fd in fds:
        if fd is not None and os.isatty(fd):
            return get_winsize(fd)
    return Winsize(24, 80)


def serve_null(
    listener: socket.socket, *, log: Callable[[str], None], timeout: float = 30.0
) -> int:
    """Accept consoles until a stop signal; read and discard their output.

    Each console is closed when it ends. Returns the number of the signal
    that stopped the receiver; the consoles still open are closed then (which
    hangs them up).
    """
    return _serve(listener, lambda console, data: None, log=log, timeout=timeout)


def serve_log(
    listener: socket.socket,
    directory: str | os.PathLike[str],
    *,
    log: Callable[[str], None],
    timeout: float = 30.0,
) -> int:
    """Accept consoles until a stop signal; append each one's output to a file.

    Console ``console-N`` goes to ``DIRECTORY/console-N.log`` (created 0600,
    appended to), which starts with a line giving the time of arrival (UTC),
    the sender's pid and uid, the name it sent and the pts number, and gets a
    closing line with the time the console ended. The bytes are the terminal's
    own (ONLCR on: ``\\r\\n`` line ends, escape sequences as the program wrote
    them). Returns as :func:`serve_null` does.
    """
    base = os.fspath(directory)
    files: dict[str, int] = {}

    def on_start(console: ReceivedConsole) -> None:
        path = os.path.join(base, f"{console.label}.log")
        try:
            fd = os.open(path, _LOG_FLAGS, 0o600)  # a planted symlink is refused (ELOOP)
        except OSError as exc:
            # The console stays up (its output is drained and dropped, so the
            # program never blocks); the refusal is one line of the log.
            reason = "a symbolic link, not followed" if exc.errno == errno.ELOOP else exc.strerror
            log(f"{console.label}: cannot log to {path} ({reason}); its output is dropped")
            files[console.label] = -1
            return
        files[console.label] = fd
        header = (
            f"--- ttyctl recvtty: {console.label} received {utc_stamp()} from pid "
            f"{console.peer.pid} uid {console.peer.uid}, name {console.name!r}, "
            f"pts {console.index}, {console.size.rows}x{console.size.cols} ---\n"
        )
        os.write(fd, header.encode("utf-8", "backslashreplace"))

    def on_data(console: ReceivedConsole, data: bytes) -> None:
        fd = files[console.label]
        if fd < 0:
            if not data:
                del files[console.label]
            return
        if data:
            write_all(fd, data)
            return
        write_all(fd, f"\n--- {console.label} ended {utc_stamp()} ---\n".encode())
        os.close(files.pop(console.label))

    try:
        return _serve(listener, on_data, log=log, timeout=timeout, on_start=on_start)
    finally:
        for fd in files.values():
            if fd >= 0:
                os.close(fd)


def _serve(
    listener: socket.socket,
    on_data: Callable[[ReceivedConsole, bytes], None],
    *,
    log: Callable[[str], None],
    timeout: float,
    on_start: Callable[[ReceivedConsole], None] | None = None,
) -> int:
    """Accept consoles and feed their output to ``on_data`` (``b""`` once at the end)."""
    open_consoles: dict[int, ReceivedConsole] = {}

    def on_console(console: ReceivedConsole) -> None:
        open_consoles[console.fd] = console
        if on_start is not None:
            on_start(console)
        receiver.add_reader(console.fd, lambda: readable(console))

    def readable(console: ReceivedConsole) -> None:
        try:
            data = read_master(console.fd, _CHUNK)
        except BlockingIOError:
            return
        except OSError as exc:
            log(f"{console.label}: read failed: {exc.strerror or exc}")
            data = b""
        on_data(console, data)
        if not data:
            log(f"{console.label} ended")
            receiver.remove_reader(console.fd)
            del open_consoles[console.fd]
            os.close(console.fd)

    receiver = ConsoleReceiver(listener, on_console, log=log, timeout=timeout)
    try:
        return receiver.serve()
    finally:
        receiver.close()
        for fd in open_consoles:
            os.close(fd)
