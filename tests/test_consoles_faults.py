"""Named consoles when things go wrong: dead clients, slow clients, dead servers, bad peers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.consoles_util import (  # noqa: F401
    ECHO_PROG,
    PYTHON,
    Consoles,
    consoles_fixture,
    detach,
    pid_alive,
    read_until,
    wait_gone,
)
from tests.helpers import ttyctl_argv
from ttyctl.sansio.frames import FrameDecoder, Kind, encode, encode_json

HUP_PROG = (
    "import signal, sys, os\n"
    "def hup(n, f):\n"
    "    with open(sys.argv[1], 'w') as out: out.write('HUP')\n"
    "    os._exit(0)\n"
    "signal.signal(signal.SIGHUP, hup)\n"
    "print('READY', flush=True)\n"
    "while True: signal.pause()\n"
)


def _console_pid(consoles: Consoles, name: str) -> int:
    pid = consoles.ls()[name]["pid"]
    assert isinstance(pid, int)
    return pid


def _connect(consoles: Consoles) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(os.path.join(consoles.directory, "server.sock"))
    return sock


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_kill_9_of_attached_client_loses_nothing(consoles: Consoles) -> None:
    consoles.new("keep", [PYTHON, "-c", ECHO_PROG])
    term, client = consoles.attach("keep")
    read_until(term.master, b"READY")
    os.kill(client.pid, signal.SIGKILL)
    client.wait()
    # The program writes after its client died; the server still reads it.
    assert consoles.run("kill", "-s", "USR1", "keep").returncode == 0
    term2, client2 = consoles.attach("keep")
    read_until(term2.master, b"AFTER-USR1")
    listed = consoles.ls()["keep"]
    assert listed["running"] is True and listed["clients"] == 1
    detach(term2, client2)


def test_sigterm_hangs_up_consoles_and_removes_socket(consoles: Consoles, tmp_path: str) -> None:
    marker = os.path.join(str(tmp_path), "hup")
    consoles.new("hup", [PYTHON, "-c", HUP_PROG, marker])
    term, client = consoles.attach("hup")
    read_until(term.master, b"READY")
    server = consoles.server_pid()
    os.kill(server, signal.SIGTERM)
    wait_gone(server)
    assert client.wait(timeout=10) != 0  # its connection ended without an exit status
    assert not os.path.exists(os.path.join(consoles.directory, "server.sock"))
    deadline = time.monotonic() + 10
    while not os.path.exists(marker) and time.monotonic() < deadline:
        time.sleep(0.01)
    with open(marker) as f:
        assert f.read() == "HUP"


def test_sigkill_leaves_a_stale_socket_that_new_replaces(consoles: Consoles) -> None:
    consoles.new("first", ["sleep", "60"])
    old = consoles.server_pid()
    sleeper = _console_pid(consoles, "first")
    os.kill(old, signal.SIGKILL)
    wait_gone(old)
    path = os.path.join(consoles.directory, "server.sock")
    assert os.path.exists(path)  # stale: nobody listens
    with pytest.raises(ConnectionRefusedError):
        _connect(consoles)
    assert consoles.ls() == {}
    wait_gone(sleeper)  # the kernel closed the master: SIGHUP
    consoles.new("second", ["sleep", "60"])
    new = consoles.server_pid()
    assert new != old and pid_alive(new)
    assert list(consoles.ls()) == ["second"]


def test_slow_client_is_dropped_without_stalling_others(consoles: Consoles) -> None:
    server = subprocess.Popen(
        ttyctl_argv("server", "--client-buffer", "65536"), env=consoles.env,
        stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    consoles.procs.append(server)
    read_until(server.stderr.fileno(), b"listening")  # type: ignore[union-attr]
    prog = (
        "import sys\n"
        "print('READY', flush=True)\n"
        "sys.stdin.readline()\n"
        "for i in range(30000): sys.stdout.write('line %06d of output\\n' % i)\n"
        "sys.stdout.write('END\\n'); sys.stdout.flush()\n"
        "sys.stdin.readline()\n"
    )
    consoles.new("flood", [PYTHON, "-c", prog])
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(os.path.join(consoles.directory, "server.sock"))
    slow.sendall(encode_json(Kind.ATTACH, {"name": "flood", "replay": 0}))
    fast = _connect(consoles)
    fast.sendall(encode_json(Kind.ATTACH, {"name": "flood"}))
    decoder = FrameDecoder()
    seen = bytearray()
    while b"READY" not in seen:
        seen += b"".join(f.payload for f in decoder.feed(fast.recv(65536))
                         if f.kind is Kind.OUTPUT)
    fast.sendall(encode(Kind.INPUT, b"go\r"))
    while b"END" not in seen[-100:]:
        seen += b"".join(f.payload for f in decoder.feed(fast.recv(65536))
                         if f.kind is Kind.OUTPUT)
    assert seen.count(b"of output") == 30000  # the reading client got every line
    # The slow client was cut off with a message, its stream still well framed.
    frames = FrameDecoder().feed(_read_all(slow))
    assert frames[0].kind is Kind.OK
    assert frames[-1].kind is Kind.ERROR and frames[-1].json()["code"] == "dropped"
    received = b"".join(f.payload for f in frames if f.kind is Kind.OUTPUT)
    assert 0 < len(received) < len(seen)
    listed = consoles.ls()["flood"]
    assert listed["running"] is True and listed["clients"] == 1
    fast.close()


def test_fuzzed_frames_never_crash_the_server(consoles: Consoles) -> None:
    consoles.new("victim", ["sleep", "60"])
    server = consoles.server_pid()
    safe_kinds = [k for k in Kind if k not in (Kind.NEW, Kind.ADOPT)]
    json_value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                     max_size=3),
        max_leaves=8,
    )
    request = st.builds(
        lambda k, obj: encode_json(k, obj),
        st.sampled_from(safe_kinds),
        st.dictionaries(st.sampled_from(["name", "replay", "signal", "rows", "cols", "force",
                                         "readonly", "x"]), json_value, max_size=5),
    )
    payload = st.one_of(
        st.binary(max_size=300),
        request,
        st.builds(lambda k, p: encode(k, p), st.sampled_from(list(Kind)), st.binary(max_size=50)),
        st.lists(request, min_size=2, max_size=4).map(b"".join),
    )

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(payload)
    def poke(data: bytes) -> None:
        sock = _connect(consoles)
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            _read_all(sock)  # the server answers or hangs up; it must not hang
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            sock.close()

    poke()
    assert pid_alive(server)
    listed = consoles.ls()
    assert "victim" in listed and listed["victim"]["running"] is True
    with open(os.path.join(consoles.directory, "server.log")) as f:
        assert "internal error" not in f.read()


def test_wrong_uid_peer_is_refused(consoles: Consoles) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root to connect as another user")
    # A directory that uid 65534 can reach (tmp_path's parents are 0700).
    base = tempfile.mkdtemp(prefix="ttyctl-uid-")
    try:
        consoles.directory = os.path.join(base, "srv")
        consoles.env["TTYCTL_DIR"] = consoles.directory
        consoles.new("mine", ["sleep", "60"])
        # Open the door on purpose: only the server's own SO_PEERCRED check is left.
        os.chmod(base, 0o711)
        os.chmod(consoles.directory, 0o711)
        path = os.path.join(consoles.directory, "server.sock")
        os.chmod(path, 0o666)
        reply = _as_other_user(path, 65534, bytes([1, 3, 0, 0, 0, 2]) + b"{}")
        frames = FrameDecoder().feed(reply)
        assert [f.kind for f in frames] == [Kind.ERROR]
        assert frames[0].json()["code"] == "denied"
        assert b"mine" not in reply
        with open(os.path.join(consoles.directory, "server.log")) as f:
            assert "uid 65534" in f.read()
        # The owner's client refuses the opened directory; closed again, it is served.
        assert consoles.run("ls").returncode == 125
        os.chmod(consoles.directory, 0o700)
        assert "mine" in consoles.ls()
    finally:
        consoles.cleanup()
        shutil.rmtree(base, ignore_errors=True)


def _as_other_user(path: str, uid: int, request: bytes) -> bytes:
    """Connect to ``path`` from a forked child running as ``uid``; return the reply."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: no pytest code from here, only the experiment
        code = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(path)
            try:
                s.sendall(request)  # may find the door already closed
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                while chunk := s.recv(4096):
                    os.write(w, chunk)
            except ConnectionResetError:  # closed with our request unread
                pass
            code = 0
        except BaseException as exc:
            os.write(w, f"CHILD FAILED {exc!r}".encode())
        finally:
            os._exit(code)
    os.close(w)
    try:
        data = b""
        while chunk := os.read(r, 4096):
            data += chunk
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, data
    return data


def test_client_refuses_an_open_directory_and_a_planted_symlink(consoles: Consoles,
                                                                  tmp_path: str) -> None:
    os.chmod(consoles.directory, 0o755)
    result = consoles.run("new", "-d", "x", "--", "true")
    assert result.returncode == 125
    assert b"lets others in" in result.stderr
    os.chmod(consoles.directory, 0o700)
    target = os.path.join(str(tmp_path), "elsewhere.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(target)
    listener.listen()
    os.symlink(target, os.path.join(consoles.directory, "server.sock"))
    try:
        refused = consoles.run("ls")
        assert refused.returncode == 125 and b"not a socket" in refused.stderr
        # A server that starts unlinks the planted link and binds its own socket.
        consoles.run("server", "--help")
        server = subprocess.Popen(ttyctl_argv("server"), env=consoles.env,
                                  stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  start_new_session=True)
        consoles.procs.append(server)
        read_until(server.stderr.fileno(), b"listening")  # type: ignore[union-attr]
        path = os.path.join(consoles.directory, "server.sock")
        assert not os.path.islink(path)
        assert consoles.run("ls").returncode == 0
    finally:
        listener.close()
