"""Helpers for the ttyctl init tests: fake consoles, probes, namespaces."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Sequence

from tests.helpers import PROGS, PYTHON, read_stat, read_until, ttyctl_argv

PROBE = os.path.join(PROGS, "probe.py")
ORPHAN = os.path.join(PROGS, "orphan.py")
SIGECHO = os.path.join(PROGS, "sigecho.py")
FGSHELL = os.path.join(PROGS, "fgshell.py")
BIND_CONSOLE = os.path.join(PROGS, "bind_console.py")


def probe_info(data: bytes) -> dict[str, object]:
    """The JSON object that progs/probe.py printed."""
    line = data[data.index(b"PROBE ") + 6 :].split(b"\n")[0]
    info: dict[str, object] = json.loads(line.strip())
    return info


def read_probe(master: int, timeout: float = 20) -> dict[str, object]:
    """Read the probe's line from a PTY master."""
    return probe_info(read_until(master, b"}", timeout=timeout))


def fake_sysfs(root: str, content: str) -> str:
    """Make ROOT/class/tty/console/active hold ``content``; return ROOT."""
    directory = os.path.join(root, "class", "tty", "console")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "active"), "w") as f:
        f.write(content)
    return root


def no_ctty_caller(argv: Sequence[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """Start ``argv`` as busybox init starts a script: own session, no ctty, stdin null."""
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        list(argv),
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=kwargs.pop("stdout", subprocess.PIPE),
        stderr=kwargs.pop("stderr", subprocess.PIPE),
        **kwargs,
    )


def wait_state(pid: int, predicate: object, timeout: float = 10) -> None:
    """Poll /proc/PID/stat until ``predicate(stat)`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate(read_stat(pid)):  # type: ignore[operator]
            return
        time.sleep(0.005)
    raise AssertionError(f"state of {pid} never matched: {read_stat(pid)}")


#: The wrappers checked as PID 1: ttyctl init and the two reference tools.
WRAPPERS: dict[str, list[str]] = {
    "ttyctl": [*ttyctl_argv("init"), "--"],
    "tini": ["tini", "--"],
    "dumb-init": ["dumb-init", "--"],
}

PID_NS = ["unshare", "--pid", "--fork", "--mount-proc", "--"]

__all__ = [
    "BIND_CONSOLE", "FGSHELL", "ORPHAN", "PID_NS", "PROBE", "PYTHON", "SIGECHO", "WRAPPERS",
    "fake_sysfs", "no_ctty_caller", "probe_info", "read_probe",
    "wait_state",
]
