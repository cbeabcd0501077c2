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

STRATEGIES = ("posix_spawn", "fork")
MODES = ("console", "detached", "inherit")


@pytest.mark.timeout(1800)
def test_spawns_across_strategies_and_modes_leave_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    total = count("spawns", 900)
    combos = list(itertools.product(STRATEGIES, MODES))
    # Warm up: the first spawns import modules and fill caches.
    for strategy, mode in combos:
        with ttyctl.spawn(["true"], mode=mode, strategy=strategy) as proc:  # type: ignore[arg-type]
            proc.wait()
    gc.collect()
    fds_before, rss_before = open_fds(), rss_kib()
    start = time.monotonic()
    for i in range(total):
        strategy, mode = combos[i % len(combos)]
        with ttyctl.spawn(["true"], mode=mode, strategy=strategy) as proc:  # type: ignore[arg-type]
            assert proc.wait(timeout=20) == 0
    elapsed = time.monotonic() - start
    gc.collect()
    fds_after, rss_after = open_fds(), rss_kib()
    zombies = zombies_of(os.getpid())
    report(capsys, f"{total} spawns in {elapsed:.1f} s ({total / elapsed:.0f}/s); "
           f"descriptors {len(fds_before)} -> {len(fds_after)}; zombies {len(zombies)}; "
           f"RSS {rss_before} -> {rss_after} KiB")
    assert fds_after == fds_before
    assert zombies == []
    assert rss_after - rss_before < 4096  # no per-spawn growth (4 MiB slack for the allocator)
