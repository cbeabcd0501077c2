"""Write-then-expect round trips and spawn-to-first-expect: ttyctl against pexpect.

Usage: python bench/bench_expect.py [--round-trips 2000] [--spawns 200] [--ballast-mb 0]

Four contenders, measured in one run on the same machine:

- ``ttyctl.aio``: ``await p.write(line)`` then ``await p.readuntil(line)``
- ``ttyctl sync``: ``Process.write`` then ``Process.readuntil``
- ``pexpect/ptyprocess``: stock ``pexpect.spawn``, ``send`` then ``expect_exact``
- ``pexpect/ttyctl``: the same pexpect code on ``ttyctl.compat.PtyProcess``

The round trip writes a line to ``cat`` (terminal echo off, so each line
comes back once) and waits for it. pexpect's ``delaybeforesend`` (a 50 ms
sleep before every send) is set to None, else pexpect would measure that sleep.
Spawn-to-first-expect starts ``/bin/echo READY`` and waits for ``READY``; the
time to close the child afterwards is not counted (ptyprocess's close sleeps
0.1 s on purpose). Spawns are interleaved across the contenders so they share
the machine's noise. ``--ballast-mb N`` makes this process touch N MiB first,
which is what makes fork-based spawning slow in large programs.

Prints medians and p99 in microseconds, and ratios to pexpect on ptyprocess
(above 1 means faster than it).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import pexpect

import ttyctl
import ttyctl.aio
import ttyctl.compat

ECHO_ARGV = ["/bin/echo", "READY"]


class TtyctlSpawn(pexpect.spawn):  # type: ignore[misc]
    """pexpect.spawn on ttyctl.compat.PtyProcess (the documented _spawnpty override)."""

    def _spawnpty(self, args: list[Any], **kwargs: Any) -> Any:
        return ttyctl.compat.PtyProcess.spawn(args, **kwargs)


def lines(n: int) -> list[bytes]:
    return [b"round trip %06d" % i for i in range(n)]


def rt_aio(loop: asyncio.AbstractEventLoop, n: int) -> list[float]:
    async def main() -> list[float]:
        out = []
        async with await ttyctl.aio.spawn(["cat"], echo=False) as p:
            for line in lines(n):
                t0 = time.perf_counter()
                await p.write(line + b"\n")
                await p.readuntil(line + b"\r\n", timeout=10)
                out.append(time.perf_counter() - t0)
        return out

    return loop.run_until_complete(main())


def rt_sync(n: int) -> list[float]:
    out = []
    from ttyctl._os.ptymodes import fresh_pty_termios, with_echo

    attrs = with_echo(fresh_pty_termios(), False)
    with ttyctl.spawn(["cat"], termios_attrs=attrs) as p:
        for line in lines(n):
            t0 = time.perf_counter()
            p.write(line + b"\n")
            p.readuntil(line + b"\r\n", timeout=10)
            out.append(time.perf_counter() - t0)
    return out


def rt_pexpect(cls: type[pexpect.spawn], n: int) -> list[float]:
    out = []
    child = cls("cat", echo=False, timeout=10)
    child.delaybeforesend = None
    try:
        for line in lines(n):
            t0 = time.perf_counter()
            child.send(line + b"\n")
            child.expect_exact(line + b"\r\n")
            out.append(time.perf_counter() - t0)
    finally:
        child.close(force=True)
    return out


def spawn_aio(loop: asyncio.AbstractEventLoop) -> float:
    async def main() -> float:
        t0 = time.perf_counter()
        p = await ttyctl.aio.spawn(ECHO_ARGV)
        await p.readuntil(b"READY", timeout=10)
        elapsed = time.perf_counter() - t0
        await p.close()
        return elapsed

    return loop.run_until_complete(main())


def spawn_sync() -> float:
    t0 = time.perf_counter()
    p = ttyctl.spawn(ECHO_ARGV)
    p.readuntil(b"READY", timeout=10)
    elapsed = time.perf_counter() - t0
    p.close()
    return elapsed


def spawn_pexpect(cls: type[pexpect.spawn]) -> float:
    t0 = time.perf_counter()
    child = cls(ECHO_ARGV[0], ECHO_ARGV[1:], timeout=10)
    child.expect_exact(b"READY")
    elapsed = time.perf_counter() - t0
    child.close(force=True)
    return elapsed


def summarize(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1e6, p99 * 1e6


def report(title: str, results: dict[str, list[float]], baseline: str) -> None:
    base_med, base_p99 = summarize(results[baseline])
    print(f"\n{title}")
    print(f"  {'contender':22} {'median us':>10} {'p99 us':>10} {'x median':>9} {'x p99':>7}")
    for name, samples in results.items():
        med, p99 = summarize(samples)
        print(f"  {name:22} {med:10.1f} {p99:10.1f} {base_med / med:8.2f}x {base_p99 / p99:6.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round-trips", type=int, default=2000)
    parser.add_argument("--spawns", type=int, default=200)
    parser.add_argument("--ballast-mb", type=int, default=0)
    args = parser.parse_args()
    ballast = bytearray(args.ballast_mb << 20)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    gc.collect()
    loop = asyncio.new_event_loop()
    version = sys.version.split()[0]
    print(f"python {version}, pexpect {pexpect.__version__}, ballast {args.ballast_mb} MiB")

    warm = 50
    round_trips: dict[str, list[float]] = {
        "ttyctl.aio": rt_aio(loop, args.round_trips + warm)[warm:],
        "ttyctl sync": rt_sync(args.round_trips + warm)[warm:],
        "pexpect/ptyprocess": rt_pexpect(pexpect.spawn, args.round_trips + warm)[warm:],
        "pexpect/ttyctl.compat": rt_pexpect(TtyctlSpawn, args.round_trips + warm)[warm:],
    }
    report(
        f"write-then-expect round trip on cat ({args.round_trips} each)",
        round_trips,
        "pexpect/ptyprocess",
    )

    contenders: dict[str, Callable[[], float]] = {
        "ttyctl.aio": lambda: spawn_aio(loop),
        "ttyctl sync": spawn_sync,
        "pexpect/ptyprocess": lambda: spawn_pexpect(pexpect.spawn),
        "pexpect/ttyctl.compat": lambda: spawn_pexpect(TtyctlSpawn),
    }
    spawns: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():
        fn()  # warm up imports and caches
    for _ in range(args.spawns):
        for name, fn in contenders.items():
            spawns[name].append(fn())
    report(
        f"spawn-to-first-expect, /bin/echo READY ({args.spawns} each)",
        spawns,
        "pexpect/ptyprocess",
    )
    loop.close()
    del ballast
    return 0


if __name__ == "__main__":
    sys.exit(main())
