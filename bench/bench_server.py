"""Hold N consoles, each printing a line every 100 ms: ttyctl's one server vs dtach (one
process per console).

Measured side by side in one run, for each holder: CPU share of the holder process(es)
over a window, their memory (RSS and PSS summed), and attach latency: the time from
starting the attach command on a fresh PTY to the first byte it prints, and to the first
byte of the console's own output (ttyctl replays its scrollback; dtach keeps none and
shows the next line the program prints).

    python bench/bench_server.py --count 1000 --window 10 --attaches 15
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import ttyctl
from ttyctl.client import Connection, new_console
from ttyctl.sansio.frames import FrameDecoder, Kind, encode_json

# A console program that prints a line every 100 ms without forking (busybox ash:
# `read -t` on the terminal is the sleep; nobody types).
PROG = ["busybox", "sh", "-c", 'i=0; while :; do echo "line $i"; i=$((i+1)); read -t 0.1 x; done']


def cpu_seconds(pids: list[int]) -> float:
    """CPU time of ``pids`` from /proc/PID/schedstat (nanoseconds on CPU), which counts
    short wake-ups that tick-sampled utime/stime miss."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass
    return total / 1e9


def memory_kib(pids: list[int]) -> tuple[int, int]:
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except FileNotFoundError:
            pass
    return rss, pss


def cpu_share(pids: list[int], window: float) -> float:
    before, t0 = cpu_seconds(pids), time.monotonic()
    time.sleep(window)
    return (cpu_seconds(pids) - before) / (time.monotonic() - t0)


def first_bytes(argv: list[str], env: dict[str, str], needle: bytes) -> tuple[float, float]:
    """Start ``argv`` on a new PTY; seconds to its first byte and to ``needle``."""
    t0 = time.perf_counter()
    proc = ttyctl.spawn(argv, env=env)
    master = proc.fileno()
    first = None
    seen = b""
    try:
        while needle not in seen:
            ready, _, _ = select.select([master], [], [], 10)
            if not ready:
                raise RuntimeError(f"{argv}: nothing within 10 s; got {seen!r}")
            data = os.read(master, 65536)
            if first is None:
                first = time.perf_counter() - t0
            seen += data
        return first or 0.0, time.perf_counter() - t0
    finally:
        proc.signal_group(signal.SIGKILL)
        proc.close()


def library_attach_latency(directory: str, name: str) -> float:
    """Connect, ATTACH, first replayed byte, with no interpreter start-up."""
    import socket

    t0 = time.perf_counter()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(os.path.join(directory, "server.sock"))
    conn = Connection(sock)
    conn.send(encode_json(Kind.ATTACH, {"name": name}))
    dec = FrameDecoder()
    try:
        while True:
            for frame in dec.feed(sock.recv(65536)):
                if frame.kind is Kind.OUTPUT and frame.payload:
                    return time.perf_counter() - t0
    finally:
        sock.close()


def bench_ttyctl(count: int, window: float, attaches: int, env: dict[str, str]) -> dict[str, float]:
    directory = tempfile.mkdtemp(prefix="bench-ttyctl-")
    env = dict(env, TTYCTL_DIR=directory)
    log = open(os.path.join(directory, "log"), "wb")
    server = subprocess.Popen([sys.executable, "-m", "ttyctl", "server"], env=env,
                              stdin=subprocess.DEVNULL, stderr=log, start_new_session=True)
    try:
        while not os.path.exists(os.path.join(directory, "server.sock")):
            time.sleep(0.01)
        t0 = time.perf_counter()
        for i in range(count):
            new_console(f"c{i}", PROG, directory=directory, env=env, cwd="/")
        created = time.perf_counter() - t0
        time.sleep(2)  # every console printed a few lines
        share = cpu_share([server.pid], window)
        rss, pss = memory_kib([server.pid])
        names = [f"c{(i * 7919) % count}" for i in range(attaches)]
        cli = [first_bytes([sys.executable, "-m", "ttyctl", "attach", "-E", n], env, b"line")
               for n in names]
        lib = [library_attach_latency(directory, n) for n in names]
        return {
            "create_s": created, "cpu": share, "rss_kib": rss, "pss_kib": pss,
            "attach_first_byte": statistics.median(c[0] for c in cli),
            "attach_first_line": statistics.median(c[1] for c in cli),
            "attach_library": statistics.median(lib),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


def bench_dtach(count: int, window: float, attaches: int, env: dict[str, str]) -> dict[str, float]:
    directory = tempfile.mkdtemp(prefix="bench-dtach-")
    pids: list[int] = []
    try:
        t0 = time.perf_counter()
        for i in range(count):
            subprocess.run(["dtach", "-n", os.path.join(directory, f"s{i}"), "-E", *PROG],
                           check=True, env=env)
        created = time.perf_counter() - t0
        prefix = os.path.join(directory, "s").encode()
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/cmdline", "rb") as f:
                        cmd = f.read().split(b"\0")
                except OSError:
                    continue
                if cmd[0].endswith(b"dtach") and len(cmd) > 2 and cmd[2].startswith(prefix):
                    pids.append(int(name))
        time.sleep(2)
        share = cpu_share(pids, window)
        rss, pss = memory_kib(pids)
        socks = [os.path.join(directory, f"s{(i * 7919) % count}") for i in range(attaches)]
        cli = [first_bytes(["dtach", "-a", s, "-E"], env, b"line") for s in socks]
        return {
            "create_s": created, "cpu": share, "rss_kib": rss, "pss_kib": pss,
            "attach_first_byte": statistics.median(c[0] for c in cli),
            "attach_first_line": statistics.median(c[1] for c in cli),
            "holders": len(pids),
        }
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)  # dtach closes the master: SIGHUP
            except ProcessLookupError:
                pass
        shutil.rmtree(directory, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--window", type=float, default=10.0, help="CPU window, seconds")
    parser.add_argument("--attaches", type=int, default=15)
    args = parser.parse_args()
    if shutil.which("dtach") is None or shutil.which("busybox") is None:
        print("needs dtach and busybox", file=sys.stderr)
        return 1
    env = dict(os.environ)
    env.pop("TTYCTL_DIR", None)
    t = bench_ttyctl(args.count, args.window, args.attaches, env)
    d = bench_dtach(args.count, args.window, args.attaches, env)
    print(f"{args.count} consoles, each printing a line every 100 ms; CPU over "
          f"{args.window:g} s; medians of {args.attaches} attaches")
    print(f"{'':28}{'ttyctl server':>16}{'dtach x' + str(int(d['holders'])):>16}{'ratio':>10}")

    def row(label: str, key: str, fmt: str, scale: float = 1.0) -> None:
        a, b = t[key] * scale, d[key] * scale
        ratio = a / b if b else float("nan")
        print(f"{label:28}{format(a, fmt):>16}{format(b, fmt):>16}{ratio:>10.2f}")

    row("start all consoles (s)", "create_s", ".2f")
    row("holder CPU (% of a core)", "cpu", ".1f", 100)
    row("holder RSS, summed (MiB)", "rss_kib", ".1f", 1 / 1024)
    row("holder PSS, summed (MiB)", "pss_kib", ".1f", 1 / 1024)
    row("attach: first byte (ms)", "attach_first_byte", ".1f", 1000)
    row("attach: first output (ms)", "attach_first_line", ".1f", 1000)
    print(f"{'attach in-process (ms)':28}{t['attach_library'] * 1000:>16.2f}"
          f"{'-':>16}{'':>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
