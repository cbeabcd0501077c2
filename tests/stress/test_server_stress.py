"""The named-console server under load: many programs writing at once, and many
consoles with clients attaching, detaching and being SIGKILLed at random."""

from __future__ import annotations

import json
import os
import random
import re
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

import pytest

from tests.consoles_util import pid_alive
from tests.helpers import PROGS, PYTHON, kill_group, ttyctl_argv, zombies_of
from tests.stress.scale import count, report
from tests.stress.server_util import PrivateServer, private_server
from ttyctl.client import connect, expect_ok, list_consoles, new_console
from ttyctl.sansio.frames import Kind, encode, encode_json

PATTERN = os.path.join(PROGS, "pattern.py")

#: Wait for a line on stdin (the "go" that the attached client sends), then run
#: pattern.py (N bytes of a known pattern, no newline) and exit with CODE at once.
GATED_PATTERN = (
    "import os, runpy, sys\n"
    "prog, size, code = sys.argv[1:4]\n"
    "sys.stdin.readline()\n"
    "sys.argv = [prog, size]\n"
    "runpy.run_path(prog, run_name='__main__')\n"
    "os._exit(int(code))\n"
)
EXIT_CODE = 3


def _pattern(size: int) -> bytes:
    block = bytes((i * 7 + 13) % 94 + 33 for i in range(65536))
    return (block * (size // len(block) + 1))[:size]


def _first_difference(got: bytes, want: bytes) -> str:
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return f"first difference at byte {i} of {len(want)}"
    return f"{len(got)} bytes instead of {len(want)}"


@pytest.mark.timeout(1800)
def test_parallel_programs_through_the_server(
    capsys: pytest.CaptureFixture[str], tmp_path: os.PathLike[str]
) -> None:
    programs = count("programs", 10)
    size = count("bytes", 1 << 20)
    base = os.fspath(tmp_path)
    clients: list[subprocess.Popen[bytes]] = []
    with private_server(base) as server:
        fds_before = server.baseline_fds
        names = [f"out{i}" for i in range(programs)]
        for name in names:
            new_console(name, [PYTHON, "-c", GATED_PATTERN, PATTERN, str(size), str(EXIT_CODE)],
                        directory=server.directory, env=server.env)
        try:
            for name in names:
                with open(os.path.join(base, name), "wb") as out, \
                        open(os.path.join(base, name + ".err"), "wb") as err:
                    # stdin is a pipe, not a terminal: the typed "go" still reaches
                    # the program, which writes only once this client is attached.
                    client = subprocess.Popen(
                        ttyctl_argv("attach", name), stdin=subprocess.PIPE, stdout=out,
                        stderr=err, env=server.env, start_new_session=True)
                clients.append(client)
            start = time.monotonic()
            for client in clients:
                assert client.stdin is not None
                client.stdin.write(b"go\n")
                client.stdin.close()
            codes = [client.wait(timeout=1500) for client in clients]
            elapsed = time.monotonic() - start
        finally:
            for client in clients:
                if client.poll() is None:
                    kill_group(client.pid)
                    client.wait()
        want = b"go\r\n" + _pattern(size)  # the terminal's echo, then the pattern
        for name, code in zip(names, codes, strict=True):
            with open(os.path.join(base, name), "rb") as f:
                got = f.read()
            with open(os.path.join(base, name + ".err"), "rb") as f:
                err_text = f.read()
            assert got == want, f"{name}: {_first_difference(got, want)}; stderr {err_text!r}"
            assert code == EXIT_CODE, f"{name}: attach exited {code}; stderr {err_text!r}"
        assert server.proc.poll() is None
        # Every client saw its program end, so every console was collected.
        assert list_consoles(server.directory) == []
        assert server.wait_fd_count(fds_before) == fds_before
    report(capsys, f"{programs} programs x {size} bytes through the console server to "
           f"{programs} attached clients at once: all complete and in order, "
           f"{programs * size / elapsed / 1e6:.1f} MB/s in all")
