"""Console names and the small formatting that ``ttyctl ls`` needs."""

from __future__ import annotations

import re
from typing import Final

from ..errors import UsageError

__all__ = ["MAX_NAME", "check_name", "format_age"]

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
