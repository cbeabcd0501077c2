"""``ttyctl run``: run a program on a new PTY, as leader of its own session."""

from __future__ import annotations

import argparse
import os

from ..sansio.exitstatus import (
    EXIT_TTYCTL_FAILED,
    shell_exit_code,
)
from ._errors import describe_os_error, exec_failure, fail

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl run``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl run",
        description="Run CMD on a new PTY as leader of a new session whose controlling "
        "terminal is that PTY, and relay it to this terminal or these pipes. Exits with "
        "CMD's status: its code, 128+N if signal N killed it, 127 if not found, 126 if "
        "it cannot be executed, 125 if ttyctl itself failed.",
    )
    parser.add_argument(
        "-d", "--detach", action="store_true",
        help="start CMD in a session of its own with no controlling terminal, print its "
        "pid and return at once",
    )
    parser.add_argument("--rows", type=int, help="rows of the new terminal")
    parser.add_argument("--cols", type=int, help="columns of the new terminal")
    parser.add_argument("--stdout", metavar="FILE", help="with --detach: append stdout to FILE")
    parser.add_argument("--stderr", metavar="FILE", help="with --detach: append stderr to FILE")
    parser.add_argument("--record", metavar="FILE.cast",
                        help="record the console's output to FILE in asciicast v2")
    parser.add_argument(
        "--ctty", metavar="DEVICE",
        help="run CMD in a new session whose controlling terminal and stdio are the existing "
        "terminal DEVICE (console: the device behind /dev/console), and wait for it",
    )
    parser.add_argument("--sysfs", default="/sys", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument(
        "--console-socket", metavar="PATH",
        help="send CMD's PTY master to the receiver listening at PATH (runc's protocol) "
        "instead of relaying it, then wait for CMD",
    )
    parser.add_argument(
        "--keep", action="store_true",
        help="with --console-socket: keep this copy of the master open until CMD ends",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD [ARG...]")
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv``, run the program and return the exit status to report."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (ttyctl run -- CMD [ARG...])")
    if (args.rows is None) != (args.cols is None):
        parser.error("--rows and --cols go together")
    if not args.detach and (args.stdout or args.stderr):
        parser.error("--stdout and --stderr apply with --detach")
    if args.console_socket and args.detach:
        parser.error("--console-socket and --detach do not go together")
    if args.keep and not args.console_socket:
        parser.error("--keep applies with --console-socket")
    if args.record and (args.detach or args.console_socket):
        parser.error("--record needs the console relayed here (not --detach or --console-socket)")
    if args.ctty is not None:
        if args.detach or args.rows is not None or args.record or args.console_socket:
            parser.error(
                "--ctty does not go with --detach, --rows, --cols, --record or --console-socket"
            )
        return _run_on_terminal(command, args.ctty, args.sysfs)
    try:
        if args.detach:
            from ..runner import run_detached

            print(run_detached(command, stdout=args.stdout, stderr=args.stderr), flush=True)
            return 0
        from .._os.pty import Winsize

        size = None if args.rows is None else Winsize(args.rows, args.cols)
        if args.console_socket:
            from ..console_run import run_with_console_socket

            return shell_exit_code(
                run_with_console_socket(command, args.console_socket, keep=args.keep,
                                        winsize=size)
            )
        if args.record:
            return _run_recorded(command, size, args.record)
        from ..runner import run_console

        return shell_exit_code(run_console(command, winsize=size))
    except OSError as exc:
        return _spawn_failure(exc, command[0])


def _run_recorded(command: list[str], size: object, path: str) -> int:
    """``run`` with every output chunk and resize also written to an asciicast file."""
    from ..recording import Recorder, open_recording
    from ..runner import run_console

    fd = open_recording(path)
    recorder: list[Recorder] = []

    def warn(exc: OSError) -> None:
        fail(f"warning: recording to {path} stopped: {exc.strerror or exc}", 0)

    def start(proc: object) -> None:
        win = proc.winsize  # type: ignore[attr-defined]
        recorder.append(Recorder(fd, win.cols, win.rows, command, on_error=warn))

    try:
        return shell_exit_code(run_console(
            command, winsize=size,  # type: ignore[arg-type]
            on_start=start,
            on_output=lambda data: recorder[0].output(data),
            on_resize=lambda rows, cols: recorder[0].resize(rows, cols),
        ))
    finally:
        if recorder:
            recorder[0].close()
        else:
            os.close(fd)


def _spawn_failure(exc: OSError, program: str) -> int:
    """Report an exec failure as shells do: 127 not found, 126 not executable."""
    failure = exec_failure(exc, program)
    if failure is None:
        return fail(describe_os_error(exc), EXIT_TTYCTL_FAILED)
    return fail(*failure)


def _run_on_terminal(command: list[str], device: str, sysfs: str) -> int:
    from ..errors import TerminalError
    from ..runner import run_on_terminal
    from .init import exit_code_for, message_for

    try:
        return shell_exit_code(run_on_terminal(command, device, sysfs=sysfs))
    except (TerminalError, OSError) as exc:
        return fail(message_for(exc, command[0]), exit_code_for(exc, command[0]))
