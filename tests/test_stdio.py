"""``ttyctl stdio``: files, pipes, and a terminal that is not the process's ctty."""

from __future__ import annotations

import os
import subprocess
import tempfile

import ttyctl
from tests.helpers import Terminal, read_stat, ttyctl_argv
from ttyctl.inspect import descriptors


def test_file_pipe_and_foreign_terminal(terminal: Terminal) -> None:
    r, w = os.pipe()
    with tempfile.NamedTemporaryFile() as f:
        with ttyctl.spawn(["sleep", "30"], mode="detached", stdin=f.fileno(), stdout=w,
                          stderr=terminal.slave) as proc:
            os.close(w)
            fds = descriptors(proc.pid)
            assert [d.fd for d in fds] == [0, 1, 2]
            assert (fds[0].kind, fds[0].target, fds[0].terminal) == ("file", f.name, False)
            assert fds[1].kind == "pipe" and fds[1].target.startswith("pipe:[")  # type: ignore[union-attr]
            assert not fds[1].terminal
            name = terminal.path.removeprefix("/dev/")
            assert (fds[2].kind, fds[2].target, fds[2].tty) == ("terminal", terminal.path, name)
            assert fds[2].terminal and not fds[2].ctty
            assert read_stat(proc.pid).tty_nr == 0
            out = subprocess.run(ttyctl_argv("stdio", str(proc.pid)), capture_output=True,
                                 text=True, check=True, timeout=30).stdout
            os.close(r)
    assert out.splitlines() == [
        f"process {proc.pid} ({proc.pid}): controlling terminal none",
        f"0 (stdin): {f.name}  [file, not a terminal]",
        f"1 (stdout): {fds[1].target}  [pipe, not a terminal]",
        f"2 (stderr): {terminal.path}  [terminal {name}, not the controlling terminal]",
    ]


def test_console_process_has_its_terminal_as_ctty() -> None:
    with ttyctl.spawn(["sleep", "30"]) as proc:
        fds = descriptors(proc.pid, None)
        assert [d.fd for d in fds] == [0, 1, 2]
        assert all(d.terminal and d.ctty for d in fds)
        assert len({d.target for d in fds}) == 1


def test_default_is_the_caller_with_shell_redirections() -> None:
    """`ttyctl stdio < file > log 2>&1`: the seed's redirected case."""
    with tempfile.NamedTemporaryFile() as src, tempfile.NamedTemporaryFile() as log:
        subprocess.run(ttyctl_argv("stdio"), stdin=src, stdout=log, stderr=subprocess.STDOUT,
                       check=True, timeout=30, start_new_session=True)
        text = open(log.name).read()
    lines = text.splitlines()
    assert lines[0].startswith("this process (") and lines[0].endswith("controlling terminal none")
    assert lines[1] == f"0 (stdin): {src.name}  [file, not a terminal]"
    assert lines[2] == f"1 (stdout): {log.name}  [file, not a terminal]"
    assert lines[3] == f"2 (stderr): {log.name}  [file, not a terminal]"


def test_all_descriptors_and_missing_process() -> None:
    r, w = os.pipe()
    os.set_inheritable(w, True)
    with ttyctl.spawn(["sleep", "30"], mode="detached", pass_fds=[w]) as proc:
        fds = {d.fd: d for d in descriptors(proc.pid, None)}
        assert set(fds) == {0, 1, 2, w} and fds[w].kind == "pipe"
        assert fds[0].target == "/dev/null" and fds[0].kind == "char device"
    os.close(r)
    os.close(w)
    result = subprocess.run(ttyctl_argv("stdio", str(proc.pid)), capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 125
    assert result.stderr == f"ttyctl: no process {proc.pid}\n"
