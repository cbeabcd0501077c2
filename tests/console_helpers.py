"""Helpers for the console-socket tests: a running recvtty, OCI bundles, runtimes."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.helpers import kill_group, read_until, ttyctl_argv

BUSYBOX_APPLETS = ("sh", "tty", "stty", "ps", "cat", "echo", "sleep", "id", "ls", "env")


@dataclass
class Receiver:
    """A ``ttyctl recvtty`` started by a test, in its own process group."""

    proc: subprocess.Popen[bytes]
    err_fd: int
    seen: bytearray = field(default_factory=bytearray)
    exit_code: int | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_line(self, needle: bytes, timeout: float = 20.0) -> bytes:
        """Read its log (stderr) until ``needle`` has appeared once more."""
        count = self.seen.count(needle)
        deadline = time.monotonic() + timeout
        while self.seen.count(needle) <= count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{needle!r} not logged within {timeout} s: {self.log()!r}")
            ready, _, _ = select.select([self.err_fd], [], [], remaining)
            if ready:
                chunk = os.read(self.err_fd, 65536)
                if not chunk:
                    raise AssertionError(f"recvtty exited before {needle!r}: {self.log()!r}")
                self.seen += chunk
        return bytes(self.seen)

    def wait_count(self, needle: bytes, count: int, timeout: float = 30.0) -> None:
        """Read its log until ``needle`` appeared ``count`` times in all."""
        deadline = time.monotonic() + timeout
        while self.seen.count(needle) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"{needle!r} logged {self.seen.count(needle)} times, not {count}: "
                    f"{self.log()!r}"
                )
            ready, _, _ = select.select([self.err_fd], [], [], remaining)
            if ready:
                chunk = os.read(self.err_fd, 65536)
                if not chunk:
                    raise AssertionError(f"recvtty exited: {self.log()!r}")
                self.seen += chunk

    def log(self) -> str:
        return self.seen.decode("utf-8", "replace")

    def fd_count(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))


@contextmanager
def running_receiver(sock: str, *args: str) -> Iterator[Receiver]:
    """Start ``ttyctl recvtty ARGS SOCK`` with its log on a pipe; stop it afterwards."""
    err_r, err_w = os.pipe()
    proc = subprocess.Popen(
        ttyctl_argv("recvtty", *args, sock),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=err_w,
        start_new_session=True,
    )
    os.close(err_w)
    receiver = Receiver(proc, err_r)
    try:
        receiver.wait_line(b"listening on")
        yield receiver
        os.kill(proc.pid, signal.SIGTERM)  # a clean stop: it removes its socket
        receiver.exit_code = proc.wait(20)
    finally:
        kill_group(proc.pid)
        proc.wait()
        os.close(err_r)


def fd_count_settles(receiver: Receiver, baseline: int, timeout: float = 10.0) -> int:
    """Poll the receiver's descriptor count until it is ``baseline`` (or time runs out)."""
    deadline = time.monotonic() + timeout
    count = receiver.fd_count()
    while count != baseline and time.monotonic() < deadline:
        time.sleep(0.05)
        count = receiver.fd_count()
    return count


# -- OCI bundles and runtimes --------------------------------------------------


def runtime_skip_reason(runtime: str) -> str | None:
    """Why tests against ``runtime`` cannot run here, or None."""
    if os.geteuid() != 0:
        return f"{runtime} tests need root"
    if shutil.which(runtime) is None:
        return f"{runtime} is not installed"
    if busybox_static() is None:
        return "busybox-static is not installed (/bin/busybox must be static)"
    return None


def busybox_static() -> str | None:
    """The path of a statically linked busybox, or None."""
    for path in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                head = f.read(4096)
            if head[:4] == b"\x7fELF" and b"ld-linux" not in head:
                return path
    return None


def make_bundle(directory: str, args: list[str], env: list[str] | None = None) -> str:
    """A minimal OCI bundle in ``directory`` (busybox rootfs, terminal on); its path."""
    busybox = busybox_static()
    assert busybox is not None
    rootfs = os.path.join(directory, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"))
    for sub in ("proc", "dev", "sys", "tmp"):
        os.makedirs(os.path.join(rootfs, sub), exist_ok=True)
    shutil.copy2(busybox, os.path.join(rootfs, "bin", "busybox"))
    for applet in BUSYBOX_APPLETS:
        os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    subprocess.run(["runc", "spec"], cwd=directory, check=True, timeout=30)
    path = os.path.join(directory, "config.json")
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    config["process"]["terminal"] = True
    config["process"]["args"] = args
    config["process"]["env"] = [
        "PATH=/bin",
        "TERM=xterm",
        *(env or []),
    ]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f)
    return directory


@dataclass
class Container:
    runtime: str
    cid: str
    bundle: str

    def delete(self) -> None:
        subprocess.run(
            [self.runtime, "delete", "-f", self.cid],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )


_COUNTER = [0]


def container_id() -> str:
    _COUNTER[0] += 1
    return f"ttyctl-test-{os.getpid()}-{_COUNTER[0]}"


#: What crun 1.8.1 says on this kind of machine (DESIGN.md section 8).
CRUN_CANNOT_RUN_HERE = ("cgroups in hybrid mode not supported", "setrlimit")


def run_detached(runtime: str, bundle: str, sock: str) -> tuple[Container, int, str]:
    """``RUNTIME run -d --console-socket SOCK ID``: the container, exit status, stderr."""
    container = Container(runtime, container_id(), bundle)
    done = subprocess.run(
        [runtime, "run", "-d", "--console-socket", sock, container.cid],
        cwd=bundle,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    return container, done.returncode, done.stderr.decode("utf-8", "replace")


__all__ = [
    "CRUN_CANNOT_RUN_HERE",
    "Container",
    "Receiver",
    "fd_count_settles",
    "make_bundle",
    "read_until",
    "run_detached",
    "running_receiver",
    "runtime_skip_reason",
]
