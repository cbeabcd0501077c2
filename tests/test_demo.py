"""``ttyctl demo`` runs, passes, and notices when one expectation is broken."""

from __future__ import annotations

import os
import subprocess
import time

from tests.helpers import children_of, ttyctl_argv
from ttyctl.demo import STEPS, run_demo


def test_demo_passes_and_leaves_nothing_behind() -> None:
    before = set(children_of(os.getpid()))
    env = {k: v for k, v in os.environ.items() if k != "TTYCTL_DEMO_BREAK"}
    start = time.monotonic()
    result = subprocess.run(ttyctl_argv("demo"), capture_output=True, text=True, timeout=30,
                            env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    for i, name in enumerate(STEPS, 1):
        assert f"[{i}/{len(STEPS)}] {name}: matched" in result.stdout
    assert "killed by SIGINT" in result.stdout and "stopped by SIGTTOU" in result.stdout
    assert "Opening /dev/tty gave ENXIO" in result.stdout
    assert result.stdout.rstrip().endswith("All 5 observations matched what the seed "
                                           "documents describe.")
    assert elapsed < 15  # the 5 s, with room for a loaded machine
    assert set(children_of(os.getpid())) == before


def test_broken_expectation_fails_naming_the_step() -> None:
    env = dict(os.environ, TTYCTL_DEMO_BREAK="own-session")
    result = subprocess.run(ttyctl_argv("demo"), capture_output=True, text=True, timeout=30,
                            env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    assert result.returncode == 1
    assert result.stderr == ("ttyctl: demo: 2 of 5 did not match what the seeds describe: "
                             "jobs, ctrl-c\n")
    assert "[3/5] ctrl-c: DID NOT MATCH" in result.stdout
    assert "was killed by SIGINT, not still running" in result.stdout.replace("\n   ", " ")


def test_library_steps() -> None:
    steps = run_demo(break_own_session=False)
    assert [s.name for s in steps] == list(STEPS)
    assert all(s.ok for s in steps), [s.mismatch for s in steps]
    jobs = steps[1]
    assert jobs.picture is not None and "foreground" in jobs.picture and "no ctty" in jobs.picture


def test_demo_all_runs_the_17_claims() -> None:
    result = subprocess.run(ttyctl_argv("demo", "--all"), capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL, start_new_session=True)
    assert result.returncode == 0, result.stdout + result.stderr
    for n in range(1, 18):
        assert f"C{n} matched:" in result.stdout
    assert "All 17 observations matched" in result.stdout
