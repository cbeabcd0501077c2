"""``ttyctl rm``: forget a named console whose program has exited."""

from __future__ import annotations

import argparse

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl rm``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl rm",
        description="Forget NAME, whose program has exited (its status is lost). Exits 1 if "
        "there is no such console, or if it still runs and -f is not given.",
    )
    parser.add_argument("-f", "--force", action="store_true",
                        help="hang up a console that still runs (its program gets SIGHUP)")
    parser.add_argument("names", nargs="+", metavar="NAME")
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv`` and remove each console; the first failure stops."""
    args = build_parser().parse_args(argv)
    from ..client import remove_console

    for name in args.names:
        remove_console(name, force=args.force)
    return 0
