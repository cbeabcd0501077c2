"""``ttyctl init``: stage-1 init (setsid, TIOCSCTTY, dup2, exec) and PID 1 duties."""

from __future__ import annotations

import argparse
import errno
import os

from ..errors import (
    NotATerminalError,
    SessionLeaderError,
    TerminalBusyError,
    TtyctlError,
    UsageError,
)
from ..sansio.exitstatus import (
    EXIT_CANNOT_EXECUTE,
    EXIT_NOT_FOUND,
    EXIT_TTYCTL_FAILED,
    EXIT_USAGE,
)

__all__ = [
    "EXIT_CTTY_DENIED",
    "EXIT_NOT_A_TERMINAL",
    "EXIT_NO_SESSION",
    "EXIT_TERMINAL_BUSY",
    "build_parser",
    "exit_code_for",
    "main",
]

#: setsid refused, or TIOCSCTTY needs a session leader without another ctty.
EXIT_NO_SESSION = 120
#: The terminal given is not a terminal.
EXIT_NOT_A_TERMINAL = 121
#: The terminal is already another session's controlling terminal.
EXIT_TERMINAL_BUSY = 122
#: The kernel refused TIOCSCTTY otherwise (EPERM: --steal without CAP_SYS_ADMIN).
EXIT_CTTY_DENIED = 123


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl init``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl init",
        description="Stage-1 init: become a session leader, make the terminal the "
        "controlling terminal, put it on 0/1/2, close every other descriptor and exec "
        "CMD. As PID 1 or with --reap, fork CMD instead, reap zombies, pass signals on "
        "and exit with CMD's status (128+N for signal N). Failures before exec: 120 no "
        "session, 121 not a terminal, 122 terminal held by another session, 123 TIOCSCTTY "
        "refused, 125 other, 126 not executable, 127 not found; nothing is executed.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tty", metavar="PATH", help="the terminal to make the ctty")
    where.add_argument("--tty-fd", type=int, metavar="N",
                       help="the terminal, as a descriptor this process already holds")
    parser.add_argument("--no-setsid", action="store_true",
                        help="do not call setsid (this process already leads its session)")
    parser.add_argument("--steal", action="store_true",
                        help="take a terminal that is another session's ctty "
                        "(TIOCSCTTY 1, needs CAP_SYS_ADMIN)")
    parser.add_argument("--keep-fd", type=int, action="append", default=[], metavar="N",
                        help="keep descriptor N open in CMD (repeatable)")
    parser.add_argument("--reap", action="store_true",
                        help="fork CMD and stay as child subreaper: reap zombies, pass "
                        "signals on (implied as PID 1)")
    parser.add_argument("-g", "--group", action="store_true",
                        help="pass signals on to CMD's process group, not CMD alone")
    parser.add_argument("--status-fd", type=int, default=-1, help=argparse.SUPPRESS)
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD [ARG...]")
    return parser


def exit_code_for(exc: BaseException, program: str | None = None) -> int:
    """The exit status that reports ``exc`` (see the table in docs/init.md)."""
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, SessionLeaderError):
        return EXIT_NO_SESSION
    if isinstance(exc, NotATerminalError):
        return EXIT_NOT_A_TERMINAL
    if isinstance(exc, TerminalBusyError):
        return EXIT_TERMINAL_BUSY
    if isinstance(exc, OSError):
        if program is not None and _names_program(exc, program):
            return EXIT_NOT_FOUND if exc.errno == errno.ENOENT else EXIT_CANNOT_EXECUTE
        if exc.errno == errno.EPERM:
            return EXIT_CTTY_DENIED
    return EXIT_TTYCTL_FAILED


def _names_program(exc: OSError, program: str) -> bool:
    name = exc.filename
    return name is not None and os.path.basename(str(name)) == os.path.basename(program)


def message_for(exc: BaseException, program: str | None = None) -> str:
    """The one-line message that reports ``exc``."""
    if isinstance(exc, OSError):
        if program is not None and _names_program(exc, program) and exc.errno == errno.ENOENT:
            return f"{program}: command not found"
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    return str(exc)


def main(argv: list[str]) -> int:
    """Parse ``argv`` and run the init; returns only on failure or after supervising."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (ttyctl init [OPTIONS] -- CMD [ARG...])")
    from ..init import InitOptions, report_failure, run_init

    # Messages go to the stderr we started with, even once 2 is the terminal.
    err = os.dup(2) if _is_open(2) else -1
    spare = {fd for fd in (err, args.status_fd) if fd >= 0}
    try:
        opts = InitOptions(
            argv=tuple(command), tty=args.tty, tty_fd=args.tty_fd,
            setsid=not args.no_setsid, steal=args.steal,
            keep_fds=frozenset(args.keep_fd), reap=args.reap, group=args.group,
        )
        return run_init(opts, spare=spare)
    except (TtyctlError, OSError) as exc:
        if args.status_fd >= 0:
            try:
                report_failure(args.status_fd, exc)
            except OSError:
                pass
        if err >= 0:
            line = f"ttyctl: {message_for(exc, command[0])}\n".encode(errors="replace")
            try:
                os.write(err, line)
            except OSError:
                pass
        return exit_code_for(exc, command[0])


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True
