"""Every fuzz target of bench/fuzz under hypothesis, and every saved finding replayed.

bench/fuzz/fuzz.py runs the same targets under atheris for longer runs; a crash
it finds is saved under bench/fuzz/regressions/TARGET/ and replayed here.
"""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ_DIR = os.path.join(ROOT, "bench", "fuzz")
sys.path.insert(0, FUZZ_DIR)
from targets import TARGETS  # noqa: E402

REGRESSIONS = os.path.join(FUZZ_DIR, "regressions")


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=512))
def test_target_holds_on_arbitrary_bytes(name: str, data: bytes) -> None:
    TARGETS[name](data)


def _saved_cases() -> list[tuple[str, str]]:
    cases = []
    for target in sorted(os.listdir(REGRESSIONS)):
        for case in sorted(os.listdir(os.path.join(REGRESSIONS, target))):
            cases.append((target, case))
    return cases


@pytest.mark.parametrize("target, case", _saved_cases())
def test_saved_finding_is_fixed(target: str, case: str) -> None:
    with open(os.path.join(REGRESSIONS, target, case), "rb") as f:
        TARGETS[target](f.read())
