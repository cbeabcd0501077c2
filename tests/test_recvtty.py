"""``ttyctl recvtty`` against ttyctl's own sender, plain sockets and bad peers."""

from __future__ import annotations

import os
import pwd
import random
import re
import select
import shutil
import socket
import subprocess
import tempfile
import termios
import time
from collections.abc import Callable, Iterator

import pytest

from tests.console_helpers import Receiver, fd_count_settles, running_receiver
from tests.helpers import (
    Terminal,
    kill_group,
    read_until,
    start_on_terminal,
    ttyctl_argv,
)

TEST_USER = "ttyctltest"


@pytest.fixture
def sockdir(tmp_path: os.PathLike[str]) -> str:
    path = os.path.join(os.fspath(tmp_path), "s")
    os.mkdir(path, 0o700)
    return path


def _send_program(sock: str, *cmd: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ttyctl_argv("run", "--console-socket", sock, "--", *cmd),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


# -- log and null ---------------------------------------------------------------


def test_log_mode_one_file_per_console(sockdir: str) -> None:
    sock = os.path.join(sockdir, "c.sock")
    with running_receiver(sock, "--mode", "log") as receiver:
        for n in (1, 2):
            sender = _send_program(sock, "sh", "-c", f"tty; echo MARK-{n}; exit {n}")
            assert sender.wait(30) == n
            receiver.wait_line(f"console-{n} ended".encode())
        assert f"pid {sender.pid} uid {os.geteuid()}" in receiver.log()
    for n in (1, 2):
        with open(os.path.join(sockdir, f"console-{n}.log"), "rb") as f:
            text = f.read()
        header, _, rest = text.partition(b"\n")
        assert re.fullmatch(
            rb"--- ttyctl recvtty: console-%d received \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
            rb"from pid \d+ uid %d, name '/dev/ptmx', pts \d+, 24x80 ---" % (n, os.geteuid()),
            header,
        ), header
        assert re.search(rb"/dev/pts/\d+\r\nMARK-%d\r\n" % n, rest), rest
        assert re.search(rb"--- console-%d ended .*Z ---\n$" % n, rest), rest
        assert os.stat(os.path.join(sockdir, f"console-{n}.log")).st_mode & 0o777 == 0o600
    assert not os.path.exists(sock)  # removed when the receiver stopped


@pytest.mark.parametrize("name", [b"/dev/ptmx", b"/dev/pts/ptmx", b" ", b"/dev/ptmx\0"])
def test_plain_send_fds_sender_to_recvtty(sockdir: str, name: bytes) -> None:
    """What runc, later runc, crun and conmon send, written with plain socket.send_fds."""
    sock = os.path.join(sockdir, "c.sock")
    master, slave = os.openpty()
    try:
        with running_receiver(sock, "--mode", "log") as receiver:
            with _connect(sock) as s:
                socket.send_fds(s, [name], [master])
            receiver.wait_line(b"received console-1")
            os.close(master)  # the receiver's copy keeps the terminal up
            master = -1
            os.write(slave, b"plain sender\n")
            os.close(slave)
            slave = -1
            receiver.wait_line(b"console-1 ended")
            shown = name.rstrip(b"\0").decode()
            assert f"name {shown!r}" in receiver.log()
        with open(os.path.join(sockdir, "console-1.log"), "rb") as f:
            assert b"plain sender\r\n" in f.read()
    finally:
        for fd in (master, slave):
            if fd >= 0:
                os.close(fd)


def test_null_mode_drains_output(sockdir: str) -> None:
    """A program writing far more than a PTY buffers is not blocked: null reads it."""
    sock = os.path.join(sockdir, "c.sock")
    with running_receiver(sock, "--mode", "null") as receiver:
        sender = _send_program(sock, "sh", "-c", "i=0; while [ $i -lt 3000 ]; do "
                               "echo 0123456789012345678901234567890123456789; i=$((i+1)); done")
        assert sender.wait(60) == 0
        receiver.wait_line(b"console-1 ended")


def test_pid_file_and_log_file(sockdir: str) -> None:
    sock = os.path.join(sockdir, "c.sock")
    pid_file = os.path.join(sockdir, "pid")
    log_file = os.path.join(sockdir, "events.log")
    proc = subprocess.Popen(
        ttyctl_argv("recvtty", "--mode", "null", "--pid-file", pid_file, "--log", log_file,
                    sock),
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        sender = _send_program(sock, "true")  # retried below until the socket is there
        while sender.wait(30) == 125:
            sender = _send_program(sock, "true")
        with open(pid_file) as f:
            assert int(f.read()) == proc.pid
        os.kill(proc.pid, 15)
        assert proc.wait(30) == 0
        assert proc.stderr is not None and proc.stderr.read() == b""
        with open(log_file) as f:
            lines = f.read().splitlines()
        assert re.match(r"\d{4}-.*Z listening on ", lines[0])
        assert any("received console-1 from pid" in line for line in lines)
        assert not os.path.exists(pid_file)
    finally:
        kill_group(proc.pid)
        proc.wait()


# -- single mode, driven from a terminal the test made --------------------------------


def test_single_mode_wires_the_console_to_this_terminal(
    sockdir: str, terminal: Terminal
) -> None:
    sock = os.path.join(sockdir, "c.sock")
    before = termios.tcgetattr(terminal.slave)
    receiver = start_on_terminal(terminal, ttyctl_argv("recvtty", sock))
    sender: subprocess.Popen[bytes] | None = None
    try:
        read_until(terminal.master, b"listening on", timeout=30)
        env = dict(os.environ, PS1="PROMPT> ")
        sender = subprocess.Popen(
            ttyctl_argv("run", "--console-socket", sock, "--", "sh", "-i"),
            env=env, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        read_until(terminal.master, b"PROMPT> ", timeout=30)  # relayed: raw mode is on
        assert termios.tcgetattr(terminal.slave)[3] & termios.ICANON == 0
        os.write(terminal.master, b"stty size; echo $((6*7))\r")
        # The holder gave the console our size.
        read_until(terminal.master, b"24 80\r\n42\r\n", timeout=30)
        os.write(terminal.master, b"\x03")  # Ctrl-C goes through as a byte
        read_until(terminal.master, b"PROMPT> ", timeout=30)
        _resize(terminal, 30, 100)
        os.write(terminal.master, b"stty size\r")
        read_until(terminal.master, b"30 100\r\n", timeout=30)
        os.write(terminal.master, b"exit 3\r")
        assert sender.wait(30) == 3
        assert receiver.wait(30) == 0
        assert termios.tcgetattr(terminal.slave) == before
    finally:
        kill_group(receiver.pid)
        receiver.wait()
        if sender is not None:
            kill_group(sender.pid)
            sender.wait()


def _resize(terminal: Terminal, rows: int, cols: int) -> None:
    import fcntl
    import struct

    fcntl.ioctl(terminal.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def test_single_mode_restores_the_terminal_on_sigterm(
    sockdir: str, terminal: Terminal
) -> None:
    sock = os.path.join(sockdir, "c.sock")
    before = termios.tcgetattr(terminal.slave)
    receiver = start_on_terminal(terminal, ttyctl_argv("recvtty", sock))
    sender = None
    try:
        read_until(terminal.master, b"listening on", timeout=30)
        sender = _send_program(sock, "sh", "-c", "trap 'exit 9' HUP; echo UP-NOW; "
                               "while :; do sleep 0.05; done")
        read_until(terminal.master, b"UP-NOW", timeout=30)
        os.kill(receiver.pid, 15)
        assert receiver.wait(30) == 128 + 15
        assert termios.tcgetattr(terminal.slave) == before
        assert sender.wait(30) == 9  # closing the last master hung the program up
    finally:
        kill_group(receiver.pid)
        receiver.wait()
        if sender is not None:
            kill_group(sender.pid)
            sender.wait()


# -- hold mode --------------------------------------------------------------------


def test_hold_no_server_list_and_attach(sockdir: str, terminal: Terminal) -> None:
    """``--no-server``: the consoles stay in the receiver (the console server's own
    hold mode is tested in test_recvtty_hold.py)."""
    sock = os.path.join(sockdir, "c.sock")
    with running_receiver(sock, "--mode", "hold", "--no-server") as receiver:
        env = dict(os.environ, PS1="HELD> ")
        sender = subprocess.Popen(
            ttyctl_argv("run", "--console-socket", sock, "--", "sh", "-i"),
            env=env, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            receiver.wait_line(b"received console-1")
            listing = subprocess.run(ttyctl_argv("recvtty", "--list", "--no-server", sock),
                                     capture_output=True, timeout=30)
            assert listing.returncode == 0
            assert re.fullmatch(rb"console-1 detached pts=\d+ size=24x80 peer=\d+\n",
                                listing.stdout), listing.stdout
            before = termios.tcgetattr(terminal.slave)
            client = start_on_terminal(
                terminal, ttyctl_argv("recvtty", "--attach", "console-1", "--no-server", sock)
            )
            try:
                # Replayed from the buffer.
                read_until(terminal.master, b"HELD> ", timeout=30)
                os.write(terminal.master, b"echo $((6*7))\r")
                read_until(terminal.master, b"42\r\n", timeout=30)
                listing = subprocess.run(ttyctl_argv("recvtty", "--list", "--no-server", sock),
                                         capture_output=True, timeout=30)
                assert b"console-1 attached" in listing.stdout
                os.kill(client.pid, 1)  # the attached terminal goes away
                assert client.wait(30) == 128 + 1
                assert termios.tcgetattr(terminal.slave) == before
            finally:
                kill_group(client.pid)
                client.wait()
            receiver.wait_line(b"console-1 detached")
            bad = subprocess.run(ttyctl_argv("recvtty", "--attach", "nope", "--no-server", sock),
                                 capture_output=True, timeout=30)
            assert bad.returncode == 125
            assert bad.stderr == b"ttyctl: nope: no such console\n"
            assert sender.poll() is None  # held, not hung up
        finally:
            kill_group(sender.pid)
            sender.wait()


# -- bad peers ------------------------------------------------------------------------


def _connect(sock: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    return s


class BadClients:
    """Each bad client: send something wrong on a connected socket, then close it."""

    def __init__(self, tmpdir: str) -> None:
        self.master, self.slave = os.openpty()
        self.regular = os.open(os.path.join(tmpdir, "regular"), os.O_RDWR | os.O_CREAT)
        self.rng = random.Random(1234)

    def close(self) -> None:
        for fd in (self.master, self.slave, self.regular):
            os.close(fd)

    def cases(self) -> dict[str, Callable[[socket.socket], None]]:
        return {
            "no descriptor": lambda s: s.sendall(b"/dev/ptmx"),
            "2 descriptors": lambda s: socket.send_fds(s, [b"/dev/ptmx"],
                                                       [self.master, self.master]),
            "not a PTY master": lambda s: socket.send_fds(s, [b"/dev/ptmx"], [self.regular]),
            "4096 bytes or more": lambda s: socket.send_fds(s, [b"n" * 5000], [self.master]),
            "closed mid-message": lambda s: s.sendall(b"/dev/pt"),
            "closed at once": lambda s: None,
            "random bytes": lambda s: s.sendall(self.rng.randbytes(self.rng.randint(1, 9000))),
        }


@pytest.fixture
def bad(tmp_path: os.PathLike[str]) -> Iterator[BadClients]:
    clients = BadClients(os.fspath(tmp_path))
    yield clients
    clients.close()


def _rejections(receiver: Receiver) -> int:
    return receiver.log().count("rejected connection")


@pytest.mark.timeout(120)
def test_bad_peers_one_by_one_then_fifty_at_once(sockdir: str, bad: BadClients) -> None:
    sock = os.path.join(sockdir, "c.sock")
    with running_receiver(sock, "--mode", "null", "--timeout", "60") as receiver:
        # The baseline: the receiver idle after serving one good console.
        first = _send_program(sock, "true")
        assert first.wait(30) == 0
        receiver.wait_line(b"console-1 ended")
        baseline = receiver.fd_count()
        silent = _connect(sock)  # sends nothing for 10 s while the others are served
        silent_since = time.monotonic()
        cases = bad.cases()
        for n, (_, act) in enumerate(cases.items(), start=1):
            with _connect(sock) as s:
                act(s)
            receiver.wait_count(b"rejected connection", n)
        assert _rejections(receiver) == len(cases)
        assert "no descriptor came" in receiver.log()
        assert "2 descriptors instead of one" in receiver.log()
        assert "not a PTY master (a regular file" in receiver.log()
        assert "name of 4096 bytes or more" in receiver.log()
        assert "without sending a console" in receiver.log()

        # A good sender is served while the silent one still waits.
        sender = _send_program(sock, "sh", "-c", "echo fine")
        assert sender.wait(30) == 0
        receiver.wait_line(b"console-2 ended")

        # Fifty at once: all connect first, then all misbehave.
        actions = list(cases.values())
        crowd = [_connect(sock) for _ in range(50)]
        for i, s in enumerate(crowd):
            actions[i % len(actions)](s)
        for s in crowd:
            s.close()
        receiver.wait_count(b"rejected connection", len(cases) + 50)

        # The silent client was not dropped: nothing to read, no EOF, for 10 s.
        remaining = silent_since + 10 - time.monotonic()
        ready, _, _ = select.select([silent], [], [], max(0.0, remaining))
        assert not ready, "the receiver dropped the silent client early"
        silent.close()
        receiver.wait_count(b"rejected connection", len(cases) + 51)

        assert receiver.proc.poll() is None
        assert _rejections(receiver) == len(cases) + 51  # one line per rejection
        assert fd_count_settles(receiver, baseline) == baseline


def test_silent_peer_times_out(sockdir: str) -> None:
    sock = os.path.join(sockdir, "c.sock")
    with running_receiver(sock, "--mode", "null", "--timeout", "0.5") as receiver:
        first = _send_program(sock, "true")
        assert first.wait(30) == 0
        receiver.wait_line(b"console-1 ended")
        baseline = receiver.fd_count()
        with _connect(sock) as silent:
            receiver.wait_line(b"sent nothing within 0.5 s")
            assert silent.recv(10) == b""  # the receiver closed it
        assert fd_count_settles(receiver, baseline) == baseline


def _test_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        pass
    if shutil.which("useradd") is None:
        pytest.skip("useradd is not installed")
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                    TEST_USER], check=True, timeout=30)
    return pwd.getpwnam(TEST_USER)


_OTHER_UID_CLIENT = """
import os, socket, sys
m, s = os.openpty()
c = socket.socket(socket.AF_UNIX)
try:
    c.connect(sys.argv[1])
except PermissionError:
    print("EACCES"); sys.exit(0)
try:
    socket.send_fds(c, [b"/dev/ptmx"], [m])
    print("CLOSED" if c.recv(10) == b"" else "DATA")
except (ConnectionResetError, BrokenPipeError):
    print("CLOSED")
"""


def _as_user(user: pwd.struct_passwd, sock: str) -> str:
    done = subprocess.run(
        ["/usr/bin/python3", "-I", "-c", _OTHER_UID_CLIENT, sock],
        user=user.pw_uid, group=user.pw_gid, extra_groups=[],
        capture_output=True, timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.decode().strip()


@pytest.fixture
def public_sockdir() -> Iterator[str]:
    """A 0700 directory right under /tmp (pytest's tmp_path is not reachable by others)."""
    path = tempfile.mkdtemp(prefix="ttyctl-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_peer_with_another_uid_is_refused(public_sockdir: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to make a user and act as it")
    user = _test_user()
    sockdir = public_sockdir
    sock = os.path.join(sockdir, "c.sock")
    with running_receiver(sock, "--mode", "null") as receiver:
        # The file layer: a 0600 socket in a 0700 directory keeps others out.
        assert _as_user(user, sock) == "EACCES"
        # Open it up on purpose: SO_PEERCRED still refuses the other uid.
        os.chmod(sockdir, 0o755)
        os.chmod(sock, 0o666)
        first = _send_program(sock, "true")
        assert first.wait(30) == 0
        receiver.wait_line(b"console-1 ended")
        baseline = receiver.fd_count()
        assert _as_user(user, sock) == "CLOSED"
        line = receiver.wait_line(b"refused connection").decode()
        assert f"uid {user.pw_uid} refused (only uid 0 or root may connect)" in line
        assert "received console-2" not in receiver.log()
        assert fd_count_settles(receiver, baseline) == baseline
