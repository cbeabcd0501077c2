"""pexpect 4.9 running on ttyctl.compat.PtyProcess, through _spawnpty and through install()."""

from __future__ import annotations

import os
from typing import Any

import pexpect
import ptyprocess
import pytest

import ttyctl.compat
from tests.helpers import PROGS, PYTHON, read_stat

PASSWORD = os.path.join(PROGS, "password.py")


class TtyctlSpawn(pexpect.spawn):  # type: ignore[misc]
    """pexpect.spawn whose PTY process is ttyctl's."""

    def _spawnpty(self, args: list[Any], **kwargs: Any) -> ttyctl.compat.PtyProcess:
        return ttyctl.compat.PtyProcess.spawn(args, **kwargs)


def _is_ttyctl(child: pexpect.spawn) -> bool:
    return type(child.ptyproc) is ttyctl.compat.PtyProcess


def test_sh_expect_sendline_exit_status() -> None:
    child = TtyctlSpawn("sh", timeout=20)
    try:
        assert _is_ttyctl(child)
        st = read_stat(child.pid)
        assert (st.sid, st.pgid) == (child.pid, child.pid)
        child.sendline("PS1='$ '")
        child.expect_exact("$ ")
        child.sendline("echo $((6*7))")
        assert child.expect([r"\b43\b", r"\b42\b"]) == 1
        child.sendline("exit 5")
        child.expect(pexpect.EOF)
        child.close()
        assert (child.exitstatus, child.signalstatus) == (5, None)
    finally:
        child.close(force=True)


def test_cat_timeout_and_eof() -> None:
    child = TtyctlSpawn("cat", timeout=20, echo=False)
    try:
        assert _is_ttyctl(child)
        child.sendline("round trip")
        child.expect_exact("round trip\r\n")
        assert child.expect(["never", pexpect.TIMEOUT], timeout=0.2) == 1
        child.sendeof()
        child.expect(pexpect.EOF)
        assert child.wait() == 0
    finally:
        child.close(force=True)


def test_python_repl() -> None:
    child = TtyctlSpawn(PYTHON, ["-i", "-q"], timeout=20, encoding="utf-8")
    try:
        assert _is_ttyctl(child)
        child.expect_exact(">>> ")
        child.sendline("print(sum(range(10)))")
        child.expect(r"(\d+)\r\n>>> ")
        assert child.match.group(1) == "45"
        child.sendline("1/0")
        child.expect("ZeroDivisionError")
        child.expect_exact(">>> ")
        child.sendintr()
        child.expect("KeyboardInterrupt")
        child.sendline("raise SystemExit(9)")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 9
    finally:
        child.close(force=True)


def test_getpass_password_prompt() -> None:
    child = TtyctlSpawn(PYTHON, [PASSWORD], timeout=20)
    try:
        assert _is_ttyctl(child)
        child.expect("Password: ")
        assert child.waitnoecho(timeout=20)
        assert not child.getecho()
        child.sendline("opensesame")
        child.expect(r"got (\d+) chars, reversed (\S+)")
        assert child.match.groups() == (b"10", b"emasesnepo")
        assert b"opensesame" not in child.before
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_bad_cwd_raises_instead_of_forking_the_caller() -> None:
    with pytest.raises(FileNotFoundError):
        TtyctlSpawn("cat", cwd="/nonexistent/dir")


def test_install_replaces_ptyprocess_for_plain_pexpect() -> None:
    stock = ptyprocess.PtyProcess
    ttyctl.compat.install()
    try:
        child = pexpect.spawn("sh", ["-c", "echo via-install; exit 2"], timeout=20)
        assert _is_ttyctl(child)
        child.expect("via-install")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2
    finally:
        ttyctl.compat.uninstall()
    assert ptyprocess.PtyProcess is stock
    child = pexpect.spawn("true")
    assert type(child.ptyproc) is stock
    child.close()
