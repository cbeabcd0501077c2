"""How the inspecting commands decide on Unicode, colour and width for stdout."""

from __future__ import annotations

import codecs
import os
import shutil
import sys

__all__ = ["want_color", "want_unicode", "width"]


def _tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def want_unicode(ascii_only: bool = False) -> bool:
    """Box drawing only on a terminal whose output encoding is UTF-8."""
    if ascii_only or not _tty():
        return False
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def want_color() -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (no-color.org)."""
    return _tty() and "NO_COLOR" not in os.environ


def width() -> int | None:
    """Cut lines to the terminal's width on a terminal; never in a pipe or file."""
    return shutil.get_terminal_size().columns if _tty() else None
