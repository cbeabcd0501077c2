"""``recvtty --mode hold``: hand every received console to the named-console server.

Each console that passes the console-socket checks is sent to this user's
server (started on demand, as ``ttyctl new`` does) with
:func:`ttyctl.client.adopt_console`, under the name ``PREFIX-N``; the
receiver then closes its own copy of the master. From then on the console is
the server's: ``ttyctl ls`` lists it, ``ttyctl attach PREFIX-N`` attaches to
it, and it outlives the receiver. DESIGN.md section 4: "Consoles received over
a console socket join the same server".
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from .client import ConsoleInfo, adopt_console, list_consoles
from .console_receiver import ConsoleReceiver, ReceivedConsole
from .errors import ServerError, TtyctlError
from .recvtty import peer_command
from .sansio.consolename import name_prefix, numbered_name, numbered_of

__all__ = ["default_prefix", "handed_over", "serve_into_server"]

#: How many taken names are skipped before a console is given up.
_MAX_TRIES = 1000


def default_prefix(socket_path: str | os.PathLike[str]) -> str:
    """The name prefix for consoles received on ``socket_path`` (its file name, sanitised)."""
    return name_prefix(os.path.basename(os.fspath(socket_path)))


def serve_into_server(
    listener: socket.socket,
    prefix: str,
    *,
    log: Callable[[str], None],
    announce: Callable[[str], None] = lambda name: None,
    timeout: float = 30.0,
    directory: str | None = None,
) -> int:
    """Accept consoles on ``listener`` until a stop signal; give each to the server.

    Owns ``listener``. Console N goes to the server as ``PREFIX-N`` (a name
    already taken there is skipped: the next number is tried); ``announce``
    gets each name, ``log`` one line per event. The server is started if
    none runs (in ``directory``, default: this user's). The command shown for
    the console is the sender's (``/proc/PID/cmdline``, e.g. ``runc run -d ...``),
    and the console ends when every holder of its slave closed it. A console
    the server cannot take (it failed to start, refused the descriptor) is
    logged and closed, which hangs it up; the receiver goes on. Returns the
    number of the signal that stopped it; the consoles handed over stay with
    the server.
    """
    counter = [0]

    def on_console(console: ReceivedConsole) -> None:
        try:
            name = _hand_over(console, prefix, counter, directory)
        except (TtyctlError, OSError) as exc:  # no server, a refusal, names run out
            log(f"{console.label}: cannot hand it to the console server: {exc}; closed it")
            return
        finally:
            os.close(console.fd)
        log(f"{console.label} handed to the console server as {name} "
            f"(ttyctl attach {name})")
        announce(name)

    receiver = ConsoleReceiver(listener, on_console, log=log, timeout=timeout)
    try:
        return receiver.serve()
    finally:
        receiver.close()


def _hand_over(
    console: ReceivedConsole, prefix: str, counter: list[int], directory: str | None
) -> str:
    argv = peer_command(console.peer.pid) if console.peer.pid > 0 else []
    if not argv:
        argv = [f"console {console.name.strip() or '?'} from pid {console.peer.pid}"]
    for _ in range(_MAX_TRIES):
        counter[0] += 1
        name = numbered_name(prefix, counter[0])
        try:
            adopt_console(name, console.fd, argv=argv,
                          winsize=(console.size.rows, console.size.cols), directory=directory)
        except ServerError as exc:
            if getattr(exc, "code", None) == "exists":
                continue
            raise
        return name
    raise ServerError(f"the names {prefix}-1 to {prefix}-{counter[0]} are all taken")


def handed_over(prefix: str, directory: str | None = None) -> list[ConsoleInfo]:
    """The adopted consoles named ``PREFIX-N`` that the server holds, by N.

    ``[]`` when no server runs. Raises :class:`UsageError` for a prefix that
    cannot start a console name.
    """
    numbered_name(prefix, 1)
    found = {numbered_of(c.name, prefix): c for c in list_consoles(directory) if c.adopted}
    return [found[n] for n in sorted(n for n in found if n is not None)]

