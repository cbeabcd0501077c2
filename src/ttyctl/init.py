"""``ttyctl init``: the stage-1 wrapper, and the duties of a process that runs as PID 1.

Stage 1 (the runc model, DESIGN.md section 2): become a session leader
(``setsid``), make the terminal the controlling terminal (``TIOCSCTTY``), put
it on 0, 1 and 2, close every other descriptor and exec the program, in that
order and inside whatever namespaces the caller set up. Every failure is
raised before the exec, so the program never runs half set up.

As PID 1, or with ``reap``, the wrapper does not exec but forks the program
and stays: it reaps every zombie that reaches it, passes signals on, gives the
program's group the terminal's foreground and hands it back afterwards, and
returns the program's status.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, NoReturn, final

from ._os.ctty import acquire_ctty, close_fds_except, open_terminal
from .errors import (
    NotATerminalError,
    SessionLeaderError,
    TerminalBusyError,
    TerminalError,
    TtyctlError,
    UsageError,
)
from .sansio.exitstatus import decode_wait_status, shell_exit_code

__all__ = [
    "FORWARDED_SIGNALS",
    "InitOptions",
    "exec_program",
    "failure_from_report",
    "prepare",
    "report_failure",
    "run_init",
    "supervise",
]

#: Signals that the supervising init passes on to the program (or its group).
FORWARDED_SIGNALS: Final = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
)

# Python ignores these; the program must start with them at their defaults.
_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)
# Job-control stops must never stop the init itself.
_STOP_SIGNALS = (signal.SIGTTOU, signal.SIGTTIN, signal.SIGTSTP)
_PR_SET_CHILD_SUBREAPER = 36


@final
@dataclass(frozen=True, slots=True)
class InitOptions:
    """What ``ttyctl init`` is asked to do.

    ``argv`` is the program and its arguments (``argv[0]`` is looked up in
    ``PATH``). ``tty`` (a path) or ``tty_fd`` (a descriptor the caller passed
    in) names the terminal; with neither, no terminal is touched. ``setsid``
    false skips ``setsid`` for a caller that already leads its session.
    ``steal`` takes a terminal that is another session's ctty (CAP_SYS_ADMIN).
    ``keep_fds`` stay open in the program besides 0, 1 and 2. ``reap`` makes
    it supervise instead of exec (implied as PID 1); ``group`` sends the
    passed-on signals to the program's process group.
    """

    argv: tuple[str, ...]
    tty: str | None = None
    tty_fd: int | None = None
    setsid: bool = True
    steal: bool = False
    keep_fds: frozenset[int] = frozenset()
    reap: bool = False
    group: bool = False

    def __post_init__(self) -> None:
        if not self.argv:
            raise UsageError("no program given")
        if self.tty is not None and self.tty_fd is not None:
            raise UsageError("give a terminal by path or by descriptor, not both")
        if any(fd <= 2 for fd in self.keep_fds):
            raise UsageError("kept descriptors are above 2; 0, 1, 2 are always kept")
        if self.group and not self.supervises:
            raise UsageError("group applies when init supervises (reap, or as PID 1)")

    @property
    def supervises(self) -> bool:
        """True when init forks and stays (PID 1 or ``reap``) instead of exec."""
        return self.reap or os.getpid() == 1


def prepare(opts: InitOptions, *, spare: Iterable[int] = ()) -> str:
    """Run the stage-1 steps up to the exec; return the program's path.

    In order: look the program up; open the terminal (``O_NOCTTY``); ``setsid``
    unless ``opts.setsid`` is false or this process leads its session already
    (as a script that init started in a session of its own); ``TIOCSCTTY``
    (argument 1 with ``steal``); ``dup2`` it onto 0, 1 and 2; close every descriptor above 2 but
    ``opts.keep_fds`` (made inheritable) and ``spare`` (made close-on-exec:
    open until the exec, for reporting a failure, then gone).

    Raises, with nothing executed: :class:`FileNotFoundError` or
    :class:`PermissionError` naming the program; :class:`OSError` for a
    terminal that cannot be opened or a kept descriptor that is not open;
    :class:`NotATerminalError`; :class:`SessionLeaderError` (``setsid`` refused,
    or not a session leader with ``setsid`` false); :class:`TerminalBusyError`;
    :class:`PermissionError` (EPERM) when stealing is refused.
    """
    from .spawn import resolve_program

    for fd in opts.keep_fds:
        try:
            os.set_inheritable(fd, True)
        except OSError as exc:
            raise OSError(exc.errno, f"kept descriptor {fd}: {exc.strerror}") from None
    spared = frozenset(spare)
    for fd in spared:
        os.set_inheritable(fd, False)
    path = resolve_program(opts.argv[0])
    tty, name = _open_tty(opts)
    if opts.setsid and os.getsid(0) != os.getpid():
        try:
            os.setsid()
        except PermissionError:
            raise SessionLeaderError(
                "cannot start a new session: this process leads a process group "
                "(start it from a process that does not, as a shell job is)"
            ) from None
    if tty >= 0:
        acquire_ctty(tty, name, steal=opts.steal)
        for target in (0, 1, 2):
            if tty != target:
                os.dup2(tty, target)
    close_fds_except(opts.keep_fds | spared)
    return path


def _open_tty(opts: InitOptions) -> tuple[int, str]:
    if opts.tty is not None:
        return open_terminal(opts.tty), opts.tty
    if opts.tty_fd is None:
        return -1, ""
    fd = opts.tty_fd
    os.fstat(fd)  # EBADF for a descriptor that is not open
    if not os.isatty(fd):
        raise NotATerminalError(f"descriptor {fd}: not a terminal")
    try:
        return fd, os.ttyname(fd)
    except OSError:
        return fd, f"descriptor {fd}"


def exec_program(path: str, argv: Iterable[str], env: Mapping[str, str] | None = None) -> NoReturn:
    """Exec ``path`` with ``argv``; only returns by raising :class:`OSError`.

    SIGPIPE and SIGXFSZ, which Python ignores, are put back to their defaults.
    """
    for signum in _RESET_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    os.execve(path, list(argv), os.environ if env is None else env)


def supervise(path: str, opts: InitOptions) -> int:
    """Fork the program and stay as its init; return its shell-style status.

    Marks this process child subreaper (unless it is PID 1 already), so
    orphans of the program come here and get reaped. The program gets a
    process group of its own and, when this process's group has the
    foreground of its controlling terminal, the foreground (the child takes it
    before exec, so it never reads the terminal from the background); when it
    ends the foreground goes back to the group it was taken from. Signals in
    :data:`FORWARDED_SIGNALS` are passed on to the program, or its group with
    ``opts.group``. Returns its exit code, or 128+N when signal N killed it,
    once it has been reaped. Raises :class:`OSError` if it cannot be started.
    """
    from ._os.spawn_fork import spawn_fork
    from ._os.spawn_plan import SpawnPlan

    if os.getpid() != 1:
        _set_child_subreaper()
    waited = {signal.SIGCHLD, *FORWARDED_SIGNALS}
    signal.pthread_sigmask(signal.SIG_BLOCK, waited | set(_STOP_SIGNALS))
    previous = _foreground_to_take()
    plan = SpawnPlan(
        path=path, argv=list(opts.argv), env=os.environ, new_group=True,
        pass_fds=tuple(sorted(opts.keep_fds)),
    )
    pid = spawn_fork(plan, _take_foreground if previous is not None else None)
    status = _reap(pid)
    while status is None:
        info = signal.sigwaitinfo(waited)
        if info.si_signo == signal.SIGCHLD:
            status = _reap(pid)
        else:
            _forward(pid, info.si_signo, opts.group)
    _reap(pid)
    if previous is not None:
        try:
            os.tcsetpgrp(0, previous)  # SIGTTOU is blocked: no stop from the background
        except OSError:
            pass  # the terminal or that group is gone
    return shell_exit_code(decode_wait_status(status))


def _foreground_to_take() -> int | None:
    """The group to hand the foreground back to, if ours has it now, else None."""
    try:
        foreground = os.tcgetpgrp(0)  # ENOTTY unless 0 is our controlling terminal
    except OSError:
        return None
    return foreground if foreground == os.getpgrp() else None


def _take_foreground() -> None:  # pragma: no cover - runs in the child before exec
    # A background group that calls tcsetpgrp gets SIGTTOU unless it blocks it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTTOU})
    try:
        os.tcsetpgrp(0, os.getpgrp())
    except OSError:
        pass
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTTOU})


def _reap(main: int) -> int | None:
    """Reap every child that has ended; return ``main``'s wait status if it was one."""
    found = None
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return found
        if pid == 0:
            return found
        if pid == main:
            found = status


def _forward(pid: int, signum: int, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass  # it ended; its SIGCHLD is on its way


def _set_child_subreaper() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"PR_SET_CHILD_SUBREAPER: {os.strerror(code)}")


def run_init(opts: InitOptions, *, spare: Iterable[int] = ()) -> int:
    """Do what ``opts`` asks: exec the program, or supervise it and return its status.

    Without ``reap`` and not as PID 1 this never returns normally: it execs,
    or raises as :func:`prepare` and :func:`exec_program` do.
    """
    path = prepare(opts, spare=spare)
    if opts.supervises:
        return supervise(path, opts)
    exec_program(path, opts.argv)


# -- the failure report for spawn(strategy="init") ---------------------------

_KINDS: Final[dict[str, type[TtyctlError]]] = {
    "NotATerminalError": NotATerminalError,
    "SessionLeaderError": SessionLeaderError,
    "TerminalError": TerminalError,
    "UsageError": UsageError,
}


def report_failure(fd: int, exc: BaseException) -> None:
    """Write ``exc`` to ``fd`` (the status pipe of ``spawn``), as one JSON object.

    An init that execs closes the pipe unwritten (it is close-on-exec); the
    reader takes EOF with no bytes as success.
    """
    report: dict[str, object] = {"kind": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, TerminalBusyError):
        report.update(path=exc.path, sid=exc.sid)
    elif isinstance(exc, OSError):
        report.update(kind="OSError", errno=exc.errno, strerror=exc.strerror,
                      filename=exc.filename)
    data = json.dumps(report).encode()
    while data:
        data = data[os.write(fd, data):]


def failure_from_report(data: bytes) -> Exception:
    """Rebuild the exception that :func:`report_failure` wrote."""
    try:
        report = json.loads(data)
        kind = str(report["kind"])
        if kind == "OSError":
            return OSError(int(report["errno"]), str(report["strerror"]), report["filename"])
        if kind == "TerminalBusyError":
            return TerminalBusyError(str(report["path"]), report["sid"])
        return _KINDS.get(kind, TtyctlError)(str(report["message"]))
    except (ValueError, KeyError, TypeError):
        return TtyctlError(f"ttyctl init failed: {data[:200]!r}")
