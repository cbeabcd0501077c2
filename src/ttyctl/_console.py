"""The server's state for one named console and for one connected client."""

from __future__ import annotations

import os
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from typing import final

from .process import Process
from .recording import Recorder
from .sansio.frames import FrameDecoder
from .sansio.scrollback import Scrollback

__all__ = ["Client", "Console"]


@final
@dataclass(eq=False, slots=True)
class Console:
    """A named console held by the server.

    Ownership: the console owns ``master`` (-1 once closed) and, for an adopted
    console with a known pid, ``pidfd``. For a console the server spawned,
    ``proc`` is kept only to reap the program (``Process.poll``); the server
    never reads, writes or closes through it, since it owns the master itself.
    """

    name: str
    argv: list[str]
    pid: int | None
    master: int
    scrollback: Scrollback
    proc: Process | None = None
    pidfd: int = -1
    started: float = field(default_factory=time.time)
    clients: list[Client] = field(default_factory=list)
    running: bool = True
    returncode: int | None = None
    recorder: Recorder | None = None
    pending_input: bytearray = field(default_factory=bytearray)
    size: tuple[int, int] = (24, 80)

    def describe(self) -> dict[str, object]:
        """The JSON-ready summary that ``ttyctl ls`` shows."""
        return {
            "name": self.name,
            "pid": self.pid,
            "argv": self.argv,
            "started": self.started,
            "clients": len(self.clients),
            "running": self.running,
            "returncode": self.returncode,
            "adopted": self.proc is None,
            "rows": self.size[0],
            "cols": self.size[1],
        }

    def close_master(self) -> None:
        """Close the master (this hangs up the terminal: SIGHUP to its foreground group)."""
        fd, self.master = self.master, -1
        if fd >= 0:
            os.close(fd)

    def close_pidfd(self) -> None:
        """Close the pidfd of an adopted console, if any."""
        fd, self.pidfd = self.pidfd, -1
        if fd >= 0:
            os.close(fd)


@final
@dataclass(eq=False, slots=True)
class Client:
    """A connection to the server.

    Ownership: the client owns ``sock`` and every descriptor in ``fds`` (received
    with its frames and not yet taken by a request). ``out`` holds encoded frames
    not yet sent; ``offset`` bytes of ``out[0]`` are already sent.
    """

    sock: socket.socket
    uid: int
    decoder: FrameDecoder = field(default_factory=FrameDecoder)
    out: deque[bytes] = field(default_factory=deque)
    offset: int = 0
    queued: int = 0
    fds: list[int] = field(default_factory=list)
    console: Console | None = None
    readonly: bool = False
    answered: bool = False
    closing: bool = False
    closed: bool = False
    writing: bool = False

    def take_fds(self) -> list[int]:
        """Hand the received descriptors to the caller, who must close them."""
        fds, self.fds = self.fds, []
        return fds

    def close_fds(self) -> None:
        """Close the received descriptors no request took."""
        for fd in self.take_fds():
            os.close(fd)
