"""``ttyctl ps`` against procps ``ps -e -o ...`` on a machine with ~2,000 processes.

Starts N ``sleep`` processes in one process group of their own (killed with that
group at the end, whatever happens), then times, side by side in one run:

- ``ps -e -o pid,ppid,pgid,sid,tpgid,tt,stat,args`` (procps),
- ``ttyctl ps --all`` (the CLI, Python start-up included),
- ``ttyctl.inspect.processes()`` (the library call alone, in this process).

Prints the median of each and its ratio to procps. Usage:
``python bench/bench_ps.py [N] [RUNS]`` (defaults 2000 and 9).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time

from ttyctl.inspect import processes


def start_sleeps(count: int) -> int:
    """Start ``count`` sleeps in one new process group; return its pgid."""
    first = os.posix_spawnp("sleep", ["sleep", "600"], os.environ, setpgroup=0)
    for _ in range(count - 1):
        os.posix_spawnp("sleep", ["sleep", "600"], os.environ, setpgroup=first)
    return first


def timed(action: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    pgid = start_sleeps(count)
    try:
        total = len(os.listdir("/proc"))
        ps_cmd = ["ps", "-e", "-o", "pid,ppid,pgid,sid,tpgid,tt,stat,args"]
        ttyctl_cmd = [sys.executable, "-m", "ttyctl", "ps", "--all"]

        def run(cmd: list[str]) -> None:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)

        results = {
            "procps ps -e -o ...": timed(lambda: run(ps_cmd), runs),
            "ttyctl ps --all (CLI)": timed(lambda: run(ttyctl_cmd), runs),
            "ttyctl.inspect.processes()": timed(processes, runs),
        }
        listed = len(processes())
    finally:
        os.killpg(pgid, signal.SIGKILL)
        while True:
            try:
                os.waitpid(-pgid, 0)
            except ChildProcessError:
                break
    base = statistics.median(results["procps ps -e -o ..."])
    print(f"{listed} processes read ({count} sleeps started, /proc had {total} entries), "
          f"{runs} runs each, medians:")
    for name, times in results.items():
        med = statistics.median(times)
        print(f"  {name:<28} {med * 1000:8.1f} ms   {med / base:5.2f}x procps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
