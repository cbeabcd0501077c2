"""Pass the signals a user sends to ttyctl on to the program it waits for."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["FORWARDED_SIGNALS", "forwarding_signals"]

#: Signals that ttyctl passes on to the program while it waits for it.
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT)


@contextmanager
def forwarding_signals() -> Iterator[Callable[[Callable[[int], None]], None]]:
    """For the block, pass each of :data:`FORWARDED_SIGNALS` on to the program.

    Yields ``deliver_to(send)``: install the handlers first, start the program,
    then call ``deliver_to`` with the function that signals it. A signal that
    arrives in between is held and sent then, so none is lost and none kills
    ttyctl before the program exists. The previous handlers are put back
    afterwards. Only the main thread can handle signals; elsewhere nothing is
    installed. ``send`` runs in a signal handler: it must not take a lock the
    interrupted code may hold.
    """
    previous: dict[signal.Signals, object] = {}
    pending: list[int] = []
    targets: list[Callable[[int], None]] = []

    def handler(signum: int, frame: object) -> None:
        if targets:
            targets[0](signum)
        else:
            pending.append(signum)

    def deliver_to(send: Callable[[int], None]) -> None:
        targets.append(send)
        while pending:
            send(pending.pop(0))

    try:
        for signum in FORWARDED_SIGNALS:
            try:
                previous[signum] = signal.signal(signum, handler)
            except ValueError:  # not the main thread
                break
        yield deliver_to
    finally:
        for forwarded, old in previous.items():
            signal.signal(forwarded, old)  # type: ignore[arg-type]
