"""Helpers for the named-console tests: a private server directory per test,
running the CLI against it, attaching from PTYs the test makes, and cleanup."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest

from tests.helpers import (
    PYTHON,
    Terminal,
    children_of,
    kill_group,
    make_terminal,
    read_to_eof,
    read_until,
    start_on_terminal,
    ttyctl_argv,
)

#: A program that prints READY, then GOT <line> for each line, and AFTER on SIGUSR1.
ECHO_PROG = (
    "import signal, sys\n"
    "signal.signal(signal.SIGUSR1, lambda n, f: print('AFTER-USR1', flush=True))\n"
    "print('READY', flush=True)\n"
    "for line in sys.stdin:\n"
    "    print('GOT:' + line.strip(), flush=True)\n"
)


def pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return False
    return raw[raw.rindex(b")") + 2 :].split()[0] != b"Z"


def wait_gone(pid: int, timeout: float = 10.0) -> None:
    """Poll /proc until ``pid`` is gone or a zombie (it is not our child)."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"pid {pid} still alive after {timeout} s")
        time.sleep(0.01)


@dataclass
class Consoles:
    """A private server directory and the CLI pointed at it."""

    directory: str
    env: dict[str, str]
    terminals: list[Terminal] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    server_pids: set[int] = field(default_factory=set)

    def run(self, *args: str, input: bytes | None = None,
            timeout: float = 30) -> subprocess.CompletedProcess[bytes]:
        """Run ``ttyctl ARGS`` with no terminal; capture its output."""
        result = subprocess.run(
            ttyctl_argv(*args), env=self.env, input=input, capture_output=True,
            timeout=timeout, start_new_session=True,
        )
        self.note_server()
        return result

    def new(self, name: str, argv: Sequence[str], *extra: str) -> None:
        """``ttyctl new -d NAME -- ARGV``, which must succeed."""
        result = self.run("new", "-d", *extra, name, "--", *argv)
        assert result.returncode == 0, result.stderr

    def ls(self) -> dict[str, dict[str, object]]:
        """``ttyctl ls --json`` by name."""
        result = self.run("ls", "--json")
        assert result.returncode == 0, result.stderr
        return {c["name"]: c for c in json.loads(result.stdout)}

    def attach(self, *args: str, rows: int = 24, cols: int = 80,
               ) -> tuple[Terminal, subprocess.Popen[bytes]]:
        """``ttyctl attach ARGS`` on a fresh PTY, as a login would run it."""
        term = make_terminal(rows, cols)
        self.terminals.append(term)
        proc = start_on_terminal(term, ttyctl_argv("attach", *args), env=self.env)
        self.procs.append(proc)
        return term, proc

    def server_pid(self) -> int:
        """The pid in server.pid."""
        with open(os.path.join(self.directory, "server.pid")) as f:
            return int(f.read())

    def note_server(self) -> None:
        """Remember the running server so cleanup can find it."""
        try:
            self.server_pids.add(self.server_pid())
        except (FileNotFoundError, ValueError):
            pass

    def cleanup(self) -> None:
        """SIGKILL every client, the servers and their consoles' groups."""
        for proc in self.procs:
            kill_group(proc.pid)
            proc.wait()
        for term in self.terminals:
            term.close()
        self.note_server()
        for pid in self.server_pids:
            consoles = children_of(pid) if pid_alive(pid) else []
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            for child in consoles:
                kill_group(child)


@pytest.fixture(name="consoles")
def consoles_fixture(tmp_path: os.PathLike[str]) -> Iterator[Consoles]:
    """A private TTYCTL_DIR; everything started in it is killed afterwards."""
    directory = os.path.join(os.fspath(tmp_path), "srv")
    os.mkdir(directory, 0o700)
    env = dict(os.environ)
    env["TTYCTL_DIR"] = directory
    env.pop("XDG_RUNTIME_DIR", None)
    env["PYTHONIOENCODING"] = "utf-8"
    state = Consoles(directory, env)
    try:
        yield state
    finally:
        state.cleanup()
        log = os.path.join(directory, "server.log")
        if os.path.exists(log):
            with open(log) as f:
                print("--- server.log ---\n" + f.read())


def detach(term: Terminal, proc: subprocess.Popen[bytes], key: bytes = b"\x1c") -> bytes:
    """Press the detach key; return what the terminal showed until the client left."""
    os.write(term.master, key)
    seen = read_until(term.master, b"[detached from")
    assert proc.wait(timeout=10) == 0
    return seen


__all__ = [
    "ECHO_PROG",
    "PYTHON",
    "Consoles",
    "consoles_fixture",
    "detach",
    "pid_alive",
    "read_to_eof",
    "read_until",
    "wait_gone",
]
