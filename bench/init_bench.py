"""ttyctl init beside its peers, in one run: medians and ratios.

- stage 1 on a PTY: ``ttyctl init --tty PTY -- true`` vs util-linux ``setsid -c true``
  with the PTY on stdio (both: new session, TIOCSCTTY, exec);
- as PID 1 in a new PID namespace (root only): ``ttyctl init`` vs tini vs dumb-init,
  each running ``true`` under ``unshare --pid --fork --mount-proc``;
- ``ttyctl.spawn(["true"])`` per strategy: posix_spawn, fork, init.

busybox cttyhack is not timed: it resolves the machine's real console.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import ttyctl

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
PY = sys.executable


def _median_ms(fn: Callable[[], None], runs: int = RUNS) -> float:
    fn()  # warm up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def _run(argv: list[str], tty: int | None = None) -> None:
    stdio = subprocess.DEVNULL if tty is None else tty
    subprocess.run(argv, stdin=stdio, stdout=stdio, stderr=stdio, check=True)


def _report(title: str, rows: dict[str, float], base: str) -> None:
    print(title)
    for name, ms in rows.items():
        print(f"  {name:<28} {ms:8.2f} ms   x{ms / rows[base]:.2f} of {base}")


def main() -> None:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    try:
        rows = {
            "ttyctl init --tty": _median_ms(
                lambda: _run([PY, "-m", "ttyctl", "init", "--tty", path, "--", "true"])),
            "setsid -c (util-linux)": _median_ms(
                lambda: _run(["setsid", "-c", "true"], tty=slave)),
            "python -c pass (floor)": _median_ms(lambda: _run([PY, "-c", "pass"])),
        }
        _report("stage 1 on a PTY", rows, "setsid -c (util-linux)")
    finally:
        os.close(slave)
        os.close(master)

    if os.geteuid() == 0 and shutil.which("unshare"):
        ns = ["unshare", "--pid", "--fork", "--mount-proc", "--"]
        rows = {"ttyctl init (PID 1)": _median_ms(
            lambda: _run([*ns, PY, "-m", "ttyctl", "init", "--", "true"]))}
        for name in ("tini", "dumb-init"):
            if shutil.which(name):
                rows[name] = _median_ms(lambda n=name: _run([*ns, n, "--", "true"]))
        _report("as PID 1 in a new PID namespace", rows, "tini" if "tini" in rows else
                "ttyctl init (PID 1)")

    rows = {}
    for strategy in ("posix_spawn", "fork", "init"):
        def one(s: str = strategy) -> None:
            with ttyctl.spawn(["true"], strategy=s) as proc:  # type: ignore[arg-type]
                proc.wait()
        rows[f"spawn strategy={strategy}"] = _median_ms(one)
    _report("ttyctl.spawn(['true']) and wait", rows, "spawn strategy=posix_spawn")


if __name__ == "__main__":
    main()
