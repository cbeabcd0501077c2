"""The init strategy: start ``python -m ttyctl init``, which sets up and execs.

The child is spawned without ``setsid`` and without a controlling terminal
step; ``ttyctl init`` does ``setsid``, ``TIOCSCTTY``, ``dup2`` and the exec
itself (DESIGN.md section 2, strategy 3). A close-on-exec status pipe carries
its failure back: EOF with no bytes means the program was exec'd.
"""

from __future__ import annotations

import os
import sys

from .spawn_plan import SpawnPlan
from .spawn_posix import spawn_posix

__all__ = ["spawn_init"]


def spawn_init(plan: SpawnPlan, *, tty_on_stdio: bool) -> int:
    """Start ``plan`` through ``ttyctl init``; return the pid of the program.

    ``plan`` describes the end state as for the other strategies. A
    controlling terminal is handed to init on 0/1/2 (``tty_on_stdio``, the
    console's slave) or by path (an existing terminal). The pid is init's,
    which becomes the program's at the exec. Raises what init reported
    (:class:`OSError`, :class:`~ttyctl.TerminalError` and its subclasses)
    after reaping it, with nothing left running.
    """
    from ..init import failure_from_report

    read_end, write_end = os.pipe2(os.O_CLOEXEC)
    try:
        pid = spawn_posix(_init_plan(plan, write_end, tty_on_stdio))
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    try:
        report = b""
        while chunk := os.read(read_end, 65536):
            report += chunk
    finally:
        os.close(read_end)
    if report:
        os.waitpid(pid, 0)
        raise failure_from_report(report)
    return pid


def _init_plan(plan: SpawnPlan, status_fd: int, tty_on_stdio: bool) -> SpawnPlan:
    args = [sys.executable, "-m", "ttyctl", "init", "--status-fd", str(status_fd)]
    stdio = plan.stdio
    if plan.ctty_fd >= 0:
        if tty_on_stdio:
            stdio = (plan.ctty_fd, plan.ctty_fd, plan.ctty_fd)
            args += ["--tty-fd", "0"]
        else:
            assert plan.ctty_path is not None
            args += ["--tty", plan.ctty_path]
    if not plan.setsid:
        args.append("--no-setsid")
    for fd in plan.pass_fds:
        args += ["--keep-fd", str(fd)]
    args += ["--", *plan.argv]
    return SpawnPlan(
        path=sys.executable,
        argv=args,
        env=plan.env,
        cwd=plan.cwd,
        new_group=plan.new_group,
        stdio=stdio,
        pass_fds=(*plan.pass_fds, status_fd),
        close_fds=plan.close_fds,
    )
