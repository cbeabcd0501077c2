"""ttyctl: sessions, process groups, controlling terminals and PTYs on Linux.

``ttyctl.spawn`` starts a program exactly as it needs to run: on a fresh PTY as a
session leader whose controlling terminal is that PTY (``mode="console"``), in a
session of its own with no controlling terminal (``"detached"``), or in the
caller's session (``"inherit"``), or with an existing terminal as its ctty
(``"terminal"``).
"""

from __future__ import annotations

from ._platform import require_linux

require_linux()

from ._os.pty import PtyPair as PtyPair  # noqa: E402
from ._os.pty import Winsize as Winsize  # noqa: E402
from ._os.pty import get_winsize as get_winsize  # noqa: E402
from ._os.pty import open_pty as open_pty  # noqa: E402
from ._os.pty import set_winsize as set_winsize  # noqa: E402
from ._os.terminal import raw_mode as raw_mode  # noqa: E402
from .errors import ClosedResourceError as ClosedResourceError  # noqa: E402
from .errors import ConsoleSocketError as ConsoleSocketError  # noqa: E402
from .errors import ExpectEOF as ExpectEOF  # noqa: E402
from .errors import ExpectTimeout as ExpectTimeout  # noqa: E402
from .errors import NotATerminalError as NotATerminalError  # noqa: E402
from .errors import PlatformError as PlatformError  # noqa: E402
from .errors import ProtocolError as ProtocolError  # noqa: E402
from .errors import ServerError as ServerError  # noqa: E402
from .errors import SessionLeaderError as SessionLeaderError  # noqa: E402
from .errors import TerminalBusyError as TerminalBusyError  # noqa: E402
from .errors import TerminalError as TerminalError  # noqa: E402
from .errors import TtyctlError as TtyctlError  # noqa: E402
from .errors import UsageError as UsageError  # noqa: E402
from .process import Process as Process  # noqa: E402
from .spawn import spawn as spawn  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "ClosedResourceError",
    "ConsoleSocketError",
    "ExpectEOF",
    "ExpectTimeout",
    "NotATerminalError",
    "PlatformError",
    "Process",
    "ProtocolError",
    "PtyPair",
    "ServerError",
    "SessionLeaderError",
    "TerminalBusyError",
    "TerminalError",
    "TtyctlError",
    "UsageError",
    "Winsize",
    "get_winsize",
    "open_pty",
    "raw_mode",
    "set_winsize",
    "spawn",
]
