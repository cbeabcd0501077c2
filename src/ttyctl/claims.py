"""The seed documents' 17 claims, each run as a live experiment on real PTYs.

Every experiment returns an :class:`Observation`: the raw facts the kernel
reported (``facts``), whether they are what the seeds describe (``ok``) and one
or two sentences on what the kernel did and why. ``ttyctl demo --all`` prints
them; the tests in tests/claims assert the facts themselves.

Experiments run in forked children that lead sessions of their own and on PTYs
made here: none touches the caller's terminal. The caller must be
single-threaded (the children run Python after fork).
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import socket
import sys
import termios
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, final

from ._os.child import Report, fork_child
from ._os.pty import PtyPair, Winsize, open_pty, set_winsize
from ._os.readuntil import read_until
from .sansio.procstat import parse_stat
from .sansio.ttyname import tty_nr_from

__all__ = ["CLAIMS", "Claim", "Observation", "run_claim"]


@final
@dataclass(frozen=True, slots=True)
class Observation:
    """What one experiment saw: ``ok`` when it matched the claim."""

    ok: bool
    explanation: str
    facts: dict[str, Any] = field(default_factory=dict)


@final
@dataclass(frozen=True, slots=True)
class Claim:
    """One claim of CLAIMS.md: its number (``C11``), its text and its experiment."""

    number: str
    text: str
    run: Callable[[], Observation]


# -- helpers, used in the children ---------------------------------------------


def _self_stat() -> dict[str, int]:
    with open("/proc/self/stat", "rb") as f:
        st = parse_stat(f.read())
    return {"pid": st.pid, "sid": st.sid, "pgid": st.pgid, "tty_nr": st.tty_nr, "tpgid": st.tpgid}


def _dev_tty() -> str:
    """``ok`` if /dev/tty opens (the caller has a ctty), else the errno's name."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError as exc:
        return errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return "ok"


def _errno_of(call: Callable[[], object]) -> str:
    try:
        call()
    except OSError as exc:
        return errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return "ok"


def _sctty(fd: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSCTTY, 0)


def _nr(path: str) -> int:
    rdev = os.stat(path).st_rdev
    return tty_nr_from(os.major(rdev), os.minor(rdev))


def _take_ctty(pty: PtyPair) -> None:
    """In a fresh session leader: make the PTY the ctty and the stdio (as login_tty)."""
    _sctty(pty.slave)
    for target in (0, 1, 2):
        os.dup2(pty.slave, target)


def _wait_stopped_or_exited(pid: int) -> dict[str, Any]:
    _, status = os.waitpid(pid, os.WUNTRACED)
    if os.WIFSTOPPED(status):
        return {"stopped_by": signal.Signals(os.WSTOPSIG(status)).name}
    if os.WIFSIGNALED(status):
        return {"killed_by": signal.Signals(os.WTERMSIG(status)).name}
    return {"exit": os.WEXITSTATUS(status)}


def _child_run(body: Callable[[Report], None], pty: PtyPair | None = None, *,
               new_session: bool = True, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Run ``body`` in a child and collect every report until it exits."""
    close = (pty.master,) if pty is not None else ()
    reports = []
    with fork_child(body, new_session=new_session, close=close) as child:
        try:
            while True:
                reports.append(child.next(timeout))
        except EOFError:
            pass
    return reports


@contextmanager
def _closing(*fds: int) -> Iterator[None]:
    """Close ``fds`` (a gate pipe the children block on) when the block ends."""
    try:
        yield
    finally:
        for fd in fds:
            os.close(fd)


def _keyed(reports: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for r in reports:
        merged.update(r)
    return merged


# -- the experiments ------------------------------------------------------------


def c01_setsid_new_session_and_group() -> Observation:
    def body(report: Report) -> None:
        before = _self_stat()
        os.setsid()
        report({"before": before, "after": _self_stat()})

    f = _keyed(_child_run(body, new_session=False))
    b, a = f["before"], f["after"]
    ok = b["sid"] != b["pid"] and a["sid"] == a["pid"] and a["pgid"] == a["pid"]
    return Observation(ok, f"Before setsid() process {a['pid']} was in session {b['sid']} and "
                       f"group {b['pgid']}; after it, session {a['sid']} and group {a['pgid']}: "
                       "its own, as leader of both.", f)


def c02_setsid_drops_ctty() -> Observation:
    pty = open_pty()

    def body(report: Report) -> None:
        _take_ctty(pty)
        pid = os.fork()
        if pid == 0:
            before = {"tty_nr": _self_stat()["tty_nr"], "dev_tty": _dev_tty()}
            os.setsid()
            report({"before": before, "after": {"tty_nr": _self_stat()["tty_nr"],
                                                "dev_tty": _dev_tty()}})
            os._exit(0)
        os.waitpid(pid, 0)

    with pty:
        f = _keyed(_child_run(body, pty))
        nr = _nr(pty.slave_path)
    ok = f["before"] == {"tty_nr": nr, "dev_tty": "ok"} and f["after"] == {
        "tty_nr": 0, "dev_tty": "ENXIO"}
    return Observation(ok, f"A child that inherited {pty.slave_path} as its ctty (tty_nr "
                       f"{f['before']['tty_nr']}) has none after setsid(): tty_nr "
                       f"{f['after']['tty_nr']}, and /dev/tty gives "
                       f"{f['after']['dev_tty']}.", f)


def c03_tiocsctty_needs_leader_without_ctty() -> Observation:
    a, b = open_pty(), open_pty()

    def body(report: Report) -> None:
        pid = os.fork()
        if pid == 0:  # in the session, not its leader
            report({"not_leader": _errno_of(lambda: _sctty(a.slave))})
            os._exit(0)
        os.waitpid(pid, 0)
        report({"leader_without_ctty": _errno_of(lambda: _sctty(a.slave))})
        report({"leader_with_ctty": _errno_of(lambda: _sctty(b.slave))})

    with a, b:
        f = _keyed(_child_run(body, a))
    ok = f == {"not_leader": "EPERM", "leader_without_ctty": "ok", "leader_with_ctty": "EPERM"}
    return Observation(ok, f"TIOCSCTTY from a process that is not a session leader: "
                       f"{f['not_leader']}; from the leader with no ctty: "
                       f"{f['leader_without_ctty']}; from that leader once it has one: "
                       f"{f['leader_with_ctty']}.", f)


def c04_setsid_sctty_dup2() -> Observation:
    pty = open_pty()

    def body(report: Report) -> None:
        _take_ctty(pty)
        st = _self_stat()
        os.write(1, b"hello from the slave\r\n")
        report({**st, "isatty": [os.isatty(fd) for fd in (0, 1, 2)],
                "ttyname0": os.ttyname(0), "dev_tty": _dev_tty()})

    with pty:
        f = _keyed(_child_run(body, pty))
        seen = os.read(pty.master, 4096)
        nr = _nr(pty.slave_path)
    ok = (f["tty_nr"] == nr and f["tpgid"] == f["pid"] and f["isatty"] == [True] * 3
          and f["ttyname0"] == pty.slave_path and b"hello from the slave" in seen)
    f["master_read"] = seen.decode(errors="replace")
    f["slave_tty_nr"] = nr
    return Observation(ok, f"After setsid, TIOCSCTTY on {pty.slave_path} and dup2 to 0/1/2 "
                       f"the kernel lists it as the ctty (tty_nr {f['tty_nr']}, foreground "
                       "group = the process) and what it writes on fd 1 arrives on the "
                       "master.", f)


_KEYS = ((b"\x03", "SIGINT"), (b"\x1a", "SIGTSTP"), (b"\x1c", "SIGQUIT"))


def _pending_after(block: set[signal.Signals], ready: Callable[[], None],
                   gate: int) -> list[str]:
    """Block ``block``, say ready, wait for a byte on ``gate``, return what is pending."""
    signal.pthread_sigmask(signal.SIG_BLOCK, block)
    ready()
    os.read(gate, 1)
    return sorted(s.name for s in signal.sigpending() if s in block)


def c05_keyboard_signals_to_foreground() -> Observation:
    pty = open_pty()
    sigs = {signal.SIGINT, signal.SIGTSTP, signal.SIGQUIT}
    gate_r, gate_w = os.pipe()

    def body(report: Report) -> None:
        _take_ctty(pty)
        bg = os.fork()
        if bg == 0:  # a background group of the same session
            os.setpgid(0, 0)
            report({"background": _pending_after(sigs, lambda: report({"bg_ready": True}), gate_r)})
            os._exit(0)
        signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
        report({"ready": True})
        got = []
        for _ in _KEYS:
            info = signal.sigtimedwait(sigs, 3)
            got.append(signal.Signals(info.si_signo).name if info else None)
            report({"got": got[-1]})
        os.write(gate_w, b"x")
        os.waitpid(bg, 0)

    with pty, _closing(gate_r, gate_w), fork_child(body, close=(pty.master,)) as child:
        facts: dict[str, Any] = {"foreground": []}
        for _ in range(2):
            facts.update(child.next())
        for key, _name in _KEYS:
            os.write(pty.master, key)
            facts["foreground"].append(child.next()["got"])
        facts.update(child.next())
    want = [name for _, name in _KEYS]
    ok = facts["foreground"] == want and facts["background"] == []
    return Observation(ok, "Ctrl-C, Ctrl-Z and Ctrl-\\ typed on the master reached the "
                       f"foreground group as {', '.join(map(str, facts['foreground']))}; a "
                       "background group of the same session got "
                       f"{facts['background'] or 'nothing'}.", facts)


def c06_own_session_no_ctrl_c() -> Observation:
    pty = open_pty()
    gate_r, gate_w = os.pipe()

    def body(report: Report) -> None:
        _take_ctty(pty)
        kids = []
        for own_session in (True, False):
            pid = os.fork()
            if pid == 0:
                if own_session:
                    os.setsid()
                key = "own_session" if own_session else "same_group"
                ready = lambda k=key: report({f"{k}_ready": True})  # noqa: E731
                report({key: _pending_after({signal.SIGINT}, ready, gate_r)})
                os._exit(0)
            kids.append(pid)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        report({"ready": True})
        info = signal.sigtimedwait({signal.SIGINT}, 3)
        report({"leader_got": signal.Signals(info.si_signo).name if info else None})
        os.write(gate_w, b"xx")
        for pid in kids:
            os.waitpid(pid, 0)

    with pty, _closing(gate_r, gate_w), fork_child(body, close=(pty.master,)) as child:
        facts: dict[str, Any] = {}
        for _ in range(3):
            facts.update(child.next())
        os.write(pty.master, b"\x03")
        for _ in range(3):
            facts.update(child.next())
    ok = (facts["own_session"] == [] and facts["same_group"] == ["SIGINT"]
          and facts["leader_got"] == "SIGINT")
    return Observation(ok, "After Ctrl-C, a child that called setsid() had "
                       f"{facts['own_session'] or 'no signal'} pending; its sibling that stayed in "
                       f"the foreground group had {facts['same_group']}.", facts)


def c07_resize_sigwinch() -> Observation:
    pty = open_pty(Winsize(24, 80))
    gate_r, gate_w = os.pipe()
    winch = {signal.SIGWINCH}

    def body(report: Report) -> None:
        _take_ctty(pty)
        bg = os.fork()
        if bg == 0:
            os.setpgid(0, 0)
            report({"background": _pending_after(winch, lambda: report({"bg_ready": 1}), gate_r)})
            os._exit(0)
        signal.pthread_sigmask(signal.SIG_BLOCK, winch)
        report({"ready": True})
        info = signal.sigtimedwait(winch, 3)
        report({"foreground": signal.Signals(info.si_signo).name if info else None})
        os.write(gate_w, b"x")
        os.waitpid(bg, 0)

    with pty, _closing(gate_r, gate_w), fork_child(body, close=(pty.master,)) as child:
        facts: dict[str, Any] = {}
        for _ in range(2):
            facts.update(child.next())
        set_winsize(pty.master, Winsize(40, 120))
        for _ in range(2):
            facts.update(child.next())
    ok = facts["foreground"] == "SIGWINCH" and facts["background"] == []
    return Observation(ok, f"Resizing the master to 40x120 sent {facts['foreground']} to the "
                       f"foreground group and {facts['background'] or 'nothing'} to a "
                       "background group.", facts)


def c08_background_ttin_ttou() -> Observation:
    pty = open_pty()

    def body(report: Report) -> None:
        _take_ctty(pty)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # the leader itself may set TOSTOP

        def in_background(action: Callable[[], object]) -> dict[str, Any]:
            pid = os.fork()
            if pid == 0:
                os.setpgid(0, 0)
                signal.signal(signal.SIGTTOU, signal.SIG_DFL)
                action()
                os._exit(0)
            os.setpgid(pid, pid)
            result = _wait_stopped_or_exited(pid)
            if "stopped_by" in result:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            return result

        attrs = termios.tcgetattr(0)
        report({"read": in_background(lambda: os.read(0, 1))})
        report({"write_no_tostop": in_background(lambda: os.write(1, b"bg\r\n"))})
        attrs[3] |= termios.TOSTOP
        termios.tcsetattr(0, termios.TCSANOW, attrs)
        report({"write_tostop": in_background(lambda: os.write(1, b"bg\r\n"))})

    with pty:
        f = _keyed(_child_run(body, pty))
    ok = f == {"read": {"stopped_by": "SIGTTIN"}, "write_no_tostop": {"exit": 0},
               "write_tostop": {"stopped_by": "SIGTTOU"}}
    return Observation(ok, f"A background group reading the ctty: {f['read']}; writing without "
                       f"TOSTOP: {f['write_no_tostop']}; writing with TOSTOP: "
                       f"{f['write_tostop']}.", f)


def c09_stdio_on_terminal_is_not_ctty() -> Observation:
    pty = open_pty()

    def body(report: Report) -> None:
        for target in (0, 1, 2):
            os.dup2(pty.slave, target)
        report({"without": {"isatty": [os.isatty(fd) for fd in (0, 1, 2)],
                            "tty_nr": _self_stat()["tty_nr"], "dev_tty": _dev_tty()}})
        _sctty(0)
        report({"with": {"tty_nr": _self_stat()["tty_nr"], "dev_tty": _dev_tty()}})

    with pty:
        f = _keyed(_child_run(body, pty))
        nr = _nr(pty.slave_path)
    w = f["without"]
    ok = (w == {"isatty": [True] * 3, "tty_nr": 0, "dev_tty": "ENXIO"}
          and f["with"] == {"tty_nr": nr, "dev_tty": "ok"})
    return Observation(ok, f"With 0/1/2 on {pty.slave_path} but no TIOCSCTTY, isatty() is true "
                       f"yet tty_nr is {w['tty_nr']} and /dev/tty gives {w['dev_tty']}; "
                       "only TIOCSCTTY makes it the ctty.", f)


def c10_isatty_false_for_file() -> Observation:
    pty = open_pty()

    def body(report: Report) -> None:
        os.dup2(pty.slave, 0)
        on_tty = os.isatty(0)
        fd = os.open("/proc/self/stat", os.O_RDONLY)
        os.dup2(fd, 0)
        report({"terminal": on_tty, "file": os.isatty(0)})

    with pty:
        f = _keyed(_child_run(body, pty))
    ok = f == {"terminal": True, "file": False}
    return Observation(ok, f"isatty(0) with stdin on a terminal: {f['terminal']}; redirected "
                       f"from a file: {f['file']}.", f)


def c11_open_by_leader_acquires_ctty() -> Observation:
    pty = open_pty()

    def body(report: Report) -> None:
        before = _self_stat()["tty_nr"]
        fd = os.open(pty.slave_path, os.O_RDWR)
        report({"before": before, "after": _self_stat()["tty_nr"], "dev_tty": _dev_tty()})
        os.close(fd)

    with pty:
        f = _keyed(_child_run(body, pty))
        nr = _nr(pty.slave_path)
    ok = f == {"before": 0, "after": nr, "dev_tty": "ok"}
    return Observation(ok, f"A session leader with no ctty opened {pty.slave_path} without "
                       f"O_NOCTTY: tty_nr went from {f['before']} to {f['after']} and /dev/tty "
                       f"now opens ({f['dev_tty']}).", f)


def c12_noctty_or_not_leader_does_not_acquire() -> Observation:
    pty = open_pty()

    def body(report: Report) -> None:
        fd = os.open(pty.slave_path, os.O_RDWR | os.O_NOCTTY)
        report({"leader_o_noctty": _self_stat()["tty_nr"]})
        os.close(fd)
        pid = os.fork()
        if pid == 0:
            fd = os.open(pty.slave_path, os.O_RDWR)
            report({"not_leader": _self_stat()["tty_nr"], "not_leader_dev_tty": _dev_tty()})
            os._exit(0)
        os.waitpid(pid, 0)
        report({"leader_after": _self_stat()["tty_nr"]})

    with pty:
        f = _keyed(_child_run(body, pty))
    ok = f == {"leader_o_noctty": 0, "not_leader": 0, "not_leader_dev_tty": "ENXIO",
               "leader_after": 0}
    return Observation(ok, "A leader opening the terminal with O_NOCTTY got tty_nr "
                       f"{f['leader_o_noctty']}; a process that is not the leader opening it "
                       f"without O_NOCTTY got tty_nr {f['not_leader']}: neither acquired "
                       "it.", f)


def c13_child_inherits_ctty() -> Observation:
    from .inspect import read_process

    pty = open_pty()
    gate_r, gate_w = os.pipe()

    def body(report: Report) -> None:
        _take_ctty(pty)
        pid = os.fork()
        if pid == 0:
            os.read(gate_r, 1)
            os._exit(0)
        report({"child": pid, "leader": os.getpid()})
        os.waitpid(pid, 0)

    def daemon(report: Report) -> None:
        report({"daemon": os.getpid()})
        os.read(gate_r, 1)

    with pty, _closing(gate_r, gate_w), fork_child(body, close=(pty.master,)) as child, \
            fork_child(daemon, close=(pty.master,)) as d:
        facts = child.next()
        facts.update(d.next())
        recs = {k: read_process(facts[k]) for k in ("leader", "child", "daemon")}
        facts["tt"] = {k: (r.tty or "?") if r else None for k, r in recs.items()}
        os.write(gate_w, b"xx")
    name = pty.slave_path.removeprefix("/dev/")
    ok = facts["tt"] == {"leader": name, "child": name, "daemon": "?"}
    return Observation(ok, f"A forked child shows TT {facts['tt']['child']} like its parent "
                       f"({facts['tt']['leader']}); a process in a session with no ctty "
                       f"shows {facts['tt']['daemon']}.", facts)


def _spawn_upper() -> Any:
    from .spawn import spawn

    return spawn(["tr", "a-z", "A-Z"])


def c14_master_reads_and_injects() -> Observation:
    with _spawn_upper() as proc:
        proc.write(b"ping\n")
        seen = read_until(proc.master, b"PING")
    ok = b"PING" in seen
    return Observation(ok, "Writing 'ping' into the master was typed input for `tr a-z A-Z`; "
                       f"its answer came back on the master: {seen!r}.",
                       {"master_read": seen.decode(errors="replace")})


def c15_master_via_scm_rights() -> Observation:
    with _spawn_upper() as proc:
        here, there = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        master = proc.master
        assert master is not None

        def receiver(report: Report) -> None:
            here.close()
            name, fds, _flags, _addr = socket.recv_fds(there, 4096, 1)
            os.write(fds[0], b"handed\n")
            report({"name": name.decode(), "fds": len(fds),
                    "read": read_until(fds[0], b"HANDED").decode(errors="replace")})

        with fork_child(receiver, close=(master,)) as child:
            there.close()
            socket.send_fds(here, [b"/dev/ptmx"], [master])
            facts = child.next()
        here.close()
    ok = facts["fds"] == 1 and "HANDED" in facts["read"]
    return Observation(ok, "Another process received the master over a Unix socket "
                       f"(SCM_RIGHTS, name {facts['name']!r}), wrote 'handed' into it and read "
                       "the program's answer 'HANDED': it now holds the console.",
                       facts)


def c16_parent_side_setsid_no_window() -> Observation:
    sleep = _which("sleep")
    pid = os.posix_spawn(sleep, ["sleep", "5"], os.environ, setsid=True)
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            st = parse_stat(f.read())
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    r, w = os.pipe()
    code = "import os,sys; os.read(0, 1); os.setsid()"
    late = os.posix_spawn(sys.executable, [sys.executable, "-c", code], os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, r, 0)])
    try:
        with open(f"/proc/{late}/stat", "rb") as f:
            window = parse_stat(f.read())
    finally:
        os.close(r)
        os.close(w)
        os.kill(late, signal.SIGKILL)
        os.waitpid(late, 0)
    mine = os.getpgrp()
    facts = {"parent_side": {"sid": st.sid, "pgid": st.pgid, "pid": pid},
             "child_side_window": {"pgid": window.pgid, "caller_pgid": mine}}
    ok = st.sid == pid and st.pgid == pid and window.pgid == mine
    return Observation(ok, f"posix_spawn(setsid=True) returned with process {pid} already in "
                       f"session {st.sid}; a child that calls setsid() itself sits in the "
                       f"caller's group {window.pgid} until it does, where a signal to that "
                       "group reaches it.", facts)


def c17_no_ctty_dev_tty_fails() -> Observation:
    from .spawn import spawn

    script = ["sh", "-c", "exec 3<>/dev/tty && echo tty-ok"]
    with spawn(script, mode="detached") as detached:
        no_ctty = detached.wait(5)
    with spawn(script) as console:
        with_ctty = console.wait(5)
        out = console.read(4096, timeout=1) if with_ctty == 0 else b""
    ok = no_ctty != 0 and with_ctty == 0 and b"tty-ok" in out
    return Observation(ok, "A script started with no ctty (as by init) could not open /dev/tty "
                       f"(exit {no_ctty}); started on a PTY it leads with that PTY as ctty, it "
                       f"could (exit {with_ctty}).", {"no_ctty_exit": no_ctty,
                                                       "with_ctty_exit": with_ctty})


def _which(name: str) -> str:
    from .spawn import resolve_program

    return resolve_program(name)


CLAIMS: tuple[Claim, ...] = tuple(
    Claim(number, text, run)
    for number, text, run in (
        ("C1", "setsid() makes the caller leader of a new session and a new process group",
         c01_setsid_new_session_and_group),
        ("C2", "setsid() drops the controlling terminal", c02_setsid_drops_ctty),
        ("C3", "TIOCSCTTY fails unless the caller is a session leader without a ctty",
         c03_tiocsctty_needs_leader_without_ctty),
        ("C4", "after setsid + TIOCSCTTY on the slave, the slave is the ctty and stdio can be "
         "dup2'd to it", c04_setsid_sctty_dup2),
        ("C5", "Ctrl-C sends SIGINT to the foreground group; Ctrl-Z SIGTSTP; Ctrl-\\ SIGQUIT",
         c05_keyboard_signals_to_foreground),
        ("C6", "a process in its own session does not get Ctrl-C from the old terminal",
         c06_own_session_no_ctrl_c),
        ("C7", "resizing the terminal sends SIGWINCH to the foreground group",
         c07_resize_sigwinch),
        ("C8", "a background group reading the ctty gets SIGTTIN; writing with TOSTOP gets "
         "SIGTTOU", c08_background_ttin_ttou),
        ("C9", "fds 0/1/2 pointing at a terminal is not having a ctty",
         c09_stdio_on_terminal_is_not_ctty),
        ("C10", "isatty(0) is false when stdin is redirected from a file",
         c10_isatty_false_for_file),
        ("C11", "a session leader with no ctty that opens a tty without O_NOCTTY acquires it",
         c11_open_by_leader_acquires_ctty),
        ("C12", "with O_NOCTTY, or when the opener is not a session leader, it does not",
         c12_noctty_or_not_leader_does_not_acquire),
        ("C13", "a forked child inherits the parent's ctty; ps shows its TT; a daemon shows ?",
         c13_child_inherits_ctty),
        ("C14", "the holder of the master reads the program's output and injects its input",
         c14_master_reads_and_injects),
        ("C15", "the master can be handed to another process with SCM_RIGHTS",
         c15_master_via_scm_rights),
        ("C16", "parent-side setsid puts the child in its new session before exec",
         c16_parent_side_setsid_no_window),
        ("C17", "a script started with no ctty fails to open /dev/tty; a ctty fixes it",
         c17_no_ctty_dev_tty_fails),
    )
)


def run_claim(claim: Claim) -> Observation:
    """Run one experiment; an exception becomes a failed observation naming it."""
    try:
        return claim.run()
    except Exception as exc:
        return Observation(False, f"the experiment itself failed: {type(exc).__name__}: {exc}")
