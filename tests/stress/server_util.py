"""A private console server for the stress tests: started in the foreground as the
test's own child (so its pid is known and it is reaped), stopped in cleanup."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.helpers import children_of, kill_group, ttyctl_argv


@dataclass
class PrivateServer:
    """A ``ttyctl server`` on a private TTYCTL_DIR; ``env`` points the CLI at it."""

    directory: str
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    #: descriptors the idle server held before any client connected
    baseline_fds: int = -1

    @property
    def pid(self) -> int:
        """The server's pid."""
        return self.proc.pid

    def fd_count(self) -> int:
        """Descriptors the server holds now (/proc/PID/fd)."""
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def sockets(self) -> int:
        """Sockets the server holds now: its listener and one per client."""
        count = 0
        for fd in os.listdir(f"/proc/{self.pid}/fd"):
            try:
                count += os.readlink(f"/proc/{self.pid}/fd/{fd}").startswith("socket:")
            except FileNotFoundError:
                pass
        return count

    def idle_fd_count(self, timeout: float = 10.0) -> int:
        """Descriptors held once no client is connected (polls until the server
        closed the sockets of clients that already left)."""
        deadline = time.monotonic() + timeout
        while self.sockets() > 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.sockets() == 1, "a client's socket is still open in the server"
        return self.fd_count()

    def wait_fd_count(self, want: int, timeout: float = 10.0) -> int:
        """Poll until the server holds ``want`` descriptors; return the last count."""
        deadline = time.monotonic() + timeout
        while (now := self.fd_count()) != want and time.monotonic() < deadline:
            time.sleep(0.02)
        return now

    def log(self) -> str:
        """What the server logged so far."""
        with open(os.path.join(self.directory, "server.log"), errors="replace") as f:
            return f.read()


@contextmanager
def private_server(base: str, *options: str) -> Iterator[PrivateServer]:
    """Start ``ttyctl server OPTIONS`` on ``BASE/srv`` and wait until it listens.

    On exit, even on failure: SIGTERM to the server (it hangs up its consoles),
    SIGKILL after 10 s, then SIGKILL to every console's process group.
    """
    directory = os.path.join(base, "srv")
    os.mkdir(directory, 0o700)
    env = dict(os.environ)
    env["TTYCTL_DIR"] = directory
    env.pop("XDG_RUNTIME_DIR", None)
    log = os.open(os.path.join(directory, "server.log"),
                  os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    ready_r, ready_w = os.pipe2(os.O_CLOEXEC)
    try:
        proc = subprocess.Popen(
            ttyctl_argv("server", "--dir", directory, "--ready-fd", str(ready_w), *options),
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
            pass_fds=[ready_w], start_new_session=True,
        )
    finally:
        os.close(log)
        os.close(ready_w)
    got = b""
    try:
        # "ready", then EOF once the server closed the descriptor: it is in its
        # loop and no client ever connected, so its descriptors are the baseline.
        while select.select([ready_r], [], [], 30)[0] and (chunk := os.read(ready_r, 64)):
            got += chunk
    finally:
        os.close(ready_r)
    server = PrivateServer(directory, env, proc)
    try:
        assert got == b"ready\n", f"the server did not start:\n{server.log()}"
        server.baseline_fds = server.fd_count()
        yield server
    finally:
        consoles = children_of(proc.pid)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in consoles:
            kill_group(pid)  # each console's program leads its own session and group
