"""``ttyctl kill``: send a signal to a named console's program."""

from __future__ import annotations

import argparse
import signal

from ..errors import UsageError

__all__ = ["build_parser", "main", "parse_signal"]


def parse_signal(text: str) -> int:
    """``TERM``, ``SIGTERM``, ``term`` or ``15`` -> 15; :class:`UsageError` otherwise."""
    if text.isdigit():
        number = int(text)
        if 0 < number < signal.NSIG:
            return number
        raise UsageError(f"no signal number {number}")
    name = text.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    try:
        return int(signal.Signals[name])
    except KeyError:
        raise UsageError(f"unknown signal {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl kill``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl kill",
        description="Send SIGNAL (default TERM) to the process group of NAME's program. "
        "Exits 1 if there is no such console or its program has ended.",
    )
    parser.add_argument("-s", "--signal", default="TERM", help="name or number (default TERM)")
    parser.add_argument("name", metavar="NAME")
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv`` and send the signal."""
    args = build_parser().parse_args(argv)
    signum = parse_signal(args.signal)
    from ..client import kill_console

    kill_console(args.name, signum)
    return 0
