"""``ttyctl recvtty --mode hold``: received consoles join the named-console server,
so ``ttyctl ls`` lists them and ``ttyctl attach NAME`` attaches to them; and
``ttyctl recvtty --record`` in single mode, played back by asciinema itself."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.console_helpers import (
    Container,
    Receiver,
    make_bundle,
    run_detached,
    runtime_skip_reason,
)
from tests.consoles_util import Consoles, consoles_fixture, detach  # noqa: F401
from tests.helpers import (
    PYTHON,
    children_of,
    kill_group,
    make_terminal,
    read_until,
    start_on_terminal,
    ttyctl_argv,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def sockdir(tmp_path: os.PathLike[str]) -> str:
    path = os.path.join(os.fspath(tmp_path), "s")
    os.mkdir(path, 0o700)
    return path


@contextmanager
def hold_receiver(consoles: Consoles, sock: str, *args: str) -> Iterator[tuple[Receiver, int]]:
    """``ttyctl recvtty --mode hold ARGS SOCK`` with the test's private TTYCTL_DIR.

    Yields the receiver (log on a pipe) and the read end of its stdout. The
    server it starts is stopped by the ``consoles`` fixture.
    """
    err_r, err_w = os.pipe()
    out_r, out_w = os.pipe()
    proc = subprocess.Popen(
        ttyctl_argv("recvtty", "--mode", "hold", *args, sock),
        stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w, env=consoles.env,
        start_new_session=True,
    )
    os.close(err_w)
    os.close(out_w)
    receiver = Receiver(proc, err_r)
    try:
        receiver.wait_line(b"listening on")
        yield receiver, out_r
        os.kill(proc.pid, signal.SIGTERM)
        receiver.exit_code = proc.wait(20)
    finally:
        kill_group(proc.pid)
        proc.wait()
        consoles.note_server()
        os.close(err_r)
        os.close(out_r)


def _lines(fd: int, count: int, timeout: float = 20.0) -> list[str]:
    """Read ``count`` lines from a pipe."""
    data = b""
    deadline = time.monotonic() + timeout
    while data.count(b"\n") < count:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"only {data!r} within {timeout} s"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, f"EOF after {data!r}"
            data += chunk
    return data.decode().splitlines()


def _wait_not_running(consoles: Consoles, name: str, timeout: float = 20.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        listed = consoles.ls()[name]
        if not listed["running"]:
            return listed
        assert time.monotonic() < deadline, f"{name} still running: {listed}"
        time.sleep(0.05)


def _resize(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def test_run_console_socket_to_hold_then_attach_by_name(
    consoles: Consoles, sockdir: str
) -> None:
    sock = os.path.join(sockdir, "shells.sock")
    env = dict(consoles.env, PS1="HELD> ")
    with hold_receiver(consoles, sock) as (receiver, out):
        sender = subprocess.Popen(
            ttyctl_argv("run", "--console-socket", sock, "--", "sh", "-i"),
            env=env, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            assert _lines(out, 1) == ["shells-1"]  # named after the socket's file
            receiver.wait_line(b"console-1 handed to the console server as shells-1")
            listed = consoles.ls()["shells-1"]
            assert listed["running"] is True and listed["adopted"] is True
            assert listed["clients"] == 0
            command = listed["command"]
            assert isinstance(command, list) and "--console-socket" in command

            term, client = consoles.attach("shells-1", rows=30, cols=100)
            read_until(term.master, b"HELD> ", timeout=30)  # the scrollback, replayed
            os.write(term.master, b"echo $((6*7)); stty size\r")
            read_until(term.master, b"42\r\n30 100\r\n", timeout=30)  # our size, given
            assert consoles.ls()["shells-1"]["clients"] == 1
            _resize(term.master, 33, 101)
            os.write(term.master, b"stty size\r")
            read_until(term.master, b"33 101\r\n", timeout=30)
            detach(term, client)
            assert sender.poll() is None  # detaching left it running
            assert consoles.ls()["shells-1"]["running"] is True

            term, client = consoles.attach("shells-1")
            seen = read_until(term.master, b"HELD> ", timeout=30)
            assert b"42\r\n" in seen  # what it printed before, replayed
            os.write(term.master, b"echo again-$((1+1))\r")
            read_until(term.master, b"again-2\r\n", timeout=30)
            detach(term, client)

            # The program ends while nobody is attached: the server keeps it, exited.
            (shell,) = children_of(sender.pid)
            os.kill(shell, signal.SIGKILL)
            assert sender.wait(30) == 128 + signal.SIGKILL
            listed = _wait_not_running(consoles, "shells-1")
            assert listed["returncode"] is None  # not the server's child: no status
            shown = consoles.run("attach", "shells-1")
            assert shown.returncode == 0
            assert b"again-2\r\n" in shown.stdout  # the last output
            assert "shells-1" not in consoles.ls()  # the attach collected it
        finally:
            kill_group(sender.pid)
            sender.wait()
    assert receiver.exit_code == 0


def test_plain_send_fds_to_hold_list_and_attach(consoles: Consoles, sockdir: str) -> None:
    """A master sent with plain socket.send_fds; --name; --list and --attach delegate."""
    sock = os.path.join(sockdir, "c.sock")
    pairs = [os.openpty() for _ in range(2)]
    try:
        with hold_receiver(consoles, sock, "--name", "plain") as (receiver, out):
            for master, _ in pairs:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.connect(sock)
                    socket.send_fds(s, [b" "], [master])
            assert _lines(out, 2) == ["plain-1", "plain-2"]
            for master, _ in pairs:
                os.close(master)  # the server's copy keeps each terminal up
            pairs = [(-1, slave) for _, slave in pairs]
            os.write(pairs[0][1], b"plain sender\n")

            listing = consoles.run("recvtty", "--list", "--name", "plain", sock)
            assert listing.returncode == 0, listing.stderr
            rows = listing.stdout.decode().splitlines()
            assert rows[0].split() == ["NAME", "PID", "AGE", "CLIENTS", "STATUS", "COMMAND"]
            assert [r.split()[0] for r in rows[1:]] == ["plain-1", "plain-2"]
            assert all(" running " in r for r in rows[1:])
            as_json = consoles.run("recvtty", "--list", "--json", "--name", "plain", sock)
            assert [c["name"] for c in json.loads(as_json.stdout)] == ["plain-1", "plain-2"]
            # Other consoles of the server are not this receiver's.
            consoles.new("other", ["sleep", "60"])
            listing = consoles.run("recvtty", "--list", "--name", "plain", sock)
            assert b"other" not in listing.stdout
            wrong_prefix = consoles.run("recvtty", "--list", sock)  # default prefix "c"
            assert wrong_prefix.returncode == 0 and wrong_prefix.stdout == b""

            receiver.wait_line(b"console-2 handed to the console server as plain-2")
            # --attach NAME is ttyctl attach NAME: replay, typing, detach key.
            term = make_terminal()
            consoles.terminals.append(term)
            client = start_on_terminal(
                term, ttyctl_argv("recvtty", "--attach", "plain-1", sock), env=consoles.env
            )
            consoles.procs.append(client)
            read_until(term.master, b"plain sender\r\n", timeout=30)  # replayed
            os.write(term.master, b"typed in\r")
            slave = pairs[0][1]
            got = b""
            while b"typed in\n" not in got:  # the slave is canonical: one whole line
                ready, _, _ = select.select([slave], [], [], 20)
                assert ready, got
                got += os.read(slave, 1024)
            os.write(slave, b"answer\n")
            read_until(term.master, b"answer\r\n", timeout=30)
            detach(term, client)
            assert consoles.ls()["plain-1"]["running"] is True

            os.close(slave)  # every slave closed: the console ends
            pairs[0] = (-1, -1)
            _wait_not_running(consoles, "plain-1")
            gone = consoles.run("recvtty", "--attach", "nope-1", sock)
            assert gone.returncode == 1
            assert b"no console named 'nope-1'" in gone.stderr
        # The receiver stopped; the server still holds what it was given.
        assert consoles.ls()["plain-2"]["running"] is True
    finally:
        for pair in pairs:
            for fd in pair:
                if fd >= 0:
                    os.close(fd)


def test_usage_errors(consoles: Consoles, sockdir: str) -> None:
    sock = os.path.join(sockdir, "c.sock")
    cases = [
        (["--mode", "log", "--record", "x.cast"], b"--record applies with --mode single"),
        (["--mode", "hold", "--record", "x.cast"], b"--record applies with --mode single"),
        (["--list", "--record", "x.cast"], b"--record applies with --mode single"),
        (["--mode", "null", "--name", "x"], b"--name applies with --mode hold"),
        (["--mode", "hold", "--no-server", "--name", "x"], b"--name applies"),
        (["--no-server"], b"--no-server applies with --mode hold"),
        (["--json"], b"--json applies with --list"),
        (["--mode", "hold", "--name", "a/b"], b"invalid console name"),
    ]
    for args, message in cases:
        result = consoles.run("recvtty", *args, sock)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert not os.path.exists(sock)
    assert not os.path.exists(os.path.join(sockdir, "x.cast"))


# -- --record in single mode ------------------------------------------------------

# Multibyte characters written one byte per write (chunks may split them), escapes.
PROG = (
    "import os\n"
    "data = 'héllo wörld €uro 中文 \\x1b[1mbold\\x1b[0m tab\\there \"q\" \\\\ \\x07\\n'.encode()\n"
    "for b in data: os.write(1, bytes([b]))\n"
    "os.write(1, ('line %d\\n' % 2).encode() * 200)\n"
)


def test_single_mode_record_plays_back_byte_exact(sockdir: str) -> None:
    asciinema = shutil.which("asciinema")
    if asciinema is None:
        pytest.skip("asciinema is not installed")
    sock = os.path.join(sockdir, "c.sock")
    cast = os.path.join(sockdir, "single.cast")
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    proc = subprocess.Popen(
        ttyctl_argv("recvtty", "--no-stdin", "--record", cast, sock),
        stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w, start_new_session=True,
    )
    os.close(out_w)
    os.close(err_w)
    receiver = Receiver(proc, err_r)
    sender = None
    try:
        receiver.wait_line(b"listening on")
        sender = subprocess.Popen(
            ttyctl_argv("run", "--console-socket", sock, "--", PYTHON, "-c", PROG),
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        relayed = b""
        while chunk := os.read(out_r, 65536):
            relayed += chunk
        assert proc.wait(30) == 0, receiver.log()
        assert sender.wait(30) == 0
    finally:
        kill_group(proc.pid)
        proc.wait()
        if sender is not None:
            kill_group(sender.pid)
            sender.wait()
        os.close(out_r)
        os.close(err_r)
    assert "中文".encode() in relayed and relayed.count(b"line 2\r\n") == 200
    with open(cast, encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and (header["width"], header["height"]) == (80, 24)
    assert "--console-socket" in header["command"]  # the sender's command line
    assert all(json.loads(line)[1] == "o" for line in lines[1:])
    played = subprocess.run(
        [asciinema, "cat", cast], capture_output=True, timeout=30, start_new_session=True,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )
    assert played.returncode == 0, played.stderr
    assert played.stdout == relayed


# -- a runc container's console, attached by name -----------------------------------


@pytest.fixture
def containers() -> Iterator[list[Container]]:
    made: list[Container] = []
    yield made
    for container in made:
        container.delete()


def test_runc_container_console_attached_by_name(
    consoles: Consoles, sockdir: str, containers: list[Container]
) -> None:
    reason = runtime_skip_reason("runc")
    if reason:
        pytest.skip(reason)
    bundle = make_bundle(os.path.join(sockdir, "bundle"), ["sh"], env=["PS1=CTR# "])
    sock = os.path.join(sockdir, "runc.sock")
    with hold_receiver(consoles, sock) as (receiver, out):
        container, code, err = run_detached("runc", bundle, sock)
        containers.append(container)
        assert code == 0, f"runc run failed ({code}): {err}"
        assert _lines(out, 1) == ["runc-1"]
        listed = consoles.ls()["runc-1"]
        assert listed["running"] is True
        command = listed["command"]
        assert isinstance(command, list) and container.cid in command  # runc run -d ... ID

        term, client = consoles.attach("runc-1", rows=31, cols=99)
        read_until(term.master, b"CTR# ", timeout=30)  # typed earlier, ash would flush it
        os.write(term.master, b"echo $((6*7)); stty size; tty\r")
        read_until(term.master, b"42\r\n31 99\r\n/dev/pts/", timeout=30)
        detach(term, client)
        state = subprocess.run(["runc", "state", container.cid], capture_output=True,
                               timeout=30)
        assert json.loads(state.stdout)["status"] == "running"  # detached, still running

        term, client = consoles.attach("runc-1")
        seen = read_until(term.master, b"/dev/pts/", timeout=30)
        assert b"42\r\n" in seen  # replayed
        os.write(term.master, b"exit 5\r")
        tail = read_until(term.master, b"exit 5", timeout=30)
        assert client.wait(30) == 0, tail  # ended; a container's status is not known
        assert "runc-1" not in consoles.ls()  # collected by the attach that saw the end
        receiver.wait_line(b"console-1 handed to the console server as runc-1")
        assert re.search(r"received console-1 from pid \d+ uid 0", receiver.log())
