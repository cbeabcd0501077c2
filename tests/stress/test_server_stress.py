"""The named-console server under load: many programs writing at once, and many
consoles with clients attaching, detaching and being SIGKILLed at random."""

from __future__ import annotations

import json
import math
import os
import random
import re
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

import pytest

from tests.consoles_util import pid_alive
from tests.helpers import PROGS, PYTHON, kill_group, ttyctl_argv, zombies_of
from tests.stress.scale import count, report
from tests.stress.server_util import PrivateServer, private_server
from ttyctl.client import connect, expect_ok, list_consoles, new_console
from ttyctl.sansio.frames import Kind, encode, encode_json

PATTERN = os.path.join(PROGS, "pattern.py")

#: Wait for a line on stdin (the "go" that the attached client sends), then run
#: pattern.py (N bytes of a known pattern, no newline) and exit with CODE at once.
GATED_PATTERN = (
    "import os, runpy, sys\n"
    "prog, size, code = sys.argv[1:4]\n"
    "sys.stdin.readline()\n"
    "sys.argv = [prog, size]\n"
    "runpy.run_path(prog, run_name='__main__')\n"
    "os._exit(int(code))\n"
)
EXIT_CODE = 3


def _pattern(size: int) -> bytes:
    block = bytes((i * 7 + 13) % 94 + 33 for i in range(65536))
    return (block * (size // len(block) + 1))[:size]


def _first_difference(got: bytes, want: bytes) -> str:
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return f"first difference at byte {i} of {len(want)}"
    return f"{len(got)} bytes instead of {len(want)}"


@pytest.mark.timeout(1800)
def test_parallel_programs_through_the_server(
    capsys: pytest.CaptureFixture[str], tmp_path: os.PathLike[str]
) -> None:
    programs = count("programs", 10)
    size = count("bytes", 1 << 20)
    base = os.fspath(tmp_path)
    clients: list[subprocess.Popen[bytes]] = []
    with private_server(base) as server:
        fds_before = server.baseline_fds
        names = [f"out{i}" for i in range(programs)]
        for name in names:
            new_console(name, [PYTHON, "-c", GATED_PATTERN, PATTERN, str(size), str(EXIT_CODE)],
                        directory=server.directory, env=server.env)
        try:
            for name in names:
                with open(os.path.join(base, name), "wb") as out, \
                        open(os.path.join(base, name + ".err"), "wb") as err:
                    # stdin is a pipe, not a terminal: the typed "go" still reaches
                    # the program, which writes only once this client is attached.
                    client = subprocess.Popen(
                        ttyctl_argv("attach", name), stdin=subprocess.PIPE, stdout=out,
                        stderr=err, env=server.env, start_new_session=True)
                clients.append(client)
            start = time.monotonic()
            for client in clients:
                assert client.stdin is not None
                client.stdin.write(b"go\n")
                client.stdin.close()
            codes = [client.wait(timeout=1500) for client in clients]
            elapsed = time.monotonic() - start
        finally:
            for client in clients:
                if client.poll() is None:
                    kill_group(client.pid)
                    client.wait()
        want = b"go\r\n" + _pattern(size)  # the terminal's echo, then the pattern
        for name, code in zip(names, codes, strict=True):
            with open(os.path.join(base, name), "rb") as f:
                got = f.read()
            with open(os.path.join(base, name + ".err"), "rb") as f:
                err_text = f.read()
            assert got == want, f"{name}: {_first_difference(got, want)}; stderr {err_text!r}"
            assert code == EXIT_CODE, f"{name}: attach exited {code}; stderr {err_text!r}"
        assert server.proc.poll() is None
        # Every client saw its program end, so every console was collected.
        assert list_consoles(server.directory) == []
        assert server.wait_fd_count(fds_before) == fds_before
    report(capsys, f"{programs} programs x {size} bytes through the console server to "
           f"{programs} attached clients at once: all complete and in order, "
           f"{programs * size / elapsed / 1e6:.1f} MB/s in all")


# -- consoles and clients churning ----------------------------------------------

#: Bytes of scrollback per console: small, so the ring wraps within seconds and
#: a replay starts in the middle of a line.
SCROLLBACK = 1024
PAD = "abcdefghijklmnopqrstuvwxyz0123456789"
#: Prints "NAME K PAD" for K = 1, 2... five times a second (busybox ash: `read -t`
#: on the terminal is the sleep, so nothing forks; nobody types), until the file
#: STOP exists; then "NAME END K" with the last K, and it waits without printing.
TICKER = ('i=0; while [ ! -e "$STOP" ]; do i=$((i+1)); echo "$TTYCTL_CONSOLE $i ' + PAD
          + '"; read -t 0.2 x; done; echo "$TTYCTL_CONSOLE END $i"; exec sleep 100000')
LINE = re.compile(rb"(c\d+) (\d+) " + PAD.encode())
END = re.compile(rb"(c\d+) END (\d+)")


def _check_lines(name: str, data: bytes, *, whole: bool) -> tuple[int, int | None]:
    """Check that ``data`` (a replay, then live output) is a run of consecutive
    lines of console ``name``; return the last line number and the END number.

    The first line may be cut at its start (the scrollback wrapped); with
    ``whole`` the last must be complete, else it may be cut at its end (the
    client was killed). Anything else, a garbled or missing line, fails.
    """
    lines = data.split(b"\r\n")
    tail = lines.pop()
    head = lines.pop(0) if lines and not _match(name, lines[0]) else None
    last, end = None, None
    for line in lines:
        assert end is None, f"{name}: output after the END line: {data!r}"
        m = _match(name, line)
        assert m is not None, f"{name}: garbled line {line!r} in {data!r}"
        k = int(m.group(2))
        if m.re is END:
            assert last is None or k == last, f"{name}: END {k} after line {last}"
            end = k
        else:
            assert last is None or k == last + 1, f"{name}: line {k} after {last} in {data!r}"
        last = k
    if head is not None and last is not None:
        first = int(_match(name, lines[0]).group(2))  # type: ignore[union-attr]
        # cut anywhere in the line before, even between its predecessor's \r and \n
        assert (b"\r\n" + _line(name, first - 1)).endswith(head), f"{name}: garbled {head!r}"
    if whole:
        assert tail == b"", f"{name}: incomplete last line {tail!r} in {data!r}"
    elif last is not None and end is None:
        assert (_line(name, last + 1).startswith(tail)
                or f"{name} END {last}".encode().startswith(tail)), f"{name}: garbled {tail!r}"
    return (last or 0), end


def _match(name: str, line: bytes) -> re.Match[bytes] | None:
    m = LINE.fullmatch(line) or END.fullmatch(line)
    return m if m is not None and m.group(1) == name.encode() else None


def _line(name: str, k: int) -> bytes:
    return f"{name} {k} {PAD}".encode()


@dataclass
class _Client:
    """One `ttyctl attach` run by the churn loop and what the loop will do to it."""

    proc: subprocess.Popen[bytes]
    console: str
    readonly: bool
    action: str  # "detach" (the detach key) or "kill" (SIGKILL)
    when: float  # monotonic time of the action (inf: set on its first output)
    out: bytearray = field(default_factory=bytearray)
    done: bool = False  # the action was taken


@pytest.mark.timeout(1800)
def test_consoles_survive_clients_attaching_detaching_and_killed(
    capsys: pytest.CaptureFixture[str], tmp_path: os.PathLike[str]
) -> None:
    if shutil.which("busybox") is None:
        pytest.skip("needs busybox")
    n_consoles = count("consoles", 40)
    n_clients = count("clients", 6)
    seconds = count("seconds", 6)
    seed = int(os.environ.get("TTYCTL_STRESS_SEED", random.randrange(1 << 32)))
    rng = random.Random(seed)
    report(capsys, f"console churn: seed {seed} (TTYCTL_STRESS_SEED={seed} replays it)")
    base = os.fspath(tmp_path)
    stop = os.path.join(base, "STOP")
    names = [f"c{i}" for i in range(n_consoles)]
    seen: dict[str, int] = dict.fromkeys(names, 0)  # the highest line a client saw
    stats = {"attaches": 0, "detach": 0, "kill": 0, "attached": 0}
    with private_server(base, "--scrollback", str(SCROLLBACK)) as server:
        env = dict(server.env, STOP=stop)
        pids = {name: new_console(name, ["busybox", "sh", "-c", TICKER],
                                  directory=server.directory, env=env) for name in names}
        fds_with_consoles = server.idle_fd_count()
        sel = selectors.DefaultSelector()
        active: list[_Client] = []

        def start_client(now: float) -> None:
            name = rng.choice(names)
            readonly = rng.random() < 0.3
            proc = subprocess.Popen(
                ttyctl_argv("attach", *(["-r"] if readonly else []), name),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=server.env, start_new_session=True)
            # Most act a random moment after their first output (attached); some
            # at any moment, which may be before they even connected.
            early = rng.random() < 0.25
            client = _Client(proc, name, readonly, rng.choice(("detach", "kill")),
                             now + rng.uniform(0.0, 1.0) if early else math.inf)
            assert proc.stdout is not None
            os.set_blocking(proc.stdout.fileno(), False)
            sel.register(proc.stdout, selectors.EVENT_READ, client)
            active.append(client)
            stats["attaches"] += 1

        def act(client: _Client) -> None:
            client.done = True
            assert client.proc.stdin is not None
            stats[client.action] += 1
            stats["attached"] += client.action == "kill" and bool(client.out)
            if client.action == "kill":
                client.proc.kill()
                return
            try:
                client.proc.stdin.write(b"\x1c")  # Ctrl-\, the default detach key
                client.proc.stdin.flush()
            except BrokenPipeError:
                pass  # it ended already: its exit status tells

        def finish(client: _Client) -> None:
            assert client.proc.stdout is not None and client.proc.stdin is not None
            sel.unregister(client.proc.stdout)
            client.proc.stdout.close()
            try:
                client.proc.stdin.close()
            except BrokenPipeError:
                pass
            code = client.proc.wait(timeout=20)
            active.remove(client)
            want = -signal.SIGKILL if client.action == "kill" and client.done else 0
            assert code == want, f"attach to {client.console} ({client.action}) exited {code}"
            last, _ = _check_lines(client.console, bytes(client.out), whole=False)
            seen[client.console] = max(seen[client.console], last)

        start = time.monotonic()
        try:
            while True:
                now = time.monotonic()
                running = now < start + seconds
                while running and len(active) < n_clients:
                    start_client(now)
                for client in active:
                    if not client.done and (client.when <= now or not running):
                        act(client)
                if not active:
                    break
                pending = [c.when - now for c in active if not c.done]
                for key, _ in sel.select(max(0.0, min([1.0, *pending]))):
                    client = key.data
                    assert isinstance(client, _Client)
                    chunk = os.read(key.fd, 65536)
                    if chunk:
                        if not client.out and client.when == math.inf:
                            client.when = time.monotonic() + rng.uniform(0.0, 1.5)
                        client.out += chunk
                    else:
                        finish(client)
        finally:
            for client in active:
                kill_group(client.proc.pid)
                client.proc.wait()
        elapsed = time.monotonic() - start

        # Every client is gone: the server closed their sockets and holds what it
        # held before the first one came.
        assert server.proc.poll() is None, server.log()
        assert server.wait_fd_count(fds_with_consoles) == fds_with_consoles
        result = subprocess.run(ttyctl_argv("ls", "--json"), env=server.env,
                                capture_output=True, timeout=60, check=True)
        listed = {c["name"]: c for c in json.loads(result.stdout)}
        assert sorted(listed) == sorted(names)
        for name in names:
            assert listed[name]["running"] is True, listed[name]
            assert listed[name]["pid"] == pids[name] and pid_alive(pids[name])
            assert listed[name]["clients"] == 0, listed[name]

        # Each scrollback, replayed whole to a fresh client, is the console's
        # latest lines, consecutive and ungarbled, up to its END line.
        with open(stop, "w"):
            pass
        for name in names:
            data = _replay_until_end(server, name)
            _, end = _check_lines(name, data, whole=True)
            assert end is not None and end >= seen[name], f"{name}: END {end}, seen {seen[name]}"
            if end * len(f"{name} {end} {PAD}\r\n") > SCROLLBACK:
                assert len(data) >= SCROLLBACK, f"{name}: replay of {len(data)} bytes"
        assert server.proc.poll() is None
        assert server.wait_fd_count(fds_with_consoles) == fds_with_consoles
        assert zombies_of(os.getpid()) == []
        fds_end = server.fd_count()
    report(capsys, f"{n_consoles} consoles, {n_clients} clients churning for {seconds} s "
           f"({elapsed:.1f} s): {stats['attaches']} attaches, {stats['detach']} detached, "
           f"{stats['kill']} SIGKILLed ({stats['attached']} of them while attached and "
           f"receiving); server up, scrollbacks intact, "
           f"descriptors {fds_end} = baseline {fds_with_consoles}")


def _replay_until_end(server: PrivateServer, name: str) -> bytes:
    """Attach read-only through the protocol, replaying everything, and read until
    the console's END line; then detach."""
    with connect(server.directory) as conn:
        conn.sock.settimeout(30)
        conn.send(encode_json(Kind.ATTACH, {"name": name, "readonly": True, "replay": None}))
        expect_ok(conn.recv())
        data = bytearray()
        while not re.search(rb"END \d+\r\n", data):
            frame = conn.recv()
            assert frame.kind is Kind.OUTPUT, frame
            data += frame.payload
        conn.send(encode(Kind.DETACH))
    return bytes(data)
