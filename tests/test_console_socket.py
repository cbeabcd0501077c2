"""The console-socket protocol against plain sockets, both ways, and the sender CLI."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import threading

import pytest

import ttyctl
from tests.helpers import children_of, open_fds, read_to_eof, read_until, ttyctl_argv
from ttyctl.console_socket import (
    check_peer,
    listen_console_socket,
    prepare_master,
    pty_index,
    recv_console,
    send_console,
)
from ttyctl.errors import ConsoleSocketError, NotATerminalError


@pytest.fixture
def sockdir(tmp_path: os.PathLike[str]) -> str:
    path = os.path.join(os.fspath(tmp_path), "s")
    os.mkdir(path, 0o700)
    return path


def _pair() -> tuple[socket.socket, socket.socket]:
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


def test_ttyctl_sender_to_ttyctl_receiver() -> None:
    a, b = _pair()
    master, slave = os.openpty()
    try:
        send_console(a, master, "/dev/ptmx")
        fd, name = recv_console(b)
        try:
            assert name == "/dev/ptmx"
            assert fd != master
            assert os.get_inheritable(fd) is False  # MSG_CMSG_CLOEXEC
            assert pty_index(fd) == pty_index(master)
            os.write(slave, b"through the copy\n")
            assert b"through the copy" in read_until(fd, b"copy", timeout=30)
        finally:
            os.close(fd)
    finally:
        for x in (master, slave):
            os.close(x)
        a.close()
        b.close()


def test_ttyctl_sender_to_plain_recv_fds(sockdir: str) -> None:
    """A receiver written with nothing but socket.recv_fds, as runc's recvtty does."""
    path = os.path.join(sockdir, "plain.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen()
    master, slave = os.openpty()
    got: list[object] = []

    def receive() -> None:
        conn, _ = server.accept()
        with conn:
            got.append(socket.recv_fds(conn, 4096, 1))

    thread = threading.Thread(target=receive)
    thread.start()
    try:
        send_console(path, master)
        thread.join(10)
        assert not thread.is_alive()
        msg, fds, flags, _ = got[0]  # type: ignore[misc]
        assert msg == b"/dev/ptmx"
        assert flags == 0
        assert len(fds) == 1
        os.write(fds[0], b"typed\r")
        assert os.read(slave, 100) == b"typed\n"  # ICRNL on the slave: a real terminal
        os.close(fds[0])
    finally:
        os.close(master)
        os.close(slave)
        server.close()


@pytest.mark.parametrize("name", [b"/dev/ptmx", b"/dev/pts/ptmx", b" ", b"/dev/ptmx\0"])
def test_plain_send_fds_to_ttyctl_receiver(name: bytes) -> None:
    a, b = _pair()
    master, slave = os.openpty()
    try:
        socket.send_fds(a, [name], [master])
        fd, got = recv_console(b)
        assert got == name.rstrip(b"\0").decode()
        os.close(fd)
    finally:
        for x in (master, slave):
            os.close(x)
        a.close()
        b.close()


@pytest.mark.parametrize(
    "case", ["nothing", "no-fd", "two-fds", "regular-file", "slave", "pipe", "long-name"]
)
def test_rejection_closes_every_descriptor(case: str, tmp_path: os.PathLike[str]) -> None:
    a, b = _pair()
    master, slave = os.openpty()
    regular = os.open(os.path.join(os.fspath(tmp_path), "f"), os.O_RDWR | os.O_CREAT)
    pipe_r, pipe_w = os.pipe()
    expected = {
        "nothing": "without sending",
        "no-fd": "no descriptor",
        "two-fds": "2 descriptors",
        "regular-file": "not a PTY master .*regular file",
        "slave": "not a PTY master",
        "pipe": "not a PTY master .*pipe",
        "long-name": "4096 bytes or more",
    }[case]
    try:
        if case == "nothing":
            a.shutdown(socket.SHUT_WR)
        elif case == "no-fd":
            a.sendall(b"/dev/ptmx")
        elif case == "two-fds":
            socket.send_fds(a, [b"/dev/ptmx"], [master, master])
        elif case == "regular-file":
            socket.send_fds(a, [b"/dev/ptmx"], [regular])
        elif case == "slave":
            socket.send_fds(a, [b"/dev/ptmx"], [slave])
        elif case == "pipe":
            socket.send_fds(a, [b"/dev/ptmx"], [pipe_r])
        else:
            socket.send_fds(a, [b"x" * 5000], [master])
        before = open_fds()
        with pytest.raises(ConsoleSocketError, match=expected):
            recv_console(b)
        assert open_fds() == before  # nothing that arrived is left open
    finally:
        for x in (master, slave, regular, pipe_r, pipe_w):
            os.close(x)
        a.close()
        b.close()


def test_one_message_is_read_and_trailing_bytes_stay() -> None:
    """The kernel ends a read at the message that carried descriptors: bytes sent
    after it are not part of the name, and stay queued on the connection."""
    a, b = _pair()
    master, slave = os.openpty()
    try:
        socket.send_fds(a, [b"/dev/ptmx"], [master])
        a.sendall(b"trailing")
        fd, name = recv_console(b)
        os.close(fd)
        assert name == "/dev/ptmx"
        assert b.recv(100) == b"trailing"
    finally:
        for x in (master, slave):
            os.close(x)
        a.close()
        b.close()


def test_too_many_fds_are_all_closed() -> None:
    a, b = _pair()
    master, slave = os.openpty()
    try:
        socket.send_fds(a, [b"/dev/ptmx"], [master] * 40)  # beyond the control buffer
        before = open_fds()
        with pytest.raises(ConsoleSocketError, match=r"truncated|descriptors"):
            recv_console(b)
        assert open_fds() == before
    finally:
        os.close(master)
        os.close(slave)
        a.close()
        b.close()


def test_pty_index_only_for_masters(tmp_path: os.PathLike[str]) -> None:
    master, slave = os.openpty()
    try:
        assert os.ttyname(slave) == f"/dev/pts/{pty_index(master)}"
        with pytest.raises(NotATerminalError):
            pty_index(slave)
    finally:
        os.close(master)
        os.close(slave)


def test_prepare_master_sets_nonblocking_onlcr_and_size() -> None:
    import termios

    master, slave = os.openpty()
    try:
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.ONLCR
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        size = prepare_master(master, onlcr=True)
        assert (size.rows, size.cols) == (24, 80)
        assert ttyctl.get_winsize(slave) == ttyctl.Winsize(24, 80)
        assert os.get_blocking(master) is False
        os.write(slave, b"a\n")
        assert read_until(master, b"\r\n", timeout=30) == b"a\r\n"
        prepare_master(master, onlcr=False)
        os.write(slave, b"b\n")
        assert read_until(master, b"\n", timeout=30) == b"b\n"
    finally:
        os.close(master)
        os.close(slave)


# -- the listening socket ----------------------------------------------------------


def test_listen_makes_a_0600_socket(sockdir: str) -> None:
    path = os.path.join(sockdir, "c.sock")
    old = os.umask(0)  # even with a permissive umask
    try:
        with listen_console_socket(path):
            st = os.lstat(path)
            assert stat.S_ISSOCK(st.st_mode)
            assert stat.S_IMODE(st.st_mode) == 0o600
            assert st.st_uid == os.geteuid()
    finally:
        os.umask(old)


def test_listen_refuses_a_symlink(sockdir: str, tmp_path: os.PathLike[str]) -> None:
    target = os.path.join(os.fspath(tmp_path), "elsewhere")
    path = os.path.join(sockdir, "c.sock")
    os.symlink(target, path)
    with pytest.raises(ConsoleSocketError, match="symbolic link"):
        listen_console_socket(path)
    assert not os.path.exists(target)
    assert os.path.islink(path)


def test_listen_replaces_a_stale_socket_but_not_a_live_one(sockdir: str) -> None:
    path = os.path.join(sockdir, "c.sock")
    live = listen_console_socket(path)
    with pytest.raises(ConsoleSocketError, match="another receiver"):
        listen_console_socket(path)
    live.close()  # the path stays, nobody listens: stale
    with listen_console_socket(path) as again:
        assert again.getsockname() == path


def test_listen_refuses_a_regular_file_and_an_open_directory(
    sockdir: str, tmp_path: os.PathLike[str]
) -> None:
    path = os.path.join(sockdir, "c.sock")
    with open(path, "w"):
        pass
    with pytest.raises(ConsoleSocketError, match="not a socket"):
        listen_console_socket(path)
    open_dir = os.path.join(os.fspath(tmp_path), "open")
    os.mkdir(open_dir)
    os.chmod(open_dir, 0o777)
    with pytest.raises(ConsoleSocketError, match="writable by group or others"):
        listen_console_socket(os.path.join(open_dir, "c.sock"))


def test_check_peer_accepts_the_owner_and_root(sockdir: str) -> None:
    a, b = _pair()
    with a, b:
        cred = check_peer(b)
        assert (cred.pid, cred.uid, cred.gid) == (os.getpid(), os.geteuid(), os.getegid())
        if os.geteuid() == 0:
            assert check_peer(b, owner_uid=4242).uid == 0  # root may always connect
        else:
            with pytest.raises(ConsoleSocketError, match="refused"):
                check_peer(b, owner_uid=os.geteuid() + 1)


# -- ttyctl run --console-socket ----------------------------------------------------


def _serve_one(path: str) -> tuple[socket.socket, threading.Thread, list[tuple[int, str]]]:
    server = listen_console_socket(path)
    got: list[tuple[int, str]] = []

    def receive() -> None:
        conn, _ = server.accept()
        with conn:
            got.append(recv_console(conn))

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return server, thread, got


def test_run_console_socket_sends_and_exits_with_status(sockdir: str) -> None:
    path = os.path.join(sockdir, "c.sock")
    server, thread, got = _serve_one(path)
    with server:
        proc = subprocess.Popen(
            ttyctl_argv("run", "--console-socket", path, "--", "sh", "-c",
                        "tty; read line; echo got:$line; exit 7"),
            start_new_session=True,
        )
        thread.join(20)
        assert got, "no console received"
        fd, name = got[0]
        try:
            assert name == "/dev/ptmx"
            assert b"/dev/pts/" in read_until(fd, b"/dev/pts/", timeout=30)
            os.write(fd, b"hello\r")
            out = read_to_eof(fd)
            assert b"got:hello" in out
        finally:
            os.close(fd)
        assert proc.wait(20) == 7


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_run_console_socket_passes_signals_on(sockdir: str, signum: int) -> None:
    """As plain ``ttyctl run``: the signal reaches the program, whose status is reported."""
    path = os.path.join(sockdir, "c.sock")
    server, thread, got = _serve_one(path)
    with server:
        proc = subprocess.Popen(
            ttyctl_argv("run", "--console-socket", path, "--", "sh", "-c",
                        "echo READY; exec sleep 60"),
            start_new_session=True,
        )
        thread.join(20)
        assert got, "no console received"
        fd, _ = got[0]
        try:
            read_until(fd, b"READY", timeout=30)
            proc.send_signal(signum)
            assert proc.wait(20) == 128 + signum
        finally:
            os.close(fd)


def test_run_console_socket_without_receiver_starts_nothing(sockdir: str) -> None:
    path = os.path.join(sockdir, "nobody.sock")
    marker = os.path.join(sockdir, "ran")
    done = subprocess.run(
        ttyctl_argv("run", "--console-socket", path, "--", "touch", marker),
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 125
    assert done.stderr.decode().strip() == f"ttyctl: {path}: No such file or directory"
    assert not os.path.exists(marker)


@pytest.mark.parametrize("keep", [False, True])
def test_run_console_socket_keep_holds_the_terminal(sockdir: str, keep: bool) -> None:
    """Without --keep, closing the received copy hangs the program up; with it, not."""
    path = os.path.join(sockdir, "c.sock")
    server, thread, got = _serve_one(path)
    flags = ["--keep"] if keep else []
    script = (
        "trap 'exit 9' HUP; trap 'echo still >/dev/tty && exit 0; exit 5' USR1; "
        "echo ready; while :; do sleep 0.05; done"
    )
    with server:
        proc = subprocess.Popen(
            ttyctl_argv("run", "--console-socket", path, *flags, "--", "sh", "-c", script),
            start_new_session=True,
        )
        thread.join(20)
        fd, _ = got[0]
        read_until(fd, b"ready", timeout=30)
        (program,) = children_of(proc.pid)
        os.close(fd)  # the receiver lets go of the console
        if keep:
            # The terminal is still up: the program can write to it when asked.
            os.kill(program, signal.SIGUSR1)
            assert proc.wait(20) == 0
        else:
            assert proc.wait(20) == 9  # SIGHUP from the hangup
