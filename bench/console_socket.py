"""Console-socket handover: ttyctl's sender/receiver beside plain socket.send_fds/recv_fds.

Run: python bench/console_socket.py [--runc]

1. On a socketpair: one console sent and received (ttyctl also checks the
   message and that the descriptor is a PTY master).
2. Through a listening socket path: connect, send, accept, receive (ttyctl's
   listener is 0600 with a peer-uid check).
3. With --runc (root): `runc run -d --console-socket` until the console is
   received, with ttyctl's receiver and with a plain one.
Prints medians and the ratio ttyctl / plain, measured side by side in one run.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from ttyctl.console_socket import (
    check_peer,
    listen_console_socket,
    recv_console,
    send_console,
)


def _median(fn: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_pair(master: int, runs: int) -> tuple[float, float]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

    def ttyctl_way() -> None:
        send_console(a, master)
        fd, _ = recv_console(b)
        os.close(fd)

    def plain_way() -> None:
        socket.send_fds(a, [b"/dev/ptmx"], [master])
        _, fds, _, _ = socket.recv_fds(b, 4096, 1)
        os.close(fds[0])

    result = _interleave(ttyctl_way, plain_way, runs)
    a.close()
    b.close()
    return result


def bench_path(master: int, directory: str, runs: int) -> tuple[float, float]:
    tpath = os.path.join(directory, "t.sock")
    ppath = os.path.join(directory, "p.sock")
    tserver = listen_console_socket(tpath)
    pserver = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    pserver.bind(ppath)
    pserver.listen(16)

    def ttyctl_way() -> None:
        send_console(tpath, master)
        conn, _ = tserver.accept()
        with conn:
            check_peer(conn)
            fd, _ = recv_console(conn)
        os.close(fd)

    def plain_way() -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.connect(ppath)
            socket.send_fds(c, [b"/dev/ptmx"], [master])
        conn, _ = pserver.accept()
        with conn:
            _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        os.close(fds[0])

    result = _interleave(ttyctl_way, plain_way, runs)
    tserver.close()
    pserver.close()
    return result


def bench_runc(directory: str, runs: int) -> tuple[float, float] | None:
    if os.geteuid() != 0 or shutil.which("runc") is None:
        return None
    from tests.console_helpers import make_bundle

    bundle = make_bundle(os.path.join(directory, "bundle"), ["sh", "-c", ":"])
    counter = [0]

    def one(receive: Callable[[socket.socket], int], path: str) -> None:
        server = (listen_console_socket(path) if receive is _ttyctl_receive
                  else _plain_listen(path))
        counter[0] += 1
        cid = f"ttyctl-bench-{os.getpid()}-{counter[0]}"
        runc = subprocess.Popen(["runc", "run", "-d", "--console-socket", path, cid],
                                cwd=bundle, stdout=subprocess.DEVNULL)
        conn, _ = server.accept()
        with conn:
            fd = receive(conn)
        # Hold the console until runc is done: closing it now would hang up the
        # container's init before it runs, and runc would fail.
        if runc.wait() != 0:
            raise SystemExit("runc run failed")
        os.close(fd)
        subprocess.run(["runc", "delete", "-f", cid], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        server.close()
        os.unlink(path)

    path = os.path.join(directory, "r.sock")
    return _interleave(lambda: one(_ttyctl_receive, path), lambda: one(_plain_receive, path),
                       runs, warmup=1)


def _ttyctl_receive(conn: socket.socket) -> int:
    check_peer(conn)
    return recv_console(conn)[0]


def _plain_receive(conn: socket.socket) -> int:
    return socket.recv_fds(conn, 4096, 1)[1][0]


def _plain_listen(path: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    return s


def _interleave(
    a: Callable[[], None], b: Callable[[], None], runs: int, warmup: int = 50
) -> tuple[float, float]:
    for _ in range(warmup):
        a()
        b()
    ta, tb = [], []
    for _ in range(runs):
        ta.append(_median(a, 1))
        tb.append(_median(b, 1))
    return statistics.median(ta), statistics.median(tb)


def _report(label: str, result: tuple[float, float]) -> None:
    t, p = result
    print(f"{label:<44} ttyctl {t * 1e6:9.1f} us   plain {p * 1e6:9.1f} us   "
          f"ratio {t / p:5.2f}")


def main() -> None:
    master, slave = os.openpty()
    with tempfile.TemporaryDirectory() as directory:
        os.chmod(directory, 0o700)
        _report("handover on a socketpair (2000 runs)", bench_pair(master, 2000))
        _report("connect+send+accept+recv on a path (1000)", bench_path(master, directory, 1000))
        if "--runc" in sys.argv:
            result = bench_runc(directory, 10)
            if result is None:
                print("runc: skipped (needs root and runc)")
            else:
                _report("runc run -d, console received (10 runs)", result)
    os.close(master)
    os.close(slave)


if __name__ == "__main__":
    main()
