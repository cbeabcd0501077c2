"""The exception hierarchy of ttyctl.

Every error that ttyctl itself decides on derives from :class:`TtyctlError`.
Where the kernel refused something (a program that does not exist, a descriptor
that is not a terminal, a permission), ttyctl raises the standard :class:`OSError`
subclass with the errno and the file name, as the standard library does.
"""

from __future__ import annotations

__all__ = [
    "ClosedResourceError",
    "ConsoleSocketError",
    "ExpectEOF",
    "ExpectTimeout",
    "NotATerminalError",
    "PlatformError",
    "ProtocolError",
    "ServerError",
    "SessionLeaderError",
    "TerminalBusyError",
    "TerminalError",
    "TtyctlError",
    "UsageError",
]


class TtyctlError(Exception):
    """Base class of every error raised by ttyctl's own checks."""


class PlatformError(TtyctlError):
    """ttyctl runs on Linux only; raised on import elsewhere."""


class UsageError(TtyctlError, ValueError):
    """The caller passed arguments that cannot work together (a local error)."""


class ClosedResourceError(TtyctlError):
    """An operation used a descriptor that this object already closed."""


class TerminalError(TtyctlError):
    """A terminal could not be set up as asked (for example as a controlling terminal)."""


class NotATerminalError(TerminalError):
    """A path or descriptor that had to be a terminal is not one."""


class ConsoleSocketError(TtyctlError):
    """A peer on a console socket broke the protocol (a remote error)."""


class ProtocolError(TtyctlError):
    """A peer sent bytes that do not follow ttyctl's framed protocol (a remote error)."""


class ServerError(TtyctlError):
    """The named-console server refused a request or could not be reached."""


class ExpectTimeout(TtyctlError, TimeoutError):
    """An expect or readuntil call timed out.

    ``before`` holds every byte seen since the call started, so the caller can
    report what the program printed instead of the awaited pattern.
    """

    def __init__(self, message: str, before: bytes = b"") -> None:
        super().__init__(message)
        self.before = before


class TerminalBusyError(TerminalError):
    """The terminal is already the controlling terminal of another session.

    ``path`` names the terminal and ``sid`` the session holding it (``None``
    when it could not be found). Only ``TIOCSCTTY`` with argument 1 and
    CAP_SYS_ADMIN (``steal``) takes it from that session.
    """

    def __init__(self, path: str, sid: int | None) -> None:
        held = f"session {sid}" if sid is not None else "another session"
        super().__init__(f"{path}: already the controlling terminal of {held}")
        self.path = path
        self.sid = sid


class SessionLeaderError(TerminalError):
    """A process could not lead a new session, or lacked what TIOCSCTTY needs.

    Raised when ``setsid`` fails (the process already leads a process group)
    and when a terminal cannot be acquired because the process does not lead
    its session or its session already has another controlling terminal.
    """


class ExpectEOF(TtyctlError, EOFError):
    """The program's output ended before an expect or readuntil call matched.

    ``before`` holds every byte seen since the call started; they also stay
    buffered for the next read. Put ``ttyctl.sansio.expect.EOF`` in the pattern
    list to get the end of output as a match instead.
    """

    def __init__(self, message: str, before: bytes = b"") -> None:
        super().__init__(message)
        self.before = before
