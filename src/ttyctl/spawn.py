"""``spawn``: start a program with the session, group and terminal it needs."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack

from ._os.fds import inheritable_fds
from ._os.pty import Winsize, open_pty
from ._os.spawn_plan import SpawnPlan
from .errors import UsageError
from .process import Process

TYPE_CHECKING = False  # typing is for the type checker only: see process.py
if TYPE_CHECKING:
    from typing import IO, Any, Literal

    from .process import Mode

    Strategy = Literal["auto", "posix_spawn", "fork", "init"]
    StdioTarget = int | IO[bytes] | IO[str] | None

__all__ = ["resolve_program", "spawn"]


DEFAULT_WINSIZE = Winsize(24, 80)


def resolve_program(name: str, env: Mapping[str, str] | None = None) -> str:
    """Find the executable that ``execvp`` would run for ``name``.

    A name with a slash is used as it is. Otherwise each directory of the
    ``PATH`` in ``env`` (or the caller's environment) is tried. Raises
    :class:`FileNotFoundError` when nothing matches and :class:`PermissionError`
    when only files that cannot be executed match, as a shell reports them.
    """
    if not name:
        raise FileNotFoundError(errno.ENOENT, "empty program name", name)
    if "/" in name:
        return name
    denied = None
    for directory in os.get_exec_path(env):
        candidate = os.path.join(directory or ".", name)
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if os.access(candidate, os.X_OK):
            return candidate
        denied = denied or candidate
    if denied is not None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), denied)
    raise FileNotFoundError(errno.ENOENT, "command not found", name)


def spawn(
    argv: Sequence[str],
    *,
    mode: Mode = "console",
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    winsize: Winsize | tuple[int, int] | None = None,
    pass_fds: Iterable[int] = (),
    stdin: StdioTarget = None,
    stdout: StdioTarget = None,
    stderr: StdioTarget = None,
    new_group: bool = False,
    strategy: Strategy = "auto",
    preexec_fn: Callable[[], None] | None = None,
    termios_attrs: list[Any] | None = None,
    tty: str | None = None,
) -> Process:
    """Start ``argv`` and return its :class:`Process`.

    Modes (the end states of DESIGN.md section 1):

    - ``"console"``: on a new PTY, as leader of a new session and process group,
      whose controlling terminal and stdio are the PTY's slave. The caller keeps
      only the master (``Process.master``).
    - ``"detached"``: leader of a new session with no controlling terminal;
      stdio on ``stdin``/``stdout``/``stderr`` (a descriptor or a file object)
      or ``/dev/null``.
    - ``"inherit"``: in the caller's session with the caller's stdio; in a new
      process group of that session with ``new_group=True``.
    - ``"terminal"``: leader of a new session whose controlling terminal and
      stdio are the existing terminal ``tty`` (a path such as ``/dev/pts/3``,
      as busybox ``cttyhack`` does for a serial console). ``Process.master`` is
      ``None``: the caller holds no master. A terminal that is already another
      session's ctty raises :class:`~ttyctl.TerminalBusyError`, one that is not
      a terminal :class:`~ttyctl.NotATerminalError`, before the program runs.

    Strategies: ``"posix_spawn"`` (the default for ``"auto"``: vfork-based, safe
    beside threads), ``"fork"`` (fork and ``os.login_tty``; used by ``"auto"``
    when a ``preexec_fn`` is given, and in the ``"terminal"`` mode) and
    ``"init"`` (through ``ttyctl init``). All give the same end state. With
    ``"init"`` the child starts in the caller's session and group and leaves
    them when init calls ``setsid`` (the other strategies leave them before
    the child runs any code). The child inherits no descriptor of the caller
    beyond 0, 1, 2 and ``pass_fds``.

    Errors: :class:`ValueError` for an empty ``argv`` or arguments that do not
    fit the mode; :class:`FileNotFoundError` (program or ``cwd`` missing),
    :class:`PermissionError` (not executable), :class:`IsADirectoryError`,
    :class:`NotADirectoryError` (``cwd``) as :class:`OSError` from the kernel,
    raised in the caller with nothing left behind.
    """
    args = [os.fsdecode(a) for a in argv]
    if not args:
        raise UsageError("argv must name a program")
    if mode not in ("console", "detached", "inherit", "terminal"):
        raise UsageError(f"unknown mode {mode!r}")
    if (mode == "terminal") != (tty is not None):
        raise UsageError("tty names the terminal of the terminal mode, and only there")
    if strategy not in ("auto", "posix_spawn", "fork", "init"):
        raise UsageError(f"unknown strategy {strategy!r}")
    if mode != "detached" and (stdin, stdout, stderr) != (None, None, None):
        raise UsageError("stdin, stdout and stderr apply to the detached mode only")
    if mode != "console" and (winsize is not None or termios_attrs is not None):
        raise UsageError("winsize and termios_attrs apply to the console mode only")
    if new_group and mode != "inherit":
        raise UsageError("new_group applies to the inherit mode (other modes lead a session)")
    keep = tuple(sorted(set(pass_fds)))
    if any(fd <= 2 for fd in keep):
        raise UsageError("pass_fds holds descriptors above 2; 0, 1, 2 are set by the mode")
    environ = os.environ if env is None else env
    workdir = None if cwd is None else os.fspath(cwd)
    if workdir is not None:
        _check_cwd(workdir)
    path = resolve_program(args[0], environ)
    if strategy == "auto":
        # The terminal mode forks: TIOCSCTTY in the child reports a busy
        # terminal before exec, where posix_spawn's open would silently fail.
        strategy = "fork" if preexec_fn is not None or mode == "terminal" else "posix_spawn"
    elif preexec_fn is not None and strategy != "fork":
        raise UsageError("preexec_fn needs the fork strategy")

    plan = SpawnPlan(path=path, argv=args, env=environ, cwd=workdir, pass_fds=keep)
    with ExitStack() as always, ExitStack() as on_failure:
        master = -1
        if mode == "console":
            size = _winsize(winsize)
            pty = always.enter_context(open_pty(size))
            if termios_attrs is not None:
                import termios

                termios.tcsetattr(pty.slave, termios.TCSANOW, termios_attrs)
            plan.setsid = True
            plan.ctty_path = pty.slave_path
            plan.ctty_fd = pty.slave
            master = pty.take_master()
            on_failure.callback(os.close, master)
        elif mode == "detached":
            plan.setsid = True
            plan.stdio = (
                _stdio_fd(stdin, os.O_RDONLY, always),
                _stdio_fd(stdout, os.O_WRONLY, always),
                _stdio_fd(stderr, os.O_WRONLY, always),
            )
        elif mode == "terminal":
            assert tty is not None
            from ._os.ctty import open_terminal

            tty_fd = open_terminal(tty)
            always.callback(os.close, tty_fd)
            if strategy == "posix_spawn":
                # posix_spawn has no step before exec that could fail, so a busy
                # terminal is refused from /proc first (and checked again after).
                # The fork and init strategies let TIOCSCTTY's EPERM decide.
                from ._os.ctty import check_ctty_free

                check_ctty_free(tty_fd, tty)
            plan.setsid = True
            plan.ctty_path = tty
            plan.ctty_fd = tty_fd
        else:
            plan.new_group = new_group
        plan.close_fds = inheritable_fds(frozenset(keep))
        try:
            if strategy == "init":
                from ._os.spawn_init import spawn_init

                pid = spawn_init(plan, tty_on_stdio=mode == "console")
            elif strategy == "fork":
                from ._os.spawn_fork import spawn_fork

                pid = spawn_fork(plan, preexec_fn)
            else:
                from ._os.spawn_posix import spawn_posix

                pid = spawn_posix(plan)
        except OSError as exc:
            if mode == "terminal" and exc.errno == errno.EPERM:
                from ._os.ctty import check_ctty_free

                check_ctty_free(plan.ctty_fd, plan.ctty_path or "")
            raise _explain(exc, plan) from None
        if mode == "terminal" and strategy == "posix_spawn":
            _verify_ctty(pid, plan)
        on_failure.pop_all()
    if mode == "inherit":
        pgid = pid if new_group else os.getpgrp()
    else:
        pgid = pid
    return Process(pid, mode=mode, master=master, argv=args, pgid=pgid)


def _verify_ctty(pid: int, plan: SpawnPlan) -> None:
    """Check that ``pid`` got the terminal; if another session won it, undo the spawn.

    The posix_spawn strategy acquires it by opening it, which silently gives
    no ctty when another session took it since the pre-check. A program that
    has already ended (its ctty is gone from /proc then) is not judged.
    """
    from ._os.ctty import ctty_nr, session_holding, tty_nr_of_fd
    from .errors import TerminalBusyError

    wanted = tty_nr_of_fd(plan.ctty_fd)
    if ctty_nr(pid) == wanted:
        return
    # No ctty: either the open did not acquire it (another session holds it),
    # or the program is already exiting (the kernel drops the ctty before the
    # zombie shows). A program that ends within a moment is not judged.
    import select

    pidfd = os.pidfd_open(pid)
    try:
        if select.select([pidfd], [], [], 0.1)[0]:
            return
    finally:
        os.close(pidfd)
    import signal

    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise TerminalBusyError(plan.ctty_path or "", session_holding(wanted))


def _winsize(size: Winsize | tuple[int, int] | None) -> Winsize:
    if size is None:
        return DEFAULT_WINSIZE
    if isinstance(size, Winsize):
        return size
    rows, cols = size
    return Winsize(rows, cols)


def _stdio_fd(target: StdioTarget, flags: int, stack: ExitStack) -> int:
    """A close-on-exec descriptor above 2 for ``target``, closed when ``stack`` ends.

    Each target is duplicated first so that no dup2 in the child can clobber
    another (``stdout=2, stderr=1``).
    """
    if target is None:
        fd = os.open(os.devnull, flags | os.O_CLOEXEC)
    else:
        source = target if isinstance(target, int) else target.fileno()
        fd = os.dup(source)  # os.dup makes the copy close-on-exec
    stack.callback(os.close, fd)
    return fd


def _check_cwd(path: str) -> None:
    st = os.stat(path)  # FileNotFoundError names the path
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path)
    if not os.access(path, os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)


def _explain(exc: OSError, plan: SpawnPlan) -> OSError:
    """Name the program in an exec failure and tell a directory from a denial."""
    if exc.errno == errno.EACCES:
        try:
            if stat.S_ISDIR(os.stat(plan.path).st_mode):
                return IsADirectoryError(errno.EISDIR, "is a directory", plan.path)
        except OSError:
            pass
    if exc.filename is None:
        return type(exc)(exc.errno, exc.strerror, plan.path)
    return exc
