"""The matching core of ``expect`` and ``readuntil``, with no I/O.

A :class:`ExpectScanner` is fed the bytes a program printed, chunk by chunk,
and says which of its patterns matched first, what matched, the bytes before
the match and the bytes after it (which stay buffered for the next read). The
synchronous :class:`ttyctl.Process` and the asynchronous ``ttyctl.aio`` both
drive the same scanner, so they agree on every match.

Rules, as pexpect's ``expect_list``: the pattern whose match *starts* earliest
in the buffer wins; on a tie the one listed first wins. A regular expression is
searched over everything buffered each time, so a greedy pattern such as
``rb"a+"`` may match fewer bytes than a later chunk would have added: anchor
patterns on a delimiter when that matters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias, final

__all__ = ["EOF", "EofPattern", "ExpectResult", "ExpectScanner", "Pattern", "check_patterns"]


@final
class EofPattern:
    """The type of :data:`EOF`: a pattern that matches the end of the output."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "EOF"

    def __reduce__(self) -> str:
        return "EOF"


#: Put in a pattern list, the end of output is a match instead of an error.
EOF: Final = EofPattern()

#: What ``expect`` accepts in its list: literal bytes, a compiled bytes regex, or EOF.
Pattern: TypeAlias = bytes | re.Pattern[bytes] | EofPattern


@final
@dataclass(frozen=True, slots=True)
class ExpectResult:
    """One successful match.

    ``index`` is the position of the pattern in the list and ``pattern`` the
    pattern itself; ``match`` is the :class:`re.Match` for a regex (``None`` for
    literal bytes and for :data:`EOF`); ``matched`` the bytes that matched
    (``b""`` for EOF); ``before`` every byte between the previous match and
    this one; ``rest`` the bytes after the match, which stay buffered.
    """

    index: int
    pattern: Pattern
    match: re.Match[bytes] | None
    matched: bytes
    before: bytes
    rest: bytes


def check_patterns(patterns: Pattern | Sequence[Pattern]) -> tuple[Pattern, ...]:
    """Return ``patterns`` as a tuple after checking each one.

    A single pattern is accepted as a list of one. Raises :class:`TypeError`
    for ``str`` (the PTY carries bytes: encode first) or a ``str`` regex, and
    :class:`ValueError` for an empty list or empty literal bytes (which would
    match before any output).
    """
    if isinstance(patterns, (bytes, bytearray, memoryview, re.Pattern, EofPattern)):
        items: tuple[object, ...] = (patterns,)
    elif isinstance(patterns, str):
        raise TypeError("patterns are bytes or compiled bytes regexes, not str: encode them")
    else:
        items = tuple(patterns)
    if not items:
        raise ValueError("expect needs at least one pattern")
    checked: list[Pattern] = []
    for item in items:
        if isinstance(item, EofPattern):
            checked.append(item)
        elif isinstance(item, (bytes, bytearray, memoryview)):
            literal = bytes(item)
            if not literal:
                raise ValueError("an empty bytes pattern would match before any output")
            checked.append(literal)
        elif isinstance(item, re.Pattern):
            if not isinstance(item.pattern, bytes):
                raise TypeError(f"regex {item.pattern!r} is a str pattern; compile it from bytes")
            checked.append(item)
        else:
            raise TypeError(f"not a pattern: {item!r} (bytes, re.compile(b'...'), or EOF)")
    return tuple(checked)


@final
class ExpectScanner:
    """Buffer output and find the first of several patterns in it.

    Feed it with :meth:`feed` as output arrives and :meth:`feed_eof` at the end
    of the output. Each returns an :class:`ExpectResult` once a pattern matched
    (and the scanner is then done: further feeding raises :class:`RuntimeError`),
    or ``None`` while nothing matched; :attr:`buffered` holds every byte fed
    and not yet matched. Literal patterns are searched only where a new match
    can start, so feeding a long output in many chunks stays linear for them.
    """

    __slots__ = ("_buffer", "_done", "_literal_from", "_patterns")

    def __init__(self, patterns: Pattern | Sequence[Pattern]) -> None:
        self._patterns = check_patterns(patterns)
        self._buffer = bytearray()
        self._literal_from = 0
        self._done = False

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        """The patterns, in the order given."""
        return self._patterns

    @property
    def buffered(self) -> bytes:
        """Every byte fed and not part of a match yet."""
        return bytes(self._buffer)

    def feed(self, data: bytes) -> ExpectResult | None:
        """Add ``data`` to the buffer and look for a match in all of it."""
        if self._done:
            raise RuntimeError("this scanner already matched")
        self._buffer += data
        return self._search()

    def feed_eof(self) -> ExpectResult | None:
        """The output ended: a pending match or :data:`EOF` in the list matches.

        Returns ``None`` when nothing matched and EOF is not a pattern; the
        caller then reports the end of output with :attr:`buffered`.
        """
        if self._done:
            raise RuntimeError("this scanner already matched")
        found = self._search()
        if found is not None:
            return found
        for index, pattern in enumerate(self._patterns):
            if isinstance(pattern, EofPattern):
                self._done = True
                before = bytes(self._buffer)
                self._buffer.clear()
                return ExpectResult(index, pattern, None, b"", before, b"")
        return None

    def _search(self) -> ExpectResult | None:
        buffer = bytes(self._buffer)
        best: tuple[int, int, int, re.Match[bytes] | None] | None = None
        longest_literal = 0
        for index, pattern in enumerate(self._patterns):
            if isinstance(pattern, bytes):
                longest_literal = max(longest_literal, len(pattern))
                start = buffer.find(pattern, self._literal_from)
                if start < 0 or (best is not None and start >= best[0]):
                    continue
                best = (start, start + len(pattern), index, None)
            elif isinstance(pattern, re.Pattern):
                match = pattern.search(buffer)
                if match is None or (best is not None and match.start() >= best[0]):
                    continue
                best = (match.start(), match.end(), index, match)
        if best is None:
            # No literal can start before here: its first byte would have been seen.
            self._literal_from = max(0, len(buffer) - longest_literal + 1)
            return None
        start, end, index, match = best
        self._done = True
        self._buffer.clear()
        return ExpectResult(
            index=index,
            pattern=self._patterns[index],
            match=match,
            matched=buffer[start:end],
            before=buffer[:start],
            rest=buffer[end:],
        )
