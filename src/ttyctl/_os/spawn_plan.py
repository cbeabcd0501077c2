"""What a spawn must set up in the child, independent of how it is done."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from .._final import final

__all__ = ["SpawnPlan"]


@final
class SpawnPlan:
    """Everything a strategy needs to start one program (a plain class: no
    ``dataclasses`` import on the hot path).

    ``path`` is the resolved executable and ``argv`` its arguments. ``ctty_path``
    (with ``ctty_fd``, its open descriptor in the parent) names the terminal that
    becomes the child's controlling terminal and stdio; ``stdio`` otherwise holds
    the descriptors to put on 0, 1, 2 (``-1`` keeps the caller's). ``setsid``
    makes the child lead a new session, ``new_group`` a new process group.
    ``close_fds`` are inheritable descriptors of the parent to close in the child.
    """

    __slots__ = (
        "argv", "close_fds", "ctty_fd", "ctty_path", "cwd", "env", "new_group",
        "pass_fds", "path", "setsid", "stdio",
    )

    def __init__(
        self,
        path: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: str | None = None,
        pass_fds: tuple[int, ...] = (),
        *,
        setsid: bool = False,
        new_group: bool = False,
        ctty_path: str | None = None,
        ctty_fd: int = -1,
        stdio: tuple[int, int, int] = (-1, -1, -1),
        close_fds: list[int] | None = None,
    ) -> None:
        self.path = path
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.pass_fds = pass_fds
        self.setsid = setsid
        self.new_group = new_group
        self.ctty_path = ctty_path
        self.ctty_fd = ctty_fd
        self.stdio = stdio
        self.close_fds: list[int] = [] if close_fds is None else close_fds

    def file_actions(self) -> list[tuple[int, ...] | tuple[int, int, str, int, int]]:
        """The plan as ``os.posix_spawn`` file actions, in the order they must run.

        glibc runs setsid before the file actions, so opening the terminal
        without ``O_NOCTTY`` makes it the new session's controlling terminal
        (a session leader with no ctty that opens a terminal no session owns
        acquires it).
        """
        actions: list[tuple[int, ...] | tuple[int, int, str, int, int]] = [
            (os.POSIX_SPAWN_CLOSE, fd) for fd in self.close_fds
        ]
        if self.ctty_path is not None:
            actions.append((os.POSIX_SPAWN_OPEN, 0, self.ctty_path, os.O_RDWR, 0))
            actions.append((os.POSIX_SPAWN_DUP2, 0, 1))
            actions.append((os.POSIX_SPAWN_DUP2, 0, 2))
        else:
            for target, source in enumerate(self.stdio):
                if source >= 0:
                    actions.append((os.POSIX_SPAWN_DUP2, source, target))
        # glibc >= 2.29: dup2 of a descriptor onto itself clears close-on-exec.
        actions.extend((os.POSIX_SPAWN_DUP2, fd, fd) for fd in self.pass_fds)
        return actions
