"""Decode a ``tty_nr`` (field 7 of ``/proc/PID/stat``) into a terminal name.

The kernel encodes the device number as ``major = (nr >> 8) & 0xfff`` and
``minor = (nr & 0xff) | ((nr >> 12) & 0xfff00)``: 34817 is 136:1, ``pts/1``.

Names follow procps (``ps``'s TT column, ``/dev/`` dropped): the drivers listed in
``/proc/tty/drivers`` first, then procps's table of the usual majors (pts, ttyN,
ttySN, the USB and ACM serial ports...). procps keeps a candidate only if the
device file exists with that number; :func:`tty_name` takes that check as a
function, so this module stays pure and the kernel side decides what exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import final

__all__ = [
    "TtyDriver",
    "is_tty_device",
    "parse_tty_drivers",
    "tty_candidates",
    "tty_major_minor",
    "tty_name",
    "tty_nr_from",
]


@final
@dataclass(frozen=True, slots=True)
class TtyDriver:
    """One line of ``/proc/tty/drivers``: ``path`` (``/dev/pts``), major, minor range.

    ``devfs`` marks the old devfs names that ended in ``%d``.
    """

    name: str
    path: str
    major: int
    minor_first: int
    minor_last: int
    devfs: bool = False


def tty_major_minor(tty_nr: int) -> tuple[int, int]:
    """Split a ``tty_nr`` into (major, minor) as the kernel's ``new_encode_dev``."""
    major = (tty_nr >> 8) & 0xFFF
    minor = (tty_nr & 0xFF) | ((tty_nr >> 12) & 0xFFF00)
    return major, minor


def tty_nr_from(major: int, minor: int) -> int:
    """The ``tty_nr`` for a device (the inverse of :func:`tty_major_minor`)."""
    return (minor & 0xFF) | ((major & 0xFFF) << 8) | ((minor & ~0xFF) << 12)


def parse_tty_drivers(text: bytes | str) -> tuple[TtyDriver, ...]:
    """Parse ``/proc/tty/drivers``; lines that do not parse are skipped.

    Each line: driver name, ``/dev/`` path, major, then a minor or a range
    ``first-last``, then the type. Never raises on malformed input.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    drivers = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4 or not fields[1].startswith("/dev/") or not fields[2].isdecimal():
            continue
        first, dash, last = fields[3].partition("-")
        if not first.isdecimal() or (dash and not last.isdecimal()):
            continue
        path = fields[1]
        devfs = path.endswith("%d")
        if devfs:
            path = path[:-2]
        low = int(first)
        drivers.append(
            TtyDriver(
                name=fields[0],
                path=path,
                major=int(fields[2]),
                minor_first=low,
                minor_last=int(last) if dash else low,
                devfs=devfs,
            )
        )
    return tuple(drivers)


# procps's guess_name(): majors with a fixed prefix followed by the minor.
_PREFIX = {
    11: "ttyB", 17: "ttyH", 19: "ttyC", 22: "ttyD", 23: "ttyD", 24: "ttyE", 32: "ttyX",
    43: "ttyI", 46: "ttyR", 48: "ttyL", 57: "ttyP", 71: "ttyF", 75: "ttyW", 78: "ttyM",
    105: "ttyV", 112: "ttyM", 148: "ttyT", 154: "ttySR", 164: "ttyCH", 166: "ttyACM",
    172: "ttyMX", 174: "ttySI", 188: "ttyUSB", 208: "ttyU", 216: "ttyUB", 224: "ttyY",
    256: "ttyEQ",
}  # fmt: skip


def _guess(major: int, minor: int) -> str | None:
    """procps's table of the usual terminal majors; a /dev path or None."""
    if major == 4:
        return f"/dev/tty{minor}" if minor < 64 else f"/dev/ttyS{minor - 64}"
    if 136 <= major <= 143:
        return f"/dev/pts/{minor + (major - 136) * 256}"
    if major == 5 and minor in (0, 1, 2):
        return ("/dev/tty", "/dev/console", "/dev/ptmx")[minor]
    if major == 156:
        return f"/dev/ttySR{minor + 256}"
    prefix = _PREFIX.get(major)
    return None if prefix is None else f"/dev/{prefix}{minor}"


def _matching(drivers: tuple[TtyDriver, ...], major: int, minor: int) -> list[TtyDriver]:
    # procps prepends each line to its list, so the last line of the file wins.
    return [
        d for d in reversed(drivers) if d.major == major and d.minor_first <= minor <= d.minor_last
    ]


def tty_candidates(tty_nr: int, drivers: tuple[TtyDriver, ...]) -> tuple[str, ...]:
    """The device paths that may be this terminal, in procps's order of trust.

    From the first matching driver line: ``/dev/NAME<minor>``, then ``/dev/NAME``
    (a one-device driver such as ``/dev/console``) and ``/dev/NAME/<minor>``
    (a directory of devices such as ``/dev/pts``); then the usual table. Empty
    for ``tty_nr`` 0 (no terminal). No path is checked here.
    """
    if tty_nr == 0:
        return ()
    major, minor = tty_major_minor(tty_nr)
    found: list[str] = []
    for driver in _matching(drivers, major, minor)[:1]:
        found.append(f"{driver.path}{minor}")
        if not driver.devfs:
            found.append(driver.path)
            found.append(f"{driver.path}/{minor}")
    guess = _guess(major, minor)
    if guess is not None:
        found.append(guess)
    return tuple(dict.fromkeys(found))


def _short(path: str) -> str:
    return path[5:] if path.startswith("/dev/") and len(path) > 5 else path


def tty_name(
    tty_nr: int,
    drivers: tuple[TtyDriver, ...] = (),
    is_device: Callable[[str, int, int], bool] | None = None,
) -> str | None:
    """The name ``ps`` prints in its TT column for ``tty_nr``, or None for no terminal.

    With ``is_device(path, major, minor)`` (true when ``path`` is that character
    device), the first candidate of :func:`tty_candidates` that passes wins, as
    in procps. Without it, or when none passes (a /dev that lacks the node),
    the name comes from the usual table, then from the driver's own numbering
    (``NAME`` + minor - first minor), then ``major:minor``.
    """
    if tty_nr == 0:
        return None
    major, minor = tty_major_minor(tty_nr)
    if is_device is not None:
        for path in tty_candidates(tty_nr, drivers):
            if is_device(path, major, minor):
                return _short(path)
    guess = _guess(major, minor)
    if guess is not None:
        return _short(guess)
    for driver in _matching(drivers, major, minor)[:1]:
        if driver.minor_first == driver.minor_last:
            return _short(driver.path)
        return _short(f"{driver.path}{minor - driver.minor_first}")
    return f"{major}:{minor}"


def is_tty_device(major: int, minor: int, drivers: tuple[TtyDriver, ...]) -> bool:
    """Whether the character device ``major:minor`` is a terminal.

    True when a driver of ``/proc/tty/drivers`` owns it (PTY masters included:
    ``isatty`` is true on them) or when it is one of the usual terminal majors.
    """
    if _matching(drivers, major, minor):
        return True
    return _guess(major, minor) is not None
