"""One place that turns exceptions into a one-line message and an exit code."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable

from ..errors import TtyctlError, UsageError
from ..sansio.exitstatus import (
    EXIT_CANNOT_EXECUTE,
    EXIT_NOT_FOUND,
    EXIT_TTYCTL_FAILED,
    EXIT_USAGE,
)

__all__ = ["describe_os_error", "exec_failure", "fail", "run_guarded"]


def describe_os_error(exc: OSError) -> str:
    """``FILE: reason`` for a refusal by the kernel, in the words ttyctl uses.

    ELOOP comes from ``O_NOFOLLOW``: ttyctl never writes through a symlink
    planted where it creates a file, and says so.
    """
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ELOOP:
        reason = "is a symbolic link, which ttyctl does not follow"
    return f"{where}{reason}"


def exec_failure(exc: OSError, program: str) -> tuple[str, int] | None:
    """The line and exit code for a failure to execute ``program``, as shells report it.

    127 when it is not found, 126 when it cannot be executed; ``None`` when
    ``exc`` is about something else than the program (then it is ttyctl's own).
    """
    name = exc.filename
    if name is None or os.path.basename(str(name)) != os.path.basename(program):
        return None
    if exc.errno == errno.ENOENT:
        return f"{program}: command not found", EXIT_NOT_FOUND
    return f"{program}: {(exc.strerror or str(exc)).lower()}", EXIT_CANNOT_EXECUTE


def fail(message: str, code: int) -> int:
    """Print ``ttyctl: message`` on stderr and return ``code``."""
    print(f"ttyctl: {message}", file=sys.stderr, flush=True)
    return code


def run_guarded(command: Callable[[list[str]], int], argv: list[str]) -> int:
    """Run a subcommand's ``main``; map ttyctl and OS errors to a line and a code.

    Usage errors exit 2, ttyctl's own failures and refusals by the kernel 125,
    Ctrl-C 130.
    """
    try:
        return command(argv)
    except UsageError as exc:
        return fail(str(exc), EXIT_USAGE)
    except TtyctlError as exc:
        return fail(str(exc), getattr(exc, "exit_code", EXIT_TTYCTL_FAILED))
    except OSError as exc:
        return fail(describe_os_error(exc), EXIT_TTYCTL_FAILED)
    except KeyboardInterrupt:
        return 130
