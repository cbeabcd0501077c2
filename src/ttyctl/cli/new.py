"""``ttyctl new``: start a program in a named console held by the server."""

from __future__ import annotations

import argparse
import os

from ._attachopts import add_attach_options, detach_key_of, run_attach
from ._errors import exec_failure, fail

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl new``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl new",
        description="Start CMD in console mode in a console named NAME, held by this user's "
        "server (started if none runs), then attach to it unless -d. CMD gets this "
        "environment and directory, and TTYCTL_CONSOLE=NAME. Exits 1 if NAME exists, "
        "127 if CMD is not found, 126 if it cannot be executed, 125 on other failures; "
        "once attached, as 'ttyctl attach'.",
    )
    parser.add_argument("-d", "--detached", action="store_true",
                        help="do not attach; return once the program started")
    parser.add_argument("--scrollback", type=int, metavar="BYTES",
                        help="output kept for replays (default 65536)")
    parser.add_argument("--record", metavar="FILE.cast",
                        help="record the console's output to FILE in asciicast v2")
    parser.add_argument("--rows", type=int, help="rows (default: this terminal's, else 24)")
    parser.add_argument("--cols", type=int, help="columns (default: this terminal's, else 80)")
    add_attach_options(parser)
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD [ARG...]")
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv``, start the console, attach unless -d."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (ttyctl new NAME -- CMD [ARG...])")
    from ..sansio.consolename import check_name

    check_name(args.name)
    detach_key_of(args)  # reject a bad key before starting anything
    rows, cols = _size(args)
    from ..client import new_console
    from ..errors import ServerError

    record_fd = None
    if args.record:
        from ..recording import open_recording

        record_fd = open_recording(args.record)
    try:
        new_console(args.name, command, rows=rows, cols=cols, scrollback=args.scrollback,
                    record_fd=record_fd)
    except ServerError as exc:
        oserror = getattr(exc, "oserror", None)
        failure = None if oserror is None else exec_failure(oserror, command[0])
        if failure is None:
            raise
        return fail(*failure)
    finally:
        if record_fd is not None:
            os.close(record_fd)
    if args.detached:
        return 0
    return run_attach(args.name, args)


def _size(args: argparse.Namespace) -> tuple[int, int]:
    rows, cols = 24, 80
    for fd in (0, 1):
        if os.isatty(fd):
            from .._os.pty import get_winsize

            size = get_winsize(fd)
            if size.rows and size.cols:
                rows, cols = size.rows, size.cols
            break
    return args.rows or rows, args.cols or cols
