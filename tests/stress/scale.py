"""Counts for the stress tests: modest in the test suite, large from bench/stress.

Each count is read from an environment variable (TTYCTL_STRESS_<NAME>), so
``bench/stress`` runs the very same tests with the issue's full figures.
"""

from __future__ import annotations

import os
import resource

import pytest


def count(name: str, default: int) -> int:
    """The count for ``name``: TTYCTL_STRESS_<NAME> if set, else ``default``."""
    return int(os.environ.get(f"TTYCTL_STRESS_{name.upper()}", default))


def rss_kib() -> int:
    """This process's resident set size in KiB (from /proc/self/statm)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() // 1024


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print a figure so that it shows in the test run's output."""
    with capsys.disabled():
        print(f"\n[stress] {line}")
