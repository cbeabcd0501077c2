"""asciicast v2 lines: the format of asciinema recordings.

A recording is a JSON header line, then one JSON array per event:
``[seconds, "o", text]`` for output and ``[seconds, "r", "COLSxROWS"]`` for a
resize. Output is bytes and JSON holds text, so the bytes are decoded as UTF-8
incrementally: a character split across two chunks is written whole with the
second chunk; bytes that are not UTF-8 become U+FFFD (asciinema does the same),
so every line is valid JSON whatever the program printed.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping, Sequence
from typing import Any, final

__all__ = ["AsciicastEncoder", "header_line", "join_command"]


def header_line(
    width: int,
    height: int,
    timestamp: int,
    command: Sequence[str] | str | None = None,
    env: Mapping[str, str] | None = None,
    title: str | None = None,
) -> str:
    """The header line (with its newline) of an asciicast v2 recording."""
    header: dict[str, Any] = {"version": 2, "width": width, "height": height,
                              "timestamp": timestamp}
    if command is not None:
        header["command"] = command if isinstance(command, str) else join_command(command)
    if title is not None:
        header["title"] = title
    if env:
        header["env"] = dict(env)
    return json.dumps(header, ensure_ascii=False) + "\n"


def join_command(argv: Sequence[str]) -> str:
    """A readable command line (for display, never executed)."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_")
    out = []
    for arg in argv:
        if arg and all(c in safe for c in arg):
            out.append(arg)
        else:
            out.append("'" + arg.replace("'", "'\"'\"'") + "'")
    return " ".join(out)


def _event(t: float, code: str, data: str) -> str:
    return json.dumps([round(max(t, 0.0), 6), code, data], ensure_ascii=False) + "\n"


@final
class AsciicastEncoder:
    """Encode a console's output chunks and resizes as asciicast v2 event lines.

    Keeps an incremental UTF-8 decoder, so a chunk that ends inside a character
    gives a line without it and the next chunk's line starts with it whole. A
    chunk that completes no character gives no line (an empty string).
    """

    __slots__ = ("_decoder",)

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def output(self, t: float, data: bytes) -> str:
        """The ``"o"`` line for ``data`` at ``t`` seconds, or ``""`` if nothing decoded."""
        text = self._decoder.decode(data)
        return _event(t, "o", text) if text else ""

    def resize(self, t: float, cols: int, rows: int) -> str:
        """The ``"r"`` line for a new window size at ``t`` seconds."""
        return _event(t, "r", f"{cols}x{rows}")

    def finish(self, t: float) -> str:
        """The line for bytes still held (an incomplete character, as U+FFFD), or ``""``."""
        text = self._decoder.decode(b"", final=True)
        return _event(t, "o", text) if text else ""
