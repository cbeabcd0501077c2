"""Console names and the small formatting that ``ttyctl ls`` needs."""

from __future__ import annotations

import re
from typing import Final

from ..errors import UsageError

__all__ = [
    "DEFAULT_PREFIX", "MAX_NAME", "check_name", "format_age", "name_prefix", "numbered_name",
    "numbered_of",
]

MAX_NAME: Final = 64
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]*\Z")


def check_name(name: str) -> str:
    """Return ``name`` if it can name a console, else raise :class:`UsageError`.

    A name is 1 to 64 characters among letters, digits and ``_ . @ + -``, and
    does not start with ``.``, ``-``, ``@`` or ``+`` (it is never a path nor an option).
    """
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or not _NAME.match(name):
        raise UsageError(
            f"invalid console name {name!r}: use 1-{MAX_NAME} letters, digits, '_.@+-', "
            "starting with a letter, digit or '_'"
        )
    return name


def format_age(seconds: float) -> str:
    """A short age: ``42s``, ``7m``, ``3h``, ``12d``."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


#: The prefix used when a socket's file name gives nothing usable.
DEFAULT_PREFIX: Final = "console"
_PREFIX_ROOM: Final = MAX_NAME - 8  # room for "-" and a counter


def name_prefix(filename: str) -> str:
    """A console-name prefix derived from a socket's file name.

    The last extension is dropped (``console.sock`` gives ``console``), every
    character a name may not hold becomes ``_``, leading ``. - @ +`` go, and the
    result is cut to leave room for ``-N``. ``console`` when nothing is left.
    """
    stem = filename.rsplit("/", 1)[-1]
    if "." in stem.lstrip("."):
        stem = stem[: stem.rindex(".")]
    cleaned = re.sub(r"[^A-Za-z0-9_.@+-]", "_", stem).lstrip(".-@+")[:_PREFIX_ROOM]
    return cleaned or DEFAULT_PREFIX


def numbered_name(prefix: str, n: int) -> str:
    """``PREFIX-N``, checked with :func:`check_name` (``UsageError`` if it is no name)."""
    return check_name(f"{prefix}-{n}")


def numbered_of(name: str, prefix: str) -> int | None:
    """N when ``name`` is ``PREFIX-N`` (N a positive decimal without leading 0), else None."""
    head, sep, tail = name.rpartition("-")
    if not sep or head != prefix or not tail.isdigit() or not tail.isascii():
        return None
    if tail.startswith("0"):
        return None
    return int(tail)
