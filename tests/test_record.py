"""asciicast v2 recordings from ``ttyctl run --record`` and ``ttyctl new --record``,
played back by asciinema 2.4 itself; and consoles adopted over SCM_RIGHTS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import ttyctl
from tests.consoles_util import Consoles, consoles_fixture, wait_gone  # noqa: F401
from tests.helpers import PYTHON, read_until, ttyctl_argv

# Multibyte characters written one byte per write (so chunks may split them), and
# control bytes that JSON must escape.
PROG = (
    "import os, sys\n"
    "data = 'héllo wörld €uro 中文 \\x1b[1mbold\\x1b[0m tab\\there \"q\" \\\\ \\x07\\n'.encode()\n"
    "for b in data: os.write(1, bytes([b]))\n"
    "os.write(1, ('line %d\\n' % 2).encode() * 200)\n"
)


def _asciinema() -> list[str]:
    exe = shutil.which("asciinema")
    if exe is None:
        pytest.skip("asciinema is not installed")
    return [exe]


def _cat(path: str) -> bytes:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    result = subprocess.run([*_asciinema(), "cat", path], capture_output=True, env=env,
                            timeout=30, start_new_session=True)  # no ctty: no raw mode
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_run_record_plays_back_byte_exact(tmp_path: str) -> None:
    cast = os.path.join(str(tmp_path), "run.cast")
    result = subprocess.run(ttyctl_argv("run", "--record", cast, "--", PYTHON, "-c", PROG),
                            capture_output=True, stdin=subprocess.DEVNULL, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "中文".encode() in result.stdout
    with open(cast, encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and (header["width"], header["height"]) == (80, 24)
    assert header["command"].startswith(PYTHON) and isinstance(header["timestamp"], int)
    events = [json.loads(line) for line in lines[1:]]
    assert all(e[1] == "o" for e in events)
    assert [e[0] for e in events] == sorted(e[0] for e in events)
    assert _cat(cast) == result.stdout


def test_run_record_invalid_utf8_still_gives_json(tmp_path: str) -> None:
    cast = os.path.join(str(tmp_path), "bad.cast")
    prog = "import os; os.write(1, b'ok \\xff\\xfe \\xe2\\x82 end\\n')"
    result = subprocess.run(ttyctl_argv("run", "--record", cast, "--", PYTHON, "-c", prog),
                            capture_output=True, stdin=subprocess.DEVNULL, timeout=30)
    assert result.returncode == 0
    with open(cast, encoding="utf-8") as f:
        for line in f:
            json.loads(line)
    assert _cat(cast) == result.stdout.decode("utf-8", "replace").encode()


def test_record_to_a_full_disk_warns_once_and_runs_on() -> None:
    prog = "for i in range(50): print('still running', i, flush=True)"
    result = subprocess.run(
        ttyctl_argv("run", "--record", "/dev/full", "--", PYTHON, "-c", prog),
        capture_output=True, stdin=subprocess.DEVNULL, timeout=30,
    )
    assert result.returncode == 0
    assert result.stdout.count(b"still running") == 50
    assert result.stderr == (
        b"ttyctl: warning: recording to /dev/full stopped: No space left on device\n"
    )


def test_new_record_plays_back_what_attach_shows(consoles: Consoles) -> None:
    cast = os.path.join(consoles.directory, "new.cast")
    consoles.new("rec", [PYTHON, "-c", PROG], "--record", cast)
    pid = consoles.ls()["rec"]["pid"]
    assert isinstance(pid, int)
    wait_gone(pid)
    for _ in range(100):  # the server reaps it a moment later
        if not consoles.ls()["rec"]["running"]:
            break
    assert consoles.ls()["rec"]["running"] is False
    shown = consoles.run("attach", "rec")
    assert shown.returncode == 0
    assert _cat(cast) == shown.stdout


def test_adopted_master_becomes_a_named_console(consoles: Consoles) -> None:
    from ttyctl.client import adopt_console

    code = "import sys\nprint('ADOPTED', flush=True)\nprint('GOT:' + sys.stdin.readline())\n"
    proc = ttyctl.spawn([PYTHON, "-c", code])
    try:
        master = proc.fileno()
        read_until(master, b"ADOPTED")
        env_dir = consoles.directory
        os.environ["TTYCTL_DIR"] = env_dir
        try:
            adopt_console("held", master, pid=proc.pid, argv=["held-program"],
                          winsize=(30, 90))
        finally:
            del os.environ["TTYCTL_DIR"]
        consoles.note_server()
        listed = consoles.ls()["held"]
        assert listed["running"] is True and listed["adopted"] is True
        assert listed["pid"] == proc.pid and listed["command"] == ["held-program"]
        assert proc.winsize.rows == 30 and proc.winsize.cols == 90
        attach = subprocess.run(ttyctl_argv("attach", "-E", "held"), input=b"hi\n",
                                capture_output=True, env=consoles.env, timeout=30,
                                start_new_session=True)
        assert b"GOT:hi" in attach.stdout
        assert proc.wait(timeout=10) == 0
        assert attach.returncode == 0  # the server knows no status for a pid not its child
    finally:
        proc.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
