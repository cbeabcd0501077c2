"""Named consoles end to end: real server, real programs, clients on PTYs the test makes."""

from __future__ import annotations

import json
import os
import signal
import stat

from tests.consoles_util import (  # noqa: F401
    ECHO_PROG,
    PYTHON,
    Consoles,
    consoles_fixture,
    detach,
    read_until,
    wait_gone,
)
from tests.helpers import PROGS, read_stat, tty_nr_of


def test_new_attach_type_detach_reattach_kill_status(consoles: Consoles) -> None:
    consoles.new("work", [PYTHON, "-c", ECHO_PROG])
    listed = consoles.ls()["work"]
    assert listed["running"] is True and listed["clients"] == 0
    pid = listed["pid"]
    assert isinstance(pid, int)
    # The program leads its own session on its own PTY, held by the server.
    st = read_stat(pid)
    assert st.sid == pid and st.pgid == pid and st.tpgid == pid and st.tty_nr != 0

    term, client = consoles.attach("work")
    read_until(term.master, b"READY")
    os.write(term.master, b"hello\r")
    read_until(term.master, b"GOT:hello")
    assert consoles.ls()["work"]["clients"] == 1
    detach(term, client)
    assert consoles.ls()["work"]["running"] is True
    assert read_stat(pid).state in "SR"

    # Re-attach elsewhere: the scrollback shows what happened while away.
    term2, client2 = consoles.attach("work")
    seen = read_until(term2.master, b"GOT:hello")
    assert b"READY" in seen
    os.write(term2.master, b"again\r")
    read_until(term2.master, b"GOT:again")
    detach(term2, client2)

    # Killed while nobody is attached: the status is kept ...
    assert consoles.run("kill", "work").returncode == 0
    wait_gone(pid)
    listed = consoles.ls()["work"]
    assert listed["running"] is False and listed["exit_status"] == 128 + signal.SIGTERM
    table = consoles.run("ls").stdout.decode()
    assert "exited(143)" in table and "work" in table
    # ... until an attach prints the last output and returns it, collecting the console.
    result = consoles.run("attach", "work")
    assert result.returncode == 143
    assert b"GOT:again" in result.stdout
    assert "work" not in consoles.ls()
    gone = consoles.run("attach", "work")
    assert gone.returncode == 1
    assert gone.stderr == b"ttyctl: no console named 'work'\n"


def test_exit_while_detached_then_rm(consoles: Consoles) -> None:
    consoles.new("short", ["sh", "-c", "echo bye; exit 7"])
    listed = consoles.ls()
    if listed["short"]["running"]:  # poll: the program may not have ended yet
        wait_gone(int(listed["short"]["pid"]))  # type: ignore[call-overload]
        listed = consoles.ls()
    assert listed["short"]["running"] is False
    assert listed["short"]["exit_status"] == 7
    running = consoles.run("rm", "short")
    assert running.returncode == 0
    assert consoles.ls() == {}
    assert consoles.run("rm", "short").returncode == 1


def test_rm_refuses_running_console_unless_forced(consoles: Consoles) -> None:
    consoles.new("busy", [PYTHON, "-c", ECHO_PROG])
    pid = int(consoles.ls()["busy"]["pid"])  # type: ignore[call-overload]
    refused = consoles.run("rm", "busy")
    assert refused.returncode == 1 and b"still running" in refused.stderr
    assert consoles.run("rm", "-f", "busy").returncode == 0
    wait_gone(pid)  # hung up: the kernel sent SIGHUP when the master closed
    assert consoles.ls() == {}


def test_attach_to_exited_console_returns_signal_status(consoles: Consoles) -> None:
    consoles.new("sig", ["sh", "-c", "echo last words; kill -KILL $$"])
    term, client = consoles.attach("sig")
    read_until(term.master, b"last words")
    assert client.wait(timeout=10) == 128 + signal.SIGKILL


def test_new_attaches_at_once(consoles: Consoles) -> None:
    from tests.helpers import make_terminal, start_on_terminal, ttyctl_argv

    term = make_terminal()
    consoles.terminals.append(term)
    proc = start_on_terminal(term, ttyctl_argv("new", "-e", "^A", "live", "--", PYTHON, "-c",
                                               ECHO_PROG), env=consoles.env)
    consoles.procs.append(proc)
    read_until(term.master, b"READY")
    consoles.note_server()
    os.write(term.master, b"x\r")
    read_until(term.master, b"GOT:x")
    detach(term, proc, key=b"\x01")
    assert consoles.ls()["live"]["running"] is True
    # Without a detach key, Ctrl-\ reaches the program's terminal: SIGQUIT.
    term2, client = consoles.attach("-E", "live")
    read_until(term2.master, b"GOT:x")
    os.write(term2.master, b"\x1c")
    assert client.wait(timeout=10) == 128 + signal.SIGQUIT
    assert "live" not in consoles.ls()  # the attached client collected it


def test_two_clients_see_the_same_bytes(consoles: Consoles) -> None:
    prog = (
        "import sys\n"
        "print('READY', flush=True)\n"
        "sys.stdin.readline()\n"
        "out = b''.join(b'line %05d \\xc3\\xa9\\xe2\\x82\\xac\\n' % i for i in range(3000))\n"
        "sys.stdout.buffer.write(b'BEGIN' + out + b'END\\n'); sys.stdout.flush()\n"
        "sys.stdin.readline()\n"
    )
    consoles.new("shared", [PYTHON, "-c", prog])
    term_a, client_a = consoles.attach("shared")
    term_b, client_b = consoles.attach("-r", "shared")
    read_until(term_a.master, b"READY")
    read_until(term_b.master, b"READY")
    assert consoles.ls()["shared"]["clients"] == 2
    os.write(term_b.master, b"ignored\r")  # read-only: not typed
    os.write(term_a.master, b"go\r")
    seen_a = read_until(term_a.master, b"END")
    seen_b = read_until(term_b.master, b"END")
    body_a = seen_a[seen_a.index(b"BEGIN"):]
    body_b = seen_b[seen_b.index(b"BEGIN"):]
    assert body_a == body_b
    assert body_a.count(b"\xc3\xa9") == 3000
    assert b"ignored" not in seen_a
    detach(term_a, client_a)
    detach(term_b, client_b)


def test_window_size_follows_the_attached_client(consoles: Consoles) -> None:
    cast = os.path.join(consoles.directory, "win.cast")
    consoles.new("win", [PYTHON, os.path.join(PROGS, "winch.py")], "--record", cast)
    term, client = consoles.attach("win", rows=30, cols=100)
    read_until(term.master, b"WINCH 30 100")
    import fcntl
    import struct
    import termios

    fcntl.ioctl(term.master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    read_until(term.master, b"WINCH 40 120")
    detach(term, client)
    with open(cast) as f:
        lines = [json.loads(line) for line in f]
    assert lines[0]["version"] == 2 and (lines[0]["width"], lines[0]["height"]) == (80, 24)
    resizes = [e[2] for e in lines[1:] if e[1] == "r"]
    assert resizes == ["100x30", "120x40"]


def test_server_is_detached_and_private(consoles: Consoles) -> None:
    consoles.new("p", ["sleep", "30"])
    pid = consoles.server_pid()
    st = read_stat(pid)
    assert st.sid == pid and st.tty_nr == 0  # own session, no ctty
    assert os.readlink(f"/proc/{pid}/fd/0") == "/dev/null"
    assert os.readlink(f"/proc/{pid}/cwd") == "/"
    mode = os.lstat(os.path.join(consoles.directory, "server.sock")).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(os.stat(consoles.directory).st_mode) == 0o700
    # The console's program got this client's directory and the console's name.
    console_pid = int(consoles.ls()["p"]["pid"])  # type: ignore[call-overload]
    with open(f"/proc/{console_pid}/environ", "rb") as f:
        assert b"TTYCTL_CONSOLE=p\0" in f.read()
    assert tty_nr_of(os.readlink(f"/proc/{console_pid}/fd/0")) == read_stat(console_pid).tty_nr


def test_errors_have_distinct_codes(consoles: Consoles) -> None:
    missing = consoles.run("new", "-d", "x", "--", "no-such-program-ttyctl")
    assert missing.returncode == 127
    assert missing.stderr == b"ttyctl: no-such-program-ttyctl: command not found\n"
    consoles.new("dup", ["sleep", "30"])
    dup = consoles.run("new", "-d", "dup", "--", "sleep", "30")
    assert dup.returncode == 1
    assert dup.stderr == b"ttyctl: a console named 'dup' already exists\n"
    bad = consoles.run("new", "-d", "../x", "--", "true")
    assert bad.returncode == 2 and bad.stderr.startswith(b"ttyctl: invalid console name")
    assert consoles.run("kill", "-s", "NOPE", "dup").returncode == 2
    assert consoles.run("kill", "nobody").returncode == 1
    assert consoles.run("ls").stdout.startswith(b"NAME")
