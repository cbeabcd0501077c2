"""Helpers for the inspector tests: build a known process tree, ask procps about it."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable

import pytest

from tests.helpers import read_stat


def wait_for(check: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``check`` until true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(0.01)


def session_members(sid: int) -> list[int]:
    """Pids of the session ``sid`` (read with the test's own parser)."""
    from tests.helpers import children_of

    found = [sid]
    queue = [sid]
    while queue:
        for child in children_of(queue.pop()):
            try:
                if read_stat(child).sid == sid:
                    found.append(child)
                    queue.append(child)
            except FileNotFoundError:
                continue
    return sorted(found)


def procps(pids: list[int], fields: str = "pid,pgid,sid,tpgid,tt,stat") -> dict[int, list[str]]:
    """Ask procps ``ps`` for ``fields`` of ``pids``: pid -> the fields, as printed."""
    if shutil.which("ps") is None:
        pytest.skip("procps ps is not installed (tools/test.sh installs it as root)")
    spec = ",".join(f"{f}=" for f in fields.split(","))
    out = subprocess.run(
        ["ps", "-o", spec, "-p", ",".join(map(str, pids))],
        capture_output=True, text=True, check=False, timeout=30,
    ).stdout
    rows = [line.split() for line in out.splitlines() if line.strip()]
    return {int(r[0]): r for r in rows}
