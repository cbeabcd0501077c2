"""``ttyctl attach``: attach this terminal to a named console."""

from __future__ import annotations

import argparse

from ._attachopts import add_attach_options, run_attach

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl attach``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl attach",
        description="Replay NAME's recent output, then relay it live to this terminal until "
        "the detach key (the console keeps running; exit 0). If its program has ended, "
        "print its last output, forget the console and exit with the program's status "
        "(128+N for signal N). Exits 1 if there is no such console.",
    )
    parser.add_argument("name", metavar="NAME")
    add_attach_options(parser)
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv``, attach, and return the exit status to report."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_attach(args.name, args)
