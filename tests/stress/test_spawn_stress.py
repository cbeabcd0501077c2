"""Many spawns in one process: descriptors, zombies and memory back to baseline."""

from __future__ import annotations

import gc
import itertools
import os
import time

import pytest

import ttyctl
from tests.helpers import open_fds, zombies_of
from tests.stress.scale import count, report, rss_kib

STRATEGIES = ("posix_spawn", "fork", "init")
MODES = ("console", "detached", "inherit", "terminal")
# The init strategy starts a Python interpreter (ttyctl init) per spawn: it takes
# one slot in INIT_EVERY rounds so that the whole run stays about spawn-bound.
INIT_EVERY = 10


def _spawn_one(strategy: str, mode: str) -> None:
    if mode == "terminal":
        with ttyctl.open_pty() as pty:
            # The program leads a new session on this existing terminal.
            with ttyctl.spawn(["true"], mode="terminal", tty=pty.slave_path,  # type: ignore[arg-type]
                              strategy=strategy) as proc:  # type: ignore[arg-type]
                assert proc.wait(timeout=20) == 0
        return
    with ttyctl.spawn(["true"], mode=mode, strategy=strategy) as proc:  # type: ignore[arg-type]
        assert proc.wait(timeout=20) == 0


@pytest.mark.timeout(1800)
def test_spawns_across_strategies_and_modes_leave_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    total = count("spawns", 900)
    fast = [c for c in itertools.product(STRATEGIES, MODES) if c[0] != "init"]
    slow = [c for c in itertools.product(STRATEGIES, MODES) if c[0] == "init"]
    # Warm up: the first spawns import modules and fill caches.
    for strategy, mode in fast + slow:
        _spawn_one(strategy, mode)
    gc.collect()
    fds_before, rss_before = open_fds(), rss_kib()
    start = time.monotonic()
    per_strategy: dict[str, int] = {}
    for i in range(total):
        rnd, slot = divmod(i, len(fast))
        strategy, mode = fast[slot]
        if slot == 0 and rnd % INIT_EVERY == 0:
            strategy, mode = slow[(rnd // INIT_EVERY) % len(slow)]
        _spawn_one(strategy, mode)
        per_strategy[strategy] = per_strategy.get(strategy, 0) + 1
    elapsed = time.monotonic() - start
    gc.collect()
    fds_after, rss_after = open_fds(), rss_kib()
    zombies = zombies_of(os.getpid())
    report(capsys, f"{total} spawns ({per_strategy}) x 4 modes in {elapsed:.1f} s; "
           f"descriptors {len(fds_before)} -> {len(fds_after)}; zombies {len(zombies)}; "
           f"RSS {rss_before} -> {rss_after} KiB")
    assert fds_after == fds_before
    assert zombies == []
    assert rss_after - rss_before < 4096  # no per-spawn growth (4 MiB slack for the allocator)
