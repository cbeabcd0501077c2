"""Decode wait statuses and map them to shell-style exit codes."""

from __future__ import annotations

__all__ = [
    "EXIT_CANNOT_EXECUTE",
    "EXIT_NOT_FOUND",
    "EXIT_TTYCTL_FAILED",
    "EXIT_USAGE",
    "decode_wait_status",
    "shell_exit_code",
]

#: ttyctl was called wrongly (argparse's convention).
EXIT_USAGE = 2
#: ttyctl itself failed before or around the program (as ``env`` and ``docker run``).
EXIT_TTYCTL_FAILED = 125
#: The program exists but could not be executed (as POSIX shells).
EXIT_CANNOT_EXECUTE = 126
#: The program was not found (as POSIX shells).
EXIT_NOT_FOUND = 127


def decode_wait_status(status: int) -> int:
    """Turn a raw ``waitpid`` status into a ``subprocess``-style return code.

    A program that exited gives its exit code (0-255); one killed by signal N
    gives ``-N``. Stopped or continued statuses are not final and raise
    :class:`ValueError`, as does a value that is no wait status at all.
    """
    if status < 0 or status > 0xFFFF:
        raise ValueError(f"not a wait status: {status}")
    low = status & 0x7F
    if low == 0:
        return (status >> 8) & 0xFF
    if low == 0x7F:
        raise ValueError(f"wait status {status:#x} is a stop, not a termination")
    if status == 0xFFFF:
        raise ValueError("wait status 0xffff is a continue, not a termination")
    return -low


def shell_exit_code(returncode: int) -> int:
    """Map a return code (negative for a signal) to the code a shell reports.

    0-255 pass through; killed by signal N gives 128+N, as ``sh`` and ``script -e``.
    """
    if returncode < 0:
        return 128 + (-returncode)
    if returncode > 255:
        raise ValueError(f"not a return code: {returncode}")
    return returncode
