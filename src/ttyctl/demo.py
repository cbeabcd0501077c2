"""``ttyctl demo``: the seed documents' experiment, live, on throwaway PTYs.

A session leader standing in for a shell runs on a fresh PTY; it starts a
``sleep`` in its foreground group and another that leaves for a session of its
own; Ctrl-C typed on the master kills the first and not the second; a
background group writing with TOSTOP gets SIGTTOU; a process whose stdout is a
terminal that is not its ctty cannot open /dev/tty. Each step compares what the
kernel did with what the seeds say and reports it as a :class:`Step`.

Nothing here touches the caller's terminal: every PTY is made here, and every
process started here is gone when :func:`run_demo` returns.

The environment variable ``TTYCTL_DEMO_BREAK=own-session`` (or
``break_own_session=True``) starts the "own session" sleep without ``setsid``,
to show (and test) that the demo notices when the kernel's behaviour does not
match: the steps ``jobs`` and ``ctrl-c`` then fail.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import final

from .inspect import build_tree, descriptors, processes, read_process, render_tree
from .process import Process
from .spawn import spawn

__all__ = ["BREAK_ENV", "STEPS", "Step", "run_demo"]

#: The environment variable that breaks one expectation on purpose.
BREAK_ENV = "TTYCTL_DEMO_BREAK"
#: The steps, in order.
STEPS = ("session", "jobs", "ctrl-c", "sigttou", "not-ctty")

_LEADER = os.path.join(os.path.dirname(__file__), "_demo_leader.py")


@final
@dataclass(frozen=True, slots=True)
class Step:
    """One step's result: ``ok`` when the kernel did what the seeds describe.

    ``sentences`` say what the kernel did and why; ``mismatch`` what differed.
    ``picture`` is the ``ttyctl ps --tree`` drawing shown after the step.
    """

    name: str
    ok: bool
    sentences: tuple[str, ...]
    mismatch: str | None = None
    picture: str | None = None


def describe_status(raw: str) -> str:
    """A leader's answer (a raw wait status or ``running``) in words."""
    if raw == "running":
        return "still running"
    status = int(raw)
    if os.WIFSTOPPED(status):
        return f"stopped by {signal.Signals(os.WSTOPSIG(status)).name}"
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with {os.WEXITSTATUS(status)}"


@dataclass
class _Leader:
    proc: Process
    ctrl: socket.socket
    buffer: bytes = b""
    children: list[int] = field(default_factory=list)

    def ask(self, *words: object, timeout: float = 3.0) -> list[str]:
        self.ctrl.sendall((" ".join(map(str, words)) + "\n").encode())
        self.ctrl.settimeout(timeout)
        while b"\n" not in self.buffer:
            chunk = self.ctrl.recv(4096)
            if not chunk:
                raise EOFError("the demo's session leader ended unexpectedly")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode().split()


def _wait_for_exec(pid: int, comm: str, timeout: float = 2.0) -> None:
    """Poll /proc until ``pid`` runs ``comm`` (its exec is done) or the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rec = read_process(pid)
        if rec is None or rec.comm == comm:
            return
        time.sleep(0.002)


def _mismatch(checks: list[tuple[bool, str]]) -> str | None:
    failed = [text for ok, text in checks if not ok]
    return "; ".join(failed) if failed else None


def _step(name: str, sentences: list[str], checks: list[tuple[bool, str]],
          picture: str | None = None) -> Step:
    miss = _mismatch(checks)
    return Step(name, miss is None, tuple(sentences), miss, picture)


def run_demo(
    emit: Callable[[Step], None] = lambda step: None,
    *,
    break_own_session: bool | None = None,
    unicode: bool = False,
    color: bool = False,
) -> list[Step]:
    """Run every step, calling ``emit`` after each; return the steps.

    A step whose setup fails (a process that vanished, a timeout) is reported as
    not matching, with the reason; later steps still run where they can.
    """
    if break_own_session is None:
        break_own_session = os.environ.get(BREAK_ENV) == "own-session"
    steps: list[Step] = []

    def add(step: Step) -> None:
        steps.append(step)
        emit(step)

    here, there = socket.socketpair()
    argv = [sys.executable, "-I", _LEADER, str(there.fileno())]
    if break_own_session:
        argv.append("own-session-without-setsid")
    try:
        proc = spawn(argv, pass_fds=[there.fileno()])
    finally:
        there.close()
    leader = _Leader(proc, here)
    with proc, here:
        try:
            _run_steps(leader, add, unicode=unicode, color=color)
        except (OSError, EOFError, ValueError) as exc:
            done = {s.name for s in steps}
            for name in STEPS:
                if name not in done:
                    add(Step(name, False, (), f"could not run: {type(exc).__name__}: {exc}"))
                    break
        finally:
            for pid in leader.children:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                leader.ask("quit", timeout=1.0)
            except (OSError, EOFError):
                pass
    return steps


def _run_steps(leader: _Leader, add: Callable[[Step], None], *, unicode: bool,
               color: bool) -> None:
    proc = leader.proc
    pid = proc.pid
    master = proc.master
    assert master is not None
    rec = read_process(pid)  # posix_spawn returned after the exec: the state is final
    if rec is None:
        raise ValueError("the session leader is gone")
    tty = rec.tty
    add(_step("session", [
        f"ttyctl started a session leader (pid {pid}, standing in for a login shell) on a "
        f"fresh PTY, /dev/{tty}.",
        f"The kernel made it leader of session {rec.sid} and process group {rec.pgid}, with "
        f"{tty} as its controlling terminal: open without O_NOCTTY by a leader with none.",
    ], [
        (rec.sid == pid, f"session {rec.sid}, not {pid}"),
        (rec.pgid == pid, f"group {rec.pgid}, not {pid}"),
        (rec.tty is not None and rec.tty.startswith("pts/"), f"ctty {rec.tty}, not a pts"),
        (rec.tpgid == pid, f"foreground group {rec.tpgid}, not {pid}"),
    ]))

    _, first_s, second_s = leader.ask("jobs")
    first, second = int(first_s), int(second_s)
    leader.children += [first, second]
    _wait_for_exec(second, "sleep")
    a, b = read_process(first), read_process(second)
    if a is None or b is None:
        raise ValueError("a sleep of the demo vanished")
    records = [r for r in processes() if r.sid in (pid, b.sid)]
    picture = render_tree(build_tree(records), unicode=unicode, color=color)
    add(_step("jobs", [
        f"The leader started a job as a shell does: `sleep 30` (pid {first}) in a new process "
        f"group {a.pgid}, made the foreground group of {tty} (tcsetpgrp).",
        f"A second `sleep 30` (pid {second}) started in that job "
        + (f"ran through `setsid`: it now leads session {b.sid} of its own"
           if b.sid == second else f"stayed in session {b.sid}")
        + f", and has {'ctty ' + b.tty if b.tty else 'no ctty'}.",
    ], [
        (a.tpgid == first and a.foreground, f"sleep {first} is not in the foreground group"),
        (a.tty == tty, f"sleep {first} has ctty {a.tty}, not {tty}"),
        (b.sid == second, f"sleep {second} is in session {b.sid}, not one of its own"),
        (b.tty is None, f"sleep {second} still has ctty {b.tty}"),
    ], picture))

    os.write(master, b"\x03")
    died = describe_status(leader.ask("wait", first)[2])
    survived = describe_status(leader.ask("poll", second)[2])
    if survived == "still running":
        ended = describe_status(leader.ask("kill", second)[2])
        after = f" The demo then ended it ({ended}, sent by the demo)."
    else:
        after = ""
    leader.children.clear()
    add(_step("ctrl-c", [
        f"Ctrl-C typed on the master: the terminal sent SIGINT to its foreground group; "
        f"sleep {first} was {died}.",
        f"sleep {second}, "
        + ("in a session with no ctty, received nothing from the terminal: it was "
           if b.tty is None else f"which kept ctty {b.tty}, was ")
        + f"{survived}.{after}",
    ], [
        (died == "killed by SIGINT", f"sleep {first} was {died}, not killed by SIGINT"),
        (survived == "still running", f"sleep {second} was {survived}, not still running"),
    ]))

    leader.ask("fg")
    attrs = termios.tcgetattr(master)  # on a master, termios are the slave's
    attrs[3] |= termios.TOSTOP
    termios.tcsetattr(master, termios.TCSANOW, attrs)
    _, echo_pid, raw = leader.ask("bgwrite")
    outcome = describe_status(raw)
    add(_step("sigttou", [
        f"With TOSTOP set on {tty}, `echo` (pid {echo_pid}) in a background group of the "
        f"session tried to write to the terminal: it was {outcome}.",
        "Only the foreground group may write when TOSTOP is on; the group was not orphaned "
        "(its parent, the leader, is in the same session), so the stop signal was delivered.",
    ], [(outcome == "stopped by SIGTTOU", f"echo was {outcome}, not stopped by SIGTTOU")]))

    add(_not_ctty_step())


_PROBE = (
    "import errno, json, os, sys\n"
    "r = {'isatty1': os.isatty(1), 'ttyname1': os.ttyname(1)}\n"
    "try:\n"
    "    os.close(os.open('/dev/tty', os.O_RDWR))\n"
    "    r['dev_tty'] = 'ok'\n"
    "except OSError as e:\n"
    "    r['dev_tty'] = errno.errorcode.get(e.errno, str(e.errno))\n"
    "os.write(1, ('PROBE ' + json.dumps(r) + '\\r\\n').encode())\n"
    "os.read(0, 1)\n"
)


def _not_ctty_step() -> Step:
    from ._os.pty import open_pty
    from ._os.readuntil import read_until

    gate_r, gate_w = os.pipe()
    try:
        with open_pty() as pty:
            probe = spawn([sys.executable, "-I", "-c", _PROBE], mode="detached",
                          stdin=gate_r, stdout=pty.slave)
            with probe:
                pty.close_slave()
                data = read_until(pty.master, b"}\r\n")
                seen = json.loads(data.partition(b"PROBE ")[2].split(b"\r\n")[0] or b"{}")
                fd1 = descriptors(probe.pid, (1,))[0]
                rec = read_process(probe.pid)
                os.write(gate_w, b"x")
    finally:
        os.close(gate_r)
        os.close(gate_w)
    name = seen.get("ttyname1")
    return _step("not-ctty", [
        f"A process (pid {probe.pid}) started in a session of its own with stdout on {name}: "
        f"isatty(1) is {seen.get('isatty1')}, and `ttyctl stdio` shows fd 1 as terminal "
        f"{fd1.tty}, {'the' if fd1.ctty else 'not the'} controlling terminal.",
        f"Opening /dev/tty gave {seen.get('dev_tty')}: a descriptor on a terminal is not a "
        "controlling terminal; only the session's ctty is.",
    ], [
        (seen.get("isatty1") is True, "isatty(1) was not true"),
        (fd1.terminal and not fd1.ctty, "fd 1 was not a terminal other than the ctty"),
        (rec is not None and rec.tty is None, "the process has a ctty"),
        (seen.get("dev_tty") == errno.errorcode[errno.ENXIO],
         f"/dev/tty gave {seen.get('dev_tty')}, not ENXIO"),
    ])
