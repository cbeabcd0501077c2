"""Fixtures shared by every test: PTYs, cleanup by process group, leak checks."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from tests.helpers import Terminal, children_of, kill_group, make_terminal


@pytest.fixture(autouse=True)
def _clean_children() -> Iterator[None]:
    """After each test, end every child it left behind, by its process group."""
    before = set(children_of(os.getpid()))
    yield
    for pid in set(children_of(os.getpid())) - before:
        try:
            pgid = os.getpgid(pid)
        except ProcessLookupError:
            pgid = -1
        if pgid > 0 and pgid != os.getpgrp():
            kill_group(pgid)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    """A PTY the test owns, standing in for a user's terminal."""
    term = make_terminal()
    yield term
    term.close()


@pytest.fixture
def groups() -> Iterator[list[int]]:
    """Append process groups to this list; they are SIGKILLed after the test."""
    started: list[int] = []
    yield started
    for pgid in started:
        kill_group(pgid)
