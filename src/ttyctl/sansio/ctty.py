"""Pure helpers for controlling terminals: console names and tty numbers."""

from __future__ import annotations

__all__ = ["encode_tty_nr", "parse_console_active", "stat_tty_fields"]


def parse_console_active(data: bytes) -> str | None:
    """Return the device name that ``/sys/class/tty/console/active`` ends with.

    The file lists the consoles the kernel writes to, separated by spaces,
    ``"tty0 ttyS0\\n"``; the last one is the one ``/dev/console`` reads from
    (busybox ``cttyhack`` takes it too). Returns ``None`` when there is no
    usable name: empty content, a name with a slash, NUL or ``..`` (it must
    stay a single entry under ``/dev``), or bytes that are not UTF-8.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    names = text.split()
    if not names:
        return None
    name = names[-1]
    if name in (".", "..") or "\0" in name:
        return None
    # pts names hold one slash ("pts/3"); anything deeper is refused.
    parts = name.split("/")
    if len(parts) > 2 or any(p in ("", ".", "..") for p in parts):
        return None
    return name


def encode_tty_nr(major: int, minor: int) -> int:
    """The ``tty_nr`` that /proc/PID/stat shows for a ctty of device ``major:minor``.

    The kernel's ``new_encode_dev``: minor's low byte, then major, then the
    rest of minor from bit 20 (pts/300 is 136:300, ``0x10882c``).
    """
    if major < 0 or minor < 0:
        raise ValueError("device numbers are not negative")
    return (minor & 0xFF) | ((major & 0xFFF) << 8) | ((minor & ~0xFF) << 12)


def stat_tty_fields(line: bytes) -> tuple[int, int]:
    """Return ``(session, tty_nr)`` from one /proc/PID/stat line.

    The command name in parentheses may hold spaces and ``)``: fields are
    counted from the last ``)``. Raises :class:`ValueError` on a line that is
    not a stat line.
    """
    end = line.rfind(b")")
    if end < 0:
        raise ValueError("no command name in stat line")
    fields = line[end + 1 :].split()
    if len(fields) < 6:
        raise ValueError("stat line too short")
    # fields: state ppid pgrp session tty_nr tpgid ...
    return int(fields[3]), int(fields[4])
