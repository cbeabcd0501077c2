"""``ttyctl recvtty``: receive consoles over a runc ``--console-socket``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from contextlib import ExitStack

from ..sansio.exitstatus import shell_exit_code

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl recvtty``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl recvtty",
        description="Listen on SOCKET (created 0600) for consoles sent as runc's "
        "--console-socket does, and wire, discard, log or hold them. A superset of "
        "runc's recvtty.",
    )
    parser.add_argument(
        "-m", "--mode", choices=("single", "null", "log", "hold"), default="single",
        help="single: wire one console to this terminal (raw mode, window size, restore); "
        "null: accept many, discard their output; log: accept many, append each one's "
        "output to a file; hold: accept many and keep them for --attach (default: single)",
    )
    parser.add_argument(
        "--no-stdin", action="store_true", help="single/--attach: send no input to the console"
    )
    parser.add_argument("--pid-file", metavar="FILE", help="write this process's pid to FILE")
    parser.add_argument(
        "--log", metavar="FILE",
        help="append one line per event (console received, connection refused) to FILE "
        "instead of stderr",
    )
    parser.add_argument(
        "--log-dir", metavar="DIR",
        help="log mode: where console-N.log files go (default: SOCKET's directory)",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS",
        help="how long a connection may take to send its console (default: 30; runc "
        "connects first, then creates the container, then sends)",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--list", action="store_true", help="list the consoles a hold-mode receiver holds"
    )
    action.add_argument(
        "--attach", metavar="NAME",
        help="attach this terminal to console NAME of a hold-mode receiver",
    )
    parser.add_argument("socket", metavar="SOCKET", help="the console socket's path")
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv``, run the receiver or the hold client, return the exit status."""
    args = build_parser().parse_args(argv)
    if args.list or args.attach:
        return _client(args)
    from ..console_socket import listen_console_socket

    with ExitStack() as stack:
        log = _logger(args.log, stack)
        listener = listen_console_socket(args.socket)
        stack.callback(_unlink, args.socket)
        if args.pid_file:
            _write_pid_file(args.pid_file)
            stack.callback(_unlink, args.pid_file)
        if args.mode != "hold":
            log(f"listening on {args.socket} (mode {args.mode})")
        if args.mode == "single":
            from ..recvtty import receive_single

            stdin_fd = None if args.no_stdin else 0
            return shell_exit_code(
                receive_single(listener, stdin_fd=stdin_fd, log=log, timeout=args.timeout)
            )
        if args.mode == "null":
            from ..recvtty import serve_null

            serve_null(listener, log=log, timeout=args.timeout)
            return 0
        if args.mode == "log":
            from ..recvtty import serve_log

            directory = args.log_dir or os.path.dirname(os.path.abspath(args.socket))
            serve_log(listener, directory, log=log, timeout=args.timeout)
            return 0
        from ..console_hold import control_path, serve_hold

        control = listen_console_socket(control_path(args.socket))
        stack.callback(_unlink, control_path(args.socket))
        log(f"listening on {args.socket} (mode hold, control {control_path(args.socket)})")
        serve_hold(listener, control, log=log, timeout=args.timeout)
        return 0
    raise AssertionError("unreachable")  # pragma: no cover


def _client(args: argparse.Namespace) -> int:
    from ..console_hold import attach_held, control_path, list_held

    path = control_path(args.socket)
    if args.list:
        for line in list_held(path):
            print(line)
        return 0
    stdin_fd = None if args.no_stdin else 0
    return shell_exit_code(attach_held(path, args.attach, stdin_fd=stdin_fd))


def _logger(path: str | None, stack: ExitStack) -> Callable[[str], None]:
    if path is None:

        def to_stderr(line: str) -> None:
            print(f"ttyctl recvtty: {line}", file=sys.stderr, flush=True)

        return to_stderr
    from ..recvtty import utc_stamp

    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW
    fd = os.open(path, flags, 0o600)  # a planted symlink is refused (ELOOP)
    stack.callback(os.close, fd)

    def to_file(line: str) -> None:
        os.write(fd, f"{utc_stamp()} {line}\n".encode("utf-8", "backslashreplace"))

    return to_file


def _write_pid_file(path: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    # O_EXCL | O_NOFOLLOW: never write through a planted file or symlink; the
    # rename then replaces whatever is at ``path`` without following it.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
