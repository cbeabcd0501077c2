"""``ttyctl recvtty`` receives consoles from the real runtimes (runc, crun).

The tests build a minimal OCI bundle (static busybox as the rootfs) and run
``RUNTIME run -d --console-socket SOCK ID``. C15: the master is handed to
another process with SCM_RIGHTS.
"""

from __future__ import annotations

import os
import re
import termios
from collections.abc import Iterator

import pytest

from tests.console_helpers import (
    CRUN_CANNOT_RUN_HERE,
    Container,
    make_bundle,
    run_detached,
    running_receiver,
    runtime_skip_reason,
)
from tests.helpers import Terminal, kill_group, read_until, start_on_terminal, ttyctl_argv

RUNTIMES = ["runc", "crun"]

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def workdir(tmp_path: os.PathLike[str]) -> Iterator[str]:
    path = os.path.join(os.fspath(tmp_path), "w")
    os.mkdir(path, 0o700)
    yield path


@pytest.fixture
def containers() -> Iterator[list[Container]]:
    made: list[Container] = []
    yield made
    for container in made:
        container.delete()


def _start(
    runtime: str, bundle: str, sock: str, containers: list[Container]
) -> Container:
    container, code, err = run_detached(runtime, bundle, sock)
    containers.append(container)
    if code != 0 and runtime == "crun" and any(r in err for r in CRUN_CANNOT_RUN_HERE):
        pytest.skip(f"crun cannot start containers on this machine: {err.strip()}")
    assert code == 0, f"{runtime} run failed ({code}): {err}"
    return container


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_c15_log_mode_receives_a_container_console(
    runtime: str, workdir: str, containers: list[Container]
) -> None:
    reason = runtime_skip_reason(runtime)
    if reason:
        pytest.skip(reason)
    marker = f"MARKER-{runtime}-{os.getpid()}"
    bundle = make_bundle(
        os.path.join(workdir, "bundle"),
        ["sh", "-c", f"tty; cat /proc/self/stat; echo {marker}"],
    )
    sock = os.path.join(workdir, "console.sock")
    with running_receiver(sock, "--mode", "log") as receiver:
        _start(runtime, bundle, sock, containers)
        receiver.wait_line(b"console-1 ended")
        assert re.search(r"received console-1 from pid \d+ uid 0: name '[^']+', pts \d+",
                         receiver.log()), receiver.log()
    with open(os.path.join(workdir, "console-1.log"), "rb") as f:
        text = f.read()
    assert marker.encode() in text
    assert re.search(rb"^/dev/pts/\d+\r$", text, re.MULTILINE), text
    # The session data of `cat` inside the container: a session led by the
    # container's init (pid 1), with a controlling terminal, in its foreground group.
    stat_line = re.search(rb"^\d+ \(cat\) .*$", text, re.MULTILINE)
    assert stat_line is not None, text
    fields = stat_line.group(0).split(b") ")[1].split()
    pgrp, session, tty_nr, tpgid = (int(x) for x in fields[2:6])
    assert session == 1
    assert tty_nr != 0
    assert tpgid == pgrp


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_c15_single_mode_drives_a_container_shell(
    runtime: str, workdir: str, containers: list[Container], terminal: Terminal
) -> None:
    reason = runtime_skip_reason(runtime)
    if reason:
        pytest.skip(reason)
    bundle = make_bundle(os.path.join(workdir, "bundle"), ["sh"], env=["PS1=CTR# "])
    sock = os.path.join(workdir, "console.sock")
    before = termios.tcgetattr(terminal.slave)
    receiver = start_on_terminal(terminal, ttyctl_argv("recvtty", "--mode", "single", sock))
    try:
        read_until(terminal.master, b"listening on", timeout=30)
        _start(runtime, bundle, sock, containers)
        read_until(terminal.master, b"CTR# ", timeout=30)  # relayed: raw mode is on
        os.write(terminal.master, b"echo $((6*7)); stty size\r")
        read_until(terminal.master, b"42\r\n24 80\r\n", timeout=30)
        _resize(terminal, 33, 101)
        os.write(terminal.master, b"stty size; tty\r")
        out = read_until(terminal.master, b"33 101\r\n/dev/pts/", timeout=30)
        assert b"33 101" in out
        os.write(terminal.master, b"exit\r")
        assert receiver.wait(30) == 0
        assert termios.tcgetattr(terminal.slave) == before
    finally:
        kill_group(receiver.pid)
        receiver.wait()


def _resize(terminal: Terminal, rows: int, cols: int) -> None:
    import fcntl
    import struct

    fcntl.ioctl(terminal.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
