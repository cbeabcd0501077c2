"""The fork strategy: fork, ``os.login_tty`` in the child, execve.

For callers that must run Python code in the child (``preexec_fn``). The child
reports a failure before exec through a close-on-exec pipe: EOF on the pipe
means the exec happened.
"""

from __future__ import annotations

import os
import signal
import struct
from collections.abc import Callable

from .spawn_plan import SpawnPlan
from .spawn_posix import RESET_SIGNALS

__all__ = ["spawn_fork"]

_REPORT = struct.Struct("ii")
_STAGES = ("session", "controlling terminal", "stdio", "working directory", "preexec_fn", "exec")


def spawn_fork(plan: SpawnPlan, preexec_fn: Callable[[], None] | None = None) -> int:
    """Start ``plan`` with fork and exec; return the child's pid.

    A failure in the child (bad ``cwd``, exec error, an exception from
    ``preexec_fn``) is raised in the parent as :class:`OSError` after the child
    has been reaped, so nothing is left behind.
    """
    read_end, write_end = os.pipe2(os.O_CLOEXEC)
    env = dict(plan.env)
    try:
        pid = os.fork()
    except BaseException:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # pragma: no cover - runs in the child, which execs or exits
        _child(plan, env, preexec_fn, write_end)
    os.close(write_end)
    try:
        report = b""
        while chunk := os.read(read_end, _REPORT.size):
            report += chunk
    finally:
        os.close(read_end)
    if report:
        os.waitpid(pid, 0)
        errno_, stage = _REPORT.unpack(report.ljust(_REPORT.size, b"\0")[: _REPORT.size])
        where = _STAGES[stage] if 0 <= stage < len(_STAGES) else "exec"
        filename = plan.cwd if where == "working directory" else plan.path
        if where == "preexec_fn":
            raise OSError(errno_ or 1, "preexec_fn raised an exception in the child")
        raise OSError(errno_, os.strerror(errno_), filename)
    return pid


def _child(
    plan: SpawnPlan,
    env: dict[str, str],
    preexec_fn: Callable[[], None] | None,
    report_fd: int,
) -> None:  # pragma: no cover - runs in the child
    stage = 0
    try:
        for signum in RESET_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())
        if plan.ctty_fd >= 0:
            stage = 1
            # login_tty: setsid, TIOCSCTTY, dup2 onto 0/1/2, close the fd.
            os.login_tty(plan.ctty_fd)
        else:
            if plan.setsid:
                os.setsid()
            elif plan.new_group:
                os.setpgid(0, 0)
            stage = 2
            for target, source in enumerate(plan.stdio):
                if source >= 0:
                    os.dup2(source, target)
        for fd in plan.close_fds:
            os.close(fd)
        for fd in plan.pass_fds:
            os.set_inheritable(fd, True)
        if plan.cwd is not None:
            stage = 3
            os.chdir(plan.cwd)
        if preexec_fn is not None:
            stage = 4
            preexec_fn()
        stage = 5
        os.execve(plan.path, list(plan.argv), env)
    except OSError as exc:
        code = exc.errno or 0
    except BaseException:
        code = 0
    try:
        os.write(report_fd, _REPORT.pack(code, stage))
    finally:
        os._exit(127)
