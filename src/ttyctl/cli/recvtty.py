"""``ttyctl recvtty``: receive consoles over a runc ``--console-socket``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from contextlib import ExitStack

from ..sansio.exitstatus import shell_exit_code
from ._attachopts import add_attach_options, detach_key_of

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
        "output to a file; hold: accept many and hand each to this user's console server "
        "as PREFIX-N, for ttyctl ls / ttyctl attach (default: single)",
    )
    parser.add_argument(
        "--name", metavar="PREFIX",
        help="hold, --list: consoles are named PREFIX-1, PREFIX-2... (default: SOCKET's "
        "file name without its extension)",
    )
    parser.add_argument(
        "--no-server", action="store_true",
        help="hold, --list, --attach: keep the consoles in this process instead of the "
        "console server (reached through a control socket SOCKET.ctl)",
    )
    parser.add_argument(
        "--record", metavar="FILE.cast",
        help="single: also record the console's output to FILE in asciicast v2",
    )
    parser.add_argument(
        "--no-stdin", action="store_true",
        help="single: send no input to the console; --attach: watch only (as -r)"
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
        "--list", action="store_true",
        help="list the consoles a hold-mode receiver on SOCKET handed to the server "
        "(as 'ttyctl ls' does, only PREFIX-N)",
    )
    action.add_argument(
        "--attach", metavar="NAME",
        help="attach this terminal to console NAME (as 'ttyctl attach NAME' does)",
    )
    parser.add_argument("--json", action="store_true", help="--list: as 'ttyctl ls --json'")
    add_attach_options(parser)
    parser.add_argument("socket", metavar="SOCKET", help="the console socket's path")
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv``, run the receiver or the hold client, return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_usage(parser, args)
    if args.list or args.attach:
        return _client(args) if args.no_server else _server_client(args)
    from ..console_socket import listen_console_socket

    record_fd = None
    if args.record:
        from ..recording import open_recording

        record_fd = open_recording(args.record)

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
            fd, record_fd = record_fd, None  # receive_single takes it

            def warn(exc: OSError) -> None:
                log(f"warning: recording to {args.record} stopped: {exc.strerror or exc}")

            return shell_exit_code(
                receive_single(listener, stdin_fd=stdin_fd, log=log, timeout=args.timeout,
                               record_fd=fd, on_record_error=warn)
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
        if not args.no_server:
            from ..recvtty_hold import serve_into_server

            prefix = _prefix(args)
            log(f"listening on {args.socket} (mode hold: consoles go to the console server "
                f"as {prefix}-N)")
            serve_into_server(listener, prefix, log=log, announce=_announce,
                              timeout=args.timeout)
            return 0
        from ..console_hold import control_path, serve_hold

        control = listen_console_socket(control_path(args.socket))
        stack.callback(_unlink, control_path(args.socket))
        log(f"listening on {args.socket} (mode hold, control {control_path(args.socket)})")
        serve_hold(listener, control, log=log, timeout=args.timeout)
        return 0
    raise AssertionError("unreachable")  # pragma: no cover


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    client = args.list or args.attach
    if args.record and (client or args.mode != "single"):
        parser.error("--record applies with --mode single (record a held console with "
                     "'ttyctl attach', or run the program with 'ttyctl new --record')")
    if args.no_server and not (client or args.mode == "hold"):
        parser.error("--no-server applies with --mode hold, --list and --attach")
    if args.name is not None and (args.no_server or not (args.list or args.mode == "hold")):
        parser.error("--name applies with --mode hold and --list (not with --no-server)")
    if args.json and not args.list:
        parser.error("--json applies with --list")
    if args.name is not None:
        from ..sansio.consolename import numbered_name

        numbered_name(args.name, 1)  # UsageError: exit 2
    detach_key_of(args)  # a bad -e is a usage error before anything starts


def _prefix(args: argparse.Namespace) -> str:
    from ..recvtty_hold import default_prefix

    return str(args.name) if args.name is not None else default_prefix(args.socket)


def _announce(name: str) -> None:
    try:
        print(name, flush=True)
    except OSError:  # nobody reads stdout any more: the log still has the name
        pass


def _server_client(args: argparse.Namespace) -> int:
    """--list and --attach with the consoles handed to the console server."""
    if args.attach:
        from ._attachopts import run_attach

        if args.no_stdin:
            args.read_only = True
        return run_attach(args.attach, args)
    from ..recvtty_hold import handed_over
    from .ls import print_consoles

    print_consoles(handed_over(_prefix(args)), as_json=args.json)
    return 0


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
