"""Run a Python function in a forked child that reports facts back as JSON lines.

For experiments only (``ttyctl demo``): the child runs Python between fork and
its exit, which is safe here because the caller is single-threaded. The child
leads a session of its own unless told otherwise, so that cleanup can kill
everything it started by that session's group, and nothing it does can reach
the caller's terminal.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
from collections.abc import Callable
from typing import Any, final

__all__ = ["Child", "Report", "fork_child"]

Report = Callable[[dict[str, Any]], None]


@final
class Child:
    """A forked child: read its reports with :meth:`next`, end it with :meth:`close`.

    Owns the read end of the report pipe and the child's pid; :meth:`close`
    kills the child's group (and the child) and reaps it.
    """

    __slots__ = ("_buffer", "_fd", "pid", "status")

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.status: int | None = None
        self._fd = fd
        self._buffer = b""

    def next(self, timeout: float = 5.0) -> dict[str, Any]:
        """The child's next report; raises :class:`TimeoutError` or :class:`EOFError`."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._fd], [], [], remaining)[0]:
                raise TimeoutError(f"no report from child {self.pid} within {timeout} s")
            chunk = os.read(self._fd, 4096)
            if not chunk:
                raise EOFError(f"child {self.pid} ended without reporting")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        report: dict[str, Any] = json.loads(line)
        if "error" in report:
            raise RuntimeError(f"experiment failed in the child: {report['error']}")
        return report

    def close(self) -> None:
        """Kill what is left of the child's group, reap the child, close the pipe."""
        if self.status is None:
            for kill in (os.killpg, os.kill):
                try:
                    kill(self.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self.status = os.waitpid(self.pid, 0)[1]
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fork_child(
    body: Callable[[Report], None], *, new_session: bool = True, close: tuple[int, ...] = ()
) -> Child:
    """Fork; the child runs ``body(report)`` then exits (1 if it raised).

    ``report(dict)`` sends one JSON line to the parent. ``close`` lists the
    parent's descriptors the child must close first (PTY masters, so that the
    child cannot keep a terminal alive).
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read_end)
            for fd in close:
                os.close(fd)
            if new_session:
                os.setsid()

            def report(facts: dict[str, Any]) -> None:
                os.write(write_end, json.dumps(facts).encode() + b"\n")

            try:
                body(report)
                code = 0
            except BaseException as exc:
                report({"error": f"{type(exc).__name__}: {exc}"})
        finally:
            os._exit(code)
    os.close(write_end)
    return Child(pid, read_end)
