"""``PtyProcess`` and ``PtyProcessUnicode`` with the API of ptyprocess 0.7.0, on ttyctl.

pexpect builds every PTY process through ``ptyprocess.PtyProcess.spawn``; these
classes have the same public API and behaviour, so pexpect runs on ttyctl:
either subclass ``pexpect.spawn`` with ``_spawnpty`` returning
``ttyctl.compat.PtyProcess.spawn(args, **kwargs)``, or call :func:`install`
(which puts these classes into the ``ptyprocess`` module) before spawning.

What differs from ptyprocess, on purpose:

- The child starts through ``posix_spawn`` (vfork: no copy of the caller, safe
  beside threads, no Python code in the child). Only a ``preexec_fn`` makes this
  one call fork, as ptyprocess always does; an exception it raises is re-raised
  in the caller as ptyprocess does.
- A bad ``cwd`` raises :class:`FileNotFoundError` (or :class:`NotADirectoryError`,
  :class:`PermissionError`) in the caller; ptyprocess's forked child went on
  running the caller's Python code instead.
- ``echo=False`` is set on the terminal before the program starts.
- :meth:`PtyProcess.close` and :meth:`PtyProcess.terminate` wait for the child
  with a timeout (``delayafterclose``, ``delayafterterminate``) and return as
  soon as it ended, where ptyprocess sleeps those delays every time.
- :meth:`PtyProcess.waitnoecho` polls every 10 ms (ptyprocess: 100 ms) and
  accepts ``timeout=None``.
- ``status`` is rebuilt from the exit code or signal: the core-dump bit is 0.
- The child's SIGPIPE and SIGXFSZ are at their defaults (ptyprocess's child
  inherits Python's SIG_IGN for SIGPIPE).

Thread safety: spawning from many threads at once is safe (no fork). One
object may be read from one thread while another writes, waits or signals;
two threads reading the same object get the output split between them.
Errors are ``ptyprocess.PtyProcessError`` when ptyprocess is installed (so
pexpect's error handling recognises them), else :class:`PtyProcessError` here.
"""

from __future__ import annotations

import builtins
import codecs
import errno
import importlib
import os
import select
import shutil
import signal
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, AnyStr, ClassVar

from ._os.pty import Winsize, get_winsize, set_winsize
from .errors import ExpectEOF, TtyctlError
from .process import Process
from .spawn import spawn as _spawn

__all__ = ["PtyProcess", "PtyProcessError", "PtyProcessUnicode", "install", "uninstall"]


def _find_error_class() -> type[Exception]:
    try:
        module = importlib.import_module("ptyprocess.util")
    except ImportError:
        return _PtyProcessError
    found = getattr(module, "PtyProcessError", None)
    if isinstance(found, type) and issubclass(found, Exception):
        return found
    return _PtyProcessError


class _PtyProcessError(TtyctlError):
    """A child that cannot be terminated or reaped (ptyprocess's error)."""


#: ``ptyprocess.PtyProcessError`` when ptyprocess is installed, else ttyctl's own.
PtyProcessError: type[Exception] = _find_error_class()

#: The interrupt and end-of-file characters sent by ``sendintr`` and ``sendeof``,
#: read from the caller's terminal on first use (as ptyprocess does).
_EOF: bytes | None = None
_INTR: bytes | None = None


def _make_eof_intr() -> None:
    """Set ``_EOF`` and ``_INTR`` from the caller's terminal, else ^D and ^C."""
    global _EOF, _INTR
    if _EOF is not None and _INTR is not None:
        return
    try:
        fd = None
        for name in ("stdin", "stdout"):
            stream = getattr(sys, f"__{name}__", None)
            if stream is None or not hasattr(stream, "fileno"):
                continue
            try:
                fd = stream.fileno()
            except ValueError:
                continue
        if fd is None:
            raise ValueError("no stream has a fileno")
        cc = termios.tcgetattr(fd)[6]
        intr, eof = ord(cc[termios.VINTR]), ord(cc[termios.VEOF])
    except (OSError, ValueError, termios.error):
        intr, eof = termios.CINTR, termios.CEOF
    _INTR = bytes([intr])
    _EOF = bytes([eof])


_adopt = threading.local()


class PtyProcess:
    """A program running on a pseudo-terminal (ptyprocess 0.7.0's API).

    Build it with :meth:`spawn`. Ownership: the object owns the PTY master
    (``fd``) and the child, through a :class:`ttyctl.Process`; :meth:`close`
    hangs up the terminal and reaps the child, and so does garbage collection
    of an object never closed. Reads raise :class:`EOFError` at the end of
    output (EIO on Linux) and set ``flag_eof``.
    """

    string_type: ClassVar[type] = bytes
    linesep: ClassVar[bytes] = os.linesep.encode("ascii")
    crlf: ClassVar[bytes] = b"\r\n"
    encoding: str | None = None

    argv: list[Any] | None = None
    env: Mapping[str, str] | None = None
    launch_dir: str | None = None

    @staticmethod
    def write_to_stdout(b: bytes) -> int:
        """Write ``b`` to ``sys.stdout`` (its buffer when it has one)."""
        try:
            return sys.stdout.buffer.write(b)
        except AttributeError:
            return sys.stdout.write(b.decode("ascii", "replace"))

    def __init__(self, pid: int, fd: int) -> None:
        _make_eof_intr()
        adopted = getattr(_adopt, "process", None)
        if isinstance(adopted, Process) and adopted.pid == pid and adopted.master == fd:
            self._proc = adopted
        else:  # built from a pid and master made elsewhere, as ptyprocess allows
            self._proc = Process(pid, mode="console", master=fd, argv=[], pgid=pid)
        self._pidfd = -1
        self.pid = pid
        self.fd = fd
        self.terminated = False
        self.closed = False
        self.exitstatus: int | None = None
        self.signalstatus: int | None = None
        self.status: int | None = None
        self.flag_eof = False
        self.echo = True
        #: The longest wait for the child to end after :meth:`close` hangs up.
        self.delayafterclose = 0.1
        #: The longest wait for the child to end after each signal of :meth:`terminate`.
        self.delayafterterminate = 0.1

    @classmethod
    def spawn(
        cls,
        argv: Sequence[Any],
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        echo: bool = True,
        preexec_fn: Callable[[], None] | None = None,
        dimensions: tuple[int, int] = (24, 80),
        pass_fds: Iterable[int] = (),
    ) -> Any:
        """Start ``argv`` on a new PTY, as the leader of a new session whose ctty it is.

        ``argv[0]`` is looked up on the caller's ``PATH`` (as ptyprocess does);
        ``env`` replaces the environment, ``cwd`` the working directory,
        ``dimensions`` is (rows, cols), ``echo=False`` turns the terminal's echo
        off before the program starts, ``pass_fds`` stay open in the child.
        Raises :class:`TypeError` for an argv that is not a list or tuple,
        :class:`FileNotFoundError` for a program not found or a missing
        ``cwd``, the :class:`OSError` of a failed exec, or the exception that
        ``preexec_fn`` raised; in every case in the caller, with no child left.
        """
        if not isinstance(argv, (list, tuple)):
            raise TypeError(f"Expected a list or tuple for argv, got {argv!r}")
        args = list(argv)
        command = args[0]
        found = shutil.which(command)
        if found is None:
            raise FileNotFoundError(f"The command was not found or was not executable: {command}.")
        args[0] = found
        attrs = None
        if not echo:
            from ._os.ptymodes import fresh_pty_termios, with_echo

            attrs = with_echo(fresh_pty_termios(), False)
        rows, cols = dimensions
        report_r = report_w = -1
        child_fn = None
        if preexec_fn is not None:
            report_r, report_w = os.pipe2(os.O_CLOEXEC)
            child_fn = _reporting(preexec_fn, report_w)
        try:
            proc = _spawn(
                [os.fsdecode(a) for a in args],
                mode="console",
                env=env,
                cwd=cwd,
                winsize=Winsize(rows, cols),
                pass_fds=[fd for fd in pass_fds if fd > 2],
                termios_attrs=attrs,
                preexec_fn=child_fn,
            )
        except OSError:
            if report_w >= 0:
                os.close(report_w)
                report_w = -1
                _raise_reported(report_r)
            raise
        finally:
            for fd in (report_r, report_w):
                if fd >= 0:
                    os.close(fd)
        _adopt.process = proc
        try:
            inst = cls(proc.pid, proc.fileno())
        except BaseException:
            proc.close(timeout=0)
            raise
        finally:
            _adopt.process = None
        inst.argv = args
        if env is not None:
            inst.env = env
        if cwd is not None:
            inst.launch_dir = os.fspath(cwd)
        return inst

    def __repr__(self) -> str:
        name = type(self).__name__
        if self.argv is not None:
            args = [repr(self.argv)]
            if self.env is not None:
                args.append(f"env={self.env!r}")
            if self.launch_dir is not None:
                args.append(f"cwd={self.launch_dir!r}")
            return "{}.spawn({})".format(name, ", ".join(args))
        return f"{name}(pid={self.pid}, fd={self.fd})"

    @staticmethod
    def _coerce_send_string(s: str | bytes) -> bytes:
        return s if isinstance(s, bytes) else s.encode("utf-8")

    @staticmethod
    def _coerce_read_string(s: AnyStr) -> AnyStr:
        return s

    def __del__(self) -> None:
        if not getattr(self, "closed", True):
            try:
                self.close()
            except Exception:
                pass

    # -- the terminal ----------------------------------------------------------

    def fileno(self) -> int:
        """The PTY master's descriptor."""
        return self.fd

    def flush(self) -> None:
        """Does nothing (writes are not buffered); here for file-like callers."""

    def isatty(self) -> bool:
        """True while the master is open (it is a terminal device)."""
        return os.isatty(self.fd)

    def getwinsize(self) -> tuple[int, int]:
        """The terminal's size as (rows, cols)."""
        size = get_winsize(self.fd)
        return size.rows, size.cols

    def setwinsize(self, rows: int, cols: int) -> None:
        """Set the terminal's size; the foreground group gets SIGWINCH."""
        set_winsize(self.fd, Winsize(rows, cols))

    def getecho(self) -> bool:
        """Whether the terminal echoes input (programs reading a password turn it off)."""
        try:
            attrs = termios.tcgetattr(self.fd)
        except termios.error as err:
            if err.args[0] == errno.EINVAL:
                raise OSError(err.args[0], f"{err.args[1]}: getecho() failed.") from err
            raise
        self.echo = bool(attrs[3] & termios.ECHO)
        return self.echo

    def setecho(self, state: bool) -> None:
        """Turn the terminal's echo on or off, at once."""
        attrs = termios.tcgetattr(self.fd)
        attrs[3] = attrs[3] | termios.ECHO if state else attrs[3] & ~termios.ECHO
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        self.echo = state

    def waitnoecho(self, timeout: float | None = None) -> bool:
        """Wait until the terminal's echo is off; False if ``timeout`` passed first.

        There is no notification for a termios change, so this polls (10 ms).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.getecho():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    # -- reading and writing ---------------------------------------------------

    def read(self, size: int = 1024) -> Any:
        """Read at most ``size`` bytes; blocks for at least one. EOFError at the end."""
        data = self._proc.read(size)
        if not data:
            self.flag_eof = True
            raise EOFError("End Of File (EOF). Exception style platform.")
        return data

    def readline(self) -> Any:
        """Read one line (up to ``\\n``, or what is left at the end). EOFError at the end."""
        try:
            return self._proc.readuntil(b"\n")
        except ExpectEOF as end:
            if end.before:
                return self._proc.read(len(end.before))  # the last, unterminated line
            self.flag_eof = True
            raise EOFError("End Of File (EOF). Exception style platform.") from None

    def _writeb(self, b: bytes, flush: bool = True) -> int:
        return self._proc.write(b)

    def write(self, s: Any, flush: bool = True) -> int:
        """Write bytes to the terminal, all of them; return how many."""
        return self._writeb(s, flush=flush)

    def sendcontrol(self, char: str) -> tuple[int, bytes]:
        """Send the control character for ``char`` (``'c'`` is Ctrl-C); return (n, byte)."""
        char = char.lower()
        a = ord(char)
        if 97 <= a <= 122:
            byte = bytes([a - ord("a") + 1])
            return self._writeb(byte), byte
        table = {"@": 0, "`": 0, "[": 27, "{": 27, "\\": 28, "|": 28, "]": 29, "}": 29}
        table.update({"^": 30, "~": 30, "_": 31, "?": 127})
        if char not in table:
            return 0, b""
        byte = bytes([table[char]])
        return self._writeb(byte), byte

    def sendeof(self) -> tuple[int, bytes]:
        """Send the end-of-file character (at the start of a line it ends the reader's input)."""
        assert _EOF is not None
        return self._writeb(_EOF), _EOF

    def sendintr(self) -> tuple[int, bytes]:
        """Send the interrupt character (SIGINT to the foreground group)."""
        assert _INTR is not None
        return self._writeb(_INTR), _INTR

    def eof(self) -> bool:
        """True once a read has reached the end of output."""
        return self.flag_eof

    # -- the child ---------------------------------------------------------------

    def isalive(self) -> bool:
        """Whether the child runs; reaps it and sets the status fields if it ended.

        After the end of output (``flag_eof``) it waits for the child to end,
        as ptyprocess does. Raises ``PtyProcessError`` when the child was
        reaped but ``terminated`` says otherwise.
        """
        if self.terminated:
            return False
        if self._proc.returncode is not None:
            raise PtyProcessError(
                'isalive() encountered condition where "terminated" is 0, but there was '
                "no child process. Did someone else call waitpid() on our process?"
            )
        try:
            code = self._wait_exit(None if self.flag_eof else 0)
        except ChildProcessError as exc:
            raise PtyProcessError(
                'isalive() encountered condition where "terminated" is 0, but there was '
                "no child process. Did someone else call waitpid() on our process?"
            ) from exc
        return code is None

    def wait(self) -> int | None:
        """Wait for the child to end; return its exit status (None if a signal killed it).

        It does not read the terminal: a child blocked on a full PTY never ends.
        """
        if self.isalive():
            self._wait_exit(None)
        return self.exitstatus

    def kill(self, sig: int) -> None:
        """Send ``sig`` to the child, if it still runs."""
        if self.isalive():
            self._proc.send_signal(sig)

    def terminate(self, force: bool = False) -> bool:
        """End the child: SIGHUP, SIGCONT, SIGINT, then SIGKILL if ``force``.

        After each signal it waits up to ``delayafterterminate`` for the child
        to end. Returns True once the child ended, False if it did not.
        """
        if not self.isalive():
            return True
        sequence = [signal.SIGHUP, signal.SIGCONT, signal.SIGINT]
        if force:
            sequence.append(signal.SIGKILL)
        try:
            for sig in sequence:
                self.kill(sig)
                if self._wait_exit(self.delayafterterminate) is not None:
                    return True
            return False
        except OSError:
            return self._wait_exit(self.delayafterterminate) is not None

    def close(self, force: bool = True) -> None:
        """Hang up the terminal and end the child; safe to call twice.

        Closing the master sends SIGHUP to the child's foreground group. If
        the child has not ended within ``delayafterclose`` seconds it is
        terminated (SIGKILL too with ``force``); raises ``PtyProcessError`` if
        it still runs after that.
        """
        if self.closed:
            return
        self.flush()
        self._proc.close_console()
        if self.isalive() and self._wait_exit(self.delayafterclose) is None:
            if not self.terminate(force):
                raise PtyProcessError("Could not terminate the child.")
        self._proc.close(timeout=0)
        self.fd = -1
        self.closed = True

    def _wait_exit(self, timeout: float | None) -> int | None:
        """Reap the child if it ends within ``timeout`` (None: forever); its code or None.

        Waits on a pidfd without reading the terminal (pexpect reads it).
        """
        code = self._proc.poll()
        if code is None and timeout != 0:
            deadline = None if timeout is None else time.monotonic() + timeout
            while code is None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._sleep_until_exit(remaining)
                code = self._proc.poll()
        if code is not None:
            self._set_status(code)
        return code

    def _sleep_until_exit(self, remaining: float | None) -> None:
        if self._pidfd < 0:
            try:
                pidfd = os.pidfd_open(self.pid)
            except OSError:
                time.sleep(0.005 if remaining is None else min(0.005, remaining))
                return
            if self._proc.returncode is not None:
                os.close(pidfd)  # reaped meanwhile: the pid may name another process now
                return
            self._pidfd = pidfd
        poller = select.poll()
        poller.register(self._pidfd, select.POLLIN)
        poller.poll(None if remaining is None else remaining * 1000)

    def _set_status(self, code: int) -> None:
        if not self.terminated:
            if code >= 0:
                self.status, self.exitstatus, self.signalstatus = code << 8, code, None
            else:
                self.status, self.exitstatus, self.signalstatus = -code, None, -code
            self.terminated = True
        fd, self._pidfd = self._pidfd, -1
        if fd >= 0:
            os.close(fd)


class PtyProcessUnicode(PtyProcess):
    """:class:`PtyProcess` whose reads return ``str`` and whose ``write`` takes ``str``.

    Decoding is incremental, so a character split across reads is not lost.
    """

    string_type: ClassVar[type] = str

    def __init__(
        self, pid: int, fd: int, encoding: str = "utf-8", codec_errors: str = "strict"
    ) -> None:
        super().__init__(pid, fd)
        self.encoding = encoding
        self.codec_errors = codec_errors
        self.decoder = codecs.getincrementaldecoder(encoding)(errors=codec_errors)

    def read(self, size: int = 1024) -> Any:
        """Read at most ``size`` bytes and return them decoded."""
        return self.decoder.decode(super().read(size), final=False)

    def readline(self) -> Any:
        """Read one line and return it decoded."""
        return self.decoder.decode(super().readline(), final=False)

    def write(self, s: Any, flush: bool = True) -> int:
        """Write the string ``s``, encoded; return the number of bytes written."""
        assert self.encoding is not None
        return super().write(s.encode(self.encoding))


def _reporting(preexec_fn: Callable[[], None], report_fd: int) -> Callable[[], None]:
    """Wrap ``preexec_fn`` so that the child reports an exception through ``report_fd``."""

    def run_and_report() -> None:  # pragma: no cover - runs in the forked child
        try:
            preexec_fn()
        except Exception as exc:
            os.write(report_fd, f"{type(exc).__name__}:0:{exc}".encode())
            raise

    return run_and_report


def _raise_reported(report_fd: int) -> None:
    """Re-raise the exception a child's ``preexec_fn`` reported, as ptyprocess does."""
    data = os.read(report_fd, 4096)
    if not data:
        return
    name, _, message = data.split(b":", 2)
    kind = getattr(builtins, name.decode("ascii", "replace"), None)
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        kind = Exception
    raise kind(message.decode("utf-8", "replace"))


_saved: dict[str, Any] = {}


def install() -> None:
    """Make ``ptyprocess.PtyProcess`` (and ``PtyProcessUnicode``) these classes.

    pexpect looks ``ptyprocess.PtyProcess`` up at each spawn, so every later
    ``pexpect.spawn`` runs on ttyctl. Raises :class:`ImportError` when
    ptyprocess is not installed. Undo with :func:`uninstall`.
    """
    module = importlib.import_module("ptyprocess")
    for name, cls in (("PtyProcess", PtyProcess), ("PtyProcessUnicode", PtyProcessUnicode)):
        current = getattr(module, name)
        if current is not cls:
            _saved.setdefault(name, current)
        setattr(module, name, cls)


def uninstall() -> None:
    """Put back the classes that :func:`install` replaced."""
    module = importlib.import_module("ptyprocess")
    for name in ("PtyProcess", "PtyProcessUnicode"):
        if name in _saved:
            setattr(module, name, _saved.pop(name))
