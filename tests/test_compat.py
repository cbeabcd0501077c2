"""ttyctl.compat.PtyProcess: ptyprocess 0.7.0's API and behaviour, on ttyctl's spawn."""

from __future__ import annotations

import os
import signal
import threading

import pytest

import ttyctl.compat as compat
from tests.helpers import PROGS, PYTHON, read_stat, tty_nr_of
from ttyctl.compat import PtyProcess, PtyProcessUnicode

PASSWORD = os.path.join(PROGS, "password.py")


def read_until(p: PtyProcess, needle: bytes) -> bytes:
    data = b""
    while needle not in data:
        data += p.read(4096)
    return data


def test_spawn_end_state_and_attributes(tmp_path: object) -> None:
    p = PtyProcess.spawn(["cat"], cwd="/", env={"PATH": "/usr/bin:/bin"}, dimensions=(30, 90))
    try:
        assert p.argv is not None and os.path.isabs(p.argv[0]) and p.argv[0].endswith("/cat")
        assert p.launch_dir == "/" and p.env == {"PATH": "/usr/bin:/bin"}
        assert p.fileno() == p.fd and p.isatty()
        assert p.getwinsize() == (30, 90)
        st = read_stat(p.pid)
        assert (st.sid, st.pgid, st.tpgid) == (p.pid, p.pid, p.pid)
        assert st.tty_nr == tty_nr_of(os.readlink(f"/proc/{p.pid}/fd/0"))
        assert p.isalive() and not p.terminated
        assert "PtyProcess.spawn(" in repr(p)
    finally:
        p.close()
    assert p.closed and p.terminated and p.fd == -1
    assert p.signalstatus == signal.SIGHUP and p.exitstatus is None
    assert p.status == signal.SIGHUP


def test_read_write_readline_eof_and_exit_status() -> None:
    p = PtyProcess.spawn(["sh", "-c", 'read x; echo "got $x"; printf tail; exit 3'])
    assert p.write(b"abc\n") == 4
    assert p.readline() == b"abc\r\n"  # the terminal's echo
    assert p.readline() == b"got abc\r\n"
    assert p.readline() == b"tail"  # the last, unterminated line
    with pytest.raises(EOFError):
        p.readline()
    assert p.flag_eof and p.eof()
    assert not p.isalive()  # after EOF, isalive waits for the exit, as ptyprocess
    assert (p.exitstatus, p.signalstatus, p.status) == (3, None, 3 << 8)
    assert p.wait() == 3  # a second wait returns the status again
    p.close()


def test_sendeof_sendintr_sendcontrol() -> None:
    p = PtyProcess.spawn(["cat"])
    assert p.sendcontrol("d") == (1, b"\x04")
    with pytest.raises(EOFError):
        while True:
            p.read()
    assert p.wait() == 0
    p.close()
    p = PtyProcess.spawn(["cat"])
    n, byte = p.sendintr()
    assert (n, byte) == (1, compat._INTR)
    assert p.wait() is None and p.signalstatus == signal.SIGINT
    p.close()
    p = PtyProcess.spawn(["cat"])
    assert p.sendeof() == (1, compat._EOF)
    assert p.wait() == 0
    assert p.sendcontrol("!") == (0, b"")
    p.close()


def test_bad_cwd_raises_in_the_parent() -> None:
    before = threading.active_count()
    with pytest.raises(FileNotFoundError):
        PtyProcess.spawn(["cat"], cwd="/nonexistent/dir")
    with pytest.raises(NotADirectoryError):
        PtyProcess.spawn(["cat"], cwd="/etc/passwd")
    with pytest.raises(FileNotFoundError):
        PtyProcess.spawn(["no-such-program-anywhere"])
    with pytest.raises(TypeError):
        PtyProcess.spawn("cat")  # type: ignore[arg-type]
    assert threading.active_count() == before


def test_preexec_fn_runs_and_its_exception_reaches_the_caller() -> None:
    def boom() -> None:
        raise ValueError("boom in child")

    with pytest.raises(ValueError, match="boom in child"):
        PtyProcess.spawn(["true"], preexec_fn=boom)

    p = PtyProcess.spawn(
        [PYTHON, "-c", "import signal; print(signal.getsignal(signal.SIGUSR1) is signal.SIG_IGN)"],
        preexec_fn=lambda: signal.signal(signal.SIGUSR1, signal.SIG_IGN) and None,
    )
    assert read_until(p, b"\n") == b"True\r\n"
    assert p.wait() == 0
    p.close()


def test_close_does_not_sleep_and_force_kills(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"close() slept {seconds} s; ptyprocess sleeps 0.1 s here")

    p = PtyProcess.spawn(["cat"])
    monkeypatch.setattr(compat.time, "sleep", no_sleep)  # it waits on a pidfd instead
    p.close()
    assert p.signalstatus == signal.SIGHUP
    p = PtyProcess.spawn(["sh", "-c", "trap '' HUP INT; echo READY; exec sleep 100"])
    read_until(p, b"READY")
    p.close(force=True)
    assert p.signalstatus == signal.SIGKILL


def test_close_without_force_raises_when_child_survives() -> None:
    p = PtyProcess.spawn(["sh", "-c", "trap '' HUP INT; echo READY; exec sleep 100"])
    read_until(p, b"READY")
    with pytest.raises(compat.PtyProcessError):
        p.close(force=False)
    assert p.isalive()
    p.kill(signal.SIGKILL)
    p.wait()
    assert p.signalstatus == signal.SIGKILL
    p.close()


def test_terminate_and_kill() -> None:
    p = PtyProcess.spawn(["cat"])
    assert p.terminate() is True
    assert p.signalstatus == signal.SIGHUP
    p.kill(signal.SIGTERM)  # a no-op once it ended
    p.close()


def test_echo_false_before_start_and_setecho_getecho() -> None:
    prog = "import termios; print('ECHO', bool(termios.tcgetattr(0)[3] & termios.ECHO))"
    p = PtyProcess.spawn([PYTHON, "-c", prog], echo=False)
    assert b"ECHO False" in read_until(p, b"\n")
    assert not p.getecho()
    p.setecho(True)
    assert p.getecho()
    p.wait()
    p.close()


def test_getpass_waitnoecho() -> None:
    p = PtyProcess.spawn([PYTHON, PASSWORD])
    assert p.waitnoecho(timeout=20) is True
    read_until(p, b"Password: ")
    p.write(b"pw42\n")
    out = read_until(p, b"24wp\r\n")
    assert b"pw42" not in out and b"got 4 chars" in out
    assert p.wait() == 0
    p.close()
    q = PtyProcess.spawn(["cat"])
    assert q.waitnoecho(timeout=0.05) is False
    q.close()


def test_setwinsize_sends_sigwinch() -> None:
    p = PtyProcess.spawn([PYTHON, os.path.join(PROGS, "winch.py")])
    read_until(p, b"READY")
    p.setwinsize(40, 100)
    assert b"WINCH 40 100" in read_until(p, b"WINCH 40 100")
    assert p.getwinsize() == (40, 100)
    p.close()


def test_unicode_variant_decodes_split_characters() -> None:
    p = PtyProcessUnicode.spawn(["cat"], echo=False)
    assert isinstance(p, PtyProcessUnicode)
    assert p.write("héllo €\n") == len("héllo €\n".encode())
    text = ""
    while "\n" not in text:
        text += p.read(1)  # one byte at a time: multi-byte characters are split
    assert text == "héllo €\r\n"
    p.sendeof()
    p.close()


def test_pass_fds() -> None:
    r, w = os.pipe()
    try:
        prog = f"import os; os.write({w}, b'through')"
        p = PtyProcess.spawn([PYTHON, "-c", prog], pass_fds=[w])
        os.close(w)
        w = -1
        assert os.read(r, 100) == b"through"
        p.wait()
        p.close()
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def test_isalive_after_someone_else_reaped_raises() -> None:
    p = PtyProcess.spawn(["cat"])
    p.terminate(force=True)
    p.terminated = False
    with pytest.raises(compat.PtyProcessError):
        p.isalive()
    p.terminated = True
    p.close()


def test_spawn_read_wait_from_many_threads() -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                p = PtyProcess.spawn(["sh", "-c", f"echo t{n}i{i}; exit {n % 7}"])
                assert f"t{n}i{i}".encode() in read_until(p, b"\n")
                assert p.wait() == n % 7
                p.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert not errors, errors
