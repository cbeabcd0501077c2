"""Paths ttyctl creates never follow a planted symlink; a refusal is one clear line."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.console_helpers import running_receiver
from tests.helpers import ttyctl_argv


@pytest.fixture
def victim(tmp_path: os.PathLike[str]) -> str:
    """A file an attacker would like ttyctl to overwrite through a symlink."""
    path = os.path.join(os.fspath(tmp_path), "victim")
    with open(path, "w") as f:
        f.write("precious\n")
    return path


def _plant(link: str, target: str) -> str:
    os.symlink(target, link)
    return link


def _victim_intact(path: str) -> bool:
    with open(path) as f:
        return f.read() == "precious\n"


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--record", "{link}", "--", "true"],
        ["run", "--detach", "--stdout", "{link}", "--", "true"],
        ["recvtty", "--mode", "null", "--log", "{link}", "{dir}/r.sock"],
    ],
    ids=["record", "detach-stdout", "recvtty-log"],
)
def test_cli_refuses_a_symlink_it_would_write_through(
    args: list[str], victim: str, tmp_path: os.PathLike[str]
) -> None:
    link = _plant(os.path.join(os.fspath(tmp_path), "planted"), victim)
    argv = [a.format(link=link, dir=os.fspath(tmp_path)) for a in args]
    result = subprocess.run(ttyctl_argv(*argv), capture_output=True, timeout=30,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 125
    assert result.stderr.decode().strip().splitlines() == [
        f"ttyctl: {link}: is a symbolic link, which ttyctl does not follow"
    ]
    assert _victim_intact(victim)


def test_pid_file_replaces_a_planted_symlink(victim: str, tmp_path: os.PathLike[str]) -> None:
    base = os.fspath(tmp_path)
    pid_file = _plant(os.path.join(base, "r.pid"), victim)
    sock = os.path.join(base, "r.sock")
    with running_receiver(sock, "--mode", "null", "--pid-file", pid_file) as receiver:
        assert not os.path.islink(pid_file)
        with open(pid_file) as f:
            assert int(f.read()) == receiver.proc.pid
    assert _victim_intact(victim)


def test_log_mode_does_not_write_through_a_planted_log(
    victim: str, tmp_path: os.PathLike[str]
) -> None:
    base = os.path.join(os.fspath(tmp_path), "s")
    os.mkdir(base, 0o700)
    _plant(os.path.join(base, "console-1.log"), victim)
    sock = os.path.join(base, "c.sock")
    with running_receiver(sock, "--mode", "log") as receiver:
        first = subprocess.run(ttyctl_argv("run", "--console-socket", sock, "--", "echo", "one"),
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        second = subprocess.run(ttyctl_argv("run", "--console-socket", sock, "--", "echo", "two"),
                                stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        assert first.returncode == 0 and second.returncode == 0
        receiver.wait_line(b"console-2 ended")
        assert "console-1: cannot log to" in receiver.log()
        assert receiver.proc.poll() is None  # still serving after the refusal
    assert _victim_intact(victim)
    with open(os.path.join(base, "console-2.log"), "rb") as f:
        assert b"two" in f.read()
