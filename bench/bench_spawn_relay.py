"""Spawn latency and relay throughput of ttyctl beside its peers, in one run.

Spawn: start /bin/true on a new PTY as a session leader with that PTY as its
controlling terminal, and wait for it; ttyctl (each strategy), ``pty.fork`` +
exec, and ``ptyprocess.PtyProcess.spawn`` (spawn and wait only: its close()
sleeps on purpose). Then the same with the parent holding 1 GiB of touched
memory, where fork-based spawns pay for copying page tables.

Relay: 200 MB of output through ``ttyctl run``, ``script -qc`` and a bare
``os.read`` loop on a PTY (the kernel's pace), each writing to /dev/null; wall
time and CPU time (relay and program together: the program is the same ``cat``
for all three).

Usage: python bench/bench_spawn_relay.py [--spawns N] [--relay-mb MB] [--rounds R]
Prints medians and ratios; the machine is shared and noisy, so quote ratios.
"""

from __future__ import annotations

import argparse
import os
import pty
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import ttyctl

TRUE = shutil.which("true") or "/bin/true"


def spawn_ttyctl(strategy: str) -> Callable[[], None]:
    def run() -> None:
        proc = ttyctl.spawn([TRUE], strategy=strategy)  # type: ignore[arg-type]
        proc.wait()
        proc.close()

    return run


def spawn_pty_fork() -> None:
    pid, master = pty.fork()
    if pid == 0:
        os.execv(TRUE, [TRUE])
    os.waitpid(pid, 0)
    os.close(master)


def spawn_ptyprocess() -> None:
    from ptyprocess import PtyProcess

    proc = PtyProcess.spawn([TRUE])
    proc.wait()
    os.close(proc.fd)  # close() would sleep 0.1 s on purpose; not what is measured


def spawn_floor() -> None:
    """The floor: a bare os.posix_spawn of /bin/true, no PTY, no session."""
    pid = os.posix_spawn(TRUE, [TRUE], os.environ)
    os.waitpid(pid, 0)


SPAWNERS: dict[str, Callable[[], None]] = {
    "floor: bare posix_spawn": spawn_floor,
    "ttyctl posix_spawn": spawn_ttyctl("posix_spawn"),
    "ttyctl fork": spawn_ttyctl("fork"),
    "pty.fork": spawn_pty_fork,
    "ptyprocess": spawn_ptyprocess,
}


def time_interleaved(funcs: dict[str, Callable[[], None]], reps: int) -> dict[str, list[float]]:
    """Time each function ``reps`` times, round-robin so noise hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for func in funcs.values():  # warm up imports and caches
        func()
    for _ in range(reps):
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            samples[name].append(time.perf_counter() - start)
    return samples


def report(title: str, samples: dict[str, list[float]], reference: str, unit: str = "ms") -> None:
    print(f"\n{title}")
    ref = statistics.median(samples[reference])
    print(f"  {'':22} {'median':>10} {'p90':>10}  {'vs ' + reference:>18}")
    for name, values in samples.items():
        med = statistics.median(values)
        p90 = sorted(values)[int(len(values) * 0.9) - 1]
        scale = 1000 if unit == "ms" else 1
        print(f"  {name:22} {med * scale:9.3f}{unit} {p90 * scale:9.3f}{unit}"
              f"  {ref / med:14.2f}x faster" if name != reference else
              f"  {name:22} {med * scale:9.3f}{unit} {p90 * scale:9.3f}{unit}  {'(reference)':>18}")


def bench_spawn(reps: int) -> None:
    samples = time_interleaved(SPAWNERS, reps)
    report(f"spawn /bin/true on a new PTY with a ctty, and wait ({reps} runs each)",
           samples, "ptyprocess")


def bench_spawn_big_parent(reps: int) -> None:
    big = bytearray(1 << 30)
    for offset in range(0, len(big), 4096):  # touch every page
        big[offset] = 1
    funcs = {k: SPAWNERS[k] for k in ("ttyctl posix_spawn", "ttyctl fork", "ptyprocess")}
    samples = time_interleaved(funcs, reps)
    report(f"the same, parent holding 1 GiB of touched memory ({reps} runs each)",
           samples, "ptyprocess")
    del big


def _relay_cmds(path: str) -> dict[str, list[str]]:
    here = os.path.dirname(os.path.abspath(__file__))
    return {
        "bare os.read loop": [sys.executable, os.path.join(here, "_bare_pty_loop.py"), path],
        "ttyctl run": [sys.executable, "-m", "ttyctl", "run", "--", "cat", path],
        "script -qc": ["script", "-qc", f"cat {path}", "/dev/null"],
    }


def bench_relay(megabytes: int, rounds: int) -> None:
    with tempfile.NamedTemporaryFile(prefix="ttyctl-bench-", delete=False) as f:
        block = bytes((i * 7 + 13) % 94 + 33 for i in range(1 << 20))
        for _ in range(megabytes):
            f.write(block)
        path = f.name
    try:
        cmds = _relay_cmds(path)
        wall: dict[str, list[float]] = {name: [] for name in cmds}
        cpu: dict[str, list[float]] = {name: [] for name in cmds}
        for _ in range(rounds):
            for name, argv in cmds.items():
                start = time.perf_counter()
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, start_new_session=True)
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(usage.ru_utime + usage.ru_stime)
                if proc.returncode != 0:
                    raise SystemExit(f"{name} failed with {proc.returncode}")
        print(f"\nrelay {megabytes} MB of output to /dev/null ({rounds} runs each)")
        bare = statistics.median(wall["bare os.read loop"])
        script_cpu = statistics.median(cpu["script -qc"]) / megabytes
        print(f"  {'':22} {'MB/s':>8} {'vs bare':>8} {'CPU ms/MB':>10} {'vs script':>10}")
        for name in cmds:
            med = statistics.median(wall[name])
            cpu_mb = statistics.median(cpu[name]) / megabytes
            print(f"  {name:22} {megabytes / med:8.1f} {bare / med:8.2f} "
                  f"{cpu_mb * 1000:10.2f} {cpu_mb / script_cpu:10.2f}")
        print("  (throughput ratio: higher is better; CPU ratio: lower is better; CPU counts "
              "the relay and cat together)")
    finally:
        os.unlink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spawns", type=int, default=300)
    parser.add_argument("--big-spawns", type=int, default=30)
    parser.add_argument("--relay-mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load "
          f"{os.getloadavg()[0]:.2f}, ttyctl {ttyctl.__version__}")
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    bench_spawn(args.spawns)
    bench_spawn_big_parent(args.big_spawns)
    bench_relay(args.relay_mb, args.rounds)


if __name__ == "__main__":
    main()
