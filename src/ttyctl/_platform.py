"""Refuse to load anywhere but Linux, with one clear message."""

from __future__ import annotations

import sys

from .errors import PlatformError


def require_linux() -> None:
    """Raise :class:`PlatformError` unless running on Linux."""
    if not sys.platform.startswith("linux"):
        raise PlatformError(
            f"ttyctl runs on Linux only (this is {sys.platform}): it relies on "
            "Linux's /proc, PTY and session semantics"
        )
