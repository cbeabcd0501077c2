"""The session leader of ``ttyctl demo``: a stand-in for an interactive shell.

Run as ``python -I _demo_leader.py CTRL_FD [own-session-without-setsid]`` on a
PTY whose controlling terminal it is. It does what a job-control shell does,
one command at a time, read as a line from the control socket ``CTRL_FD``, and
answers each with one line:

- ``jobs``: start a foreground job (a new process group made the terminal's
  foreground group) of two ``sleep`` processes, the second through ``setsid``
  so that it leaves for a session of its own (without it when the demo is told
  to break that expectation); answers ``jobs A B``.
- ``wait PID`` / ``poll PID`` / ``kill PID``: reap a child (blocking, not
  blocking, after SIGTERM); answers ``status PID RAW`` or ``status PID running``.
- ``fg``: take the terminal's foreground back, as a shell does after a job.
- ``bgwrite``: run ``echo`` in a background group, wait until it stops or
  exits, kill it if stopped; answers ``status PID RAW``.
- ``quit``: exit 0.

It imports nothing of ttyctl so it starts fast, and ignores the job-control
stop signals as shells do; its children get the default dispositions back.
"""

import os
import signal
import sys

_DEFAULTS = (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)


def _spawn(argv: list[str], pgroup: int) -> int:
    return os.posix_spawnp(argv[0], argv, os.environ, setpgroup=pgroup, setsigdef=_DEFAULTS)


def main() -> int:
    ctrl = int(sys.argv[1])
    broken = sys.argv[2:] == ["own-session-without-setsid"]
    for signum in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
        signal.signal(signum, signal.SIG_IGN)
    pending = b""

    def reply(*words: object) -> None:
        os.write(ctrl, (" ".join(map(str, words)) + "\n").encode())

    while True:
        while b"\n" not in pending:
            chunk = os.read(ctrl, 4096)
            if not chunk:
                return 0
            pending += chunk
        line, _, pending = pending.partition(b"\n")
        cmd, *args = line.decode().split()
        if cmd == "jobs":
            first = _spawn(["sleep", "30"], 0)
            second = _spawn(["sleep", "30"] if broken else ["setsid", "sleep", "30"], first)
            os.tcsetpgrp(0, first)
            reply("jobs", first, second)
        elif cmd == "wait":
            reply("status", args[0], os.waitpid(int(args[0]), 0)[1])
        elif cmd == "poll":
            pid, status = os.waitpid(int(args[0]), os.WNOHANG)
            reply("status", args[0], status if pid else "running")
        elif cmd == "kill":
            os.kill(int(args[0]), signal.SIGTERM)
            reply("status", args[0], os.waitpid(int(args[0]), 0)[1])
        elif cmd == "fg":
            os.tcsetpgrp(0, os.getpgrp())
            reply("ok")
        elif cmd == "bgwrite":
            pid = _spawn(["echo", "written by a background group"], 0)
            status = os.waitpid(pid, os.WUNTRACED)[1]
            if os.WIFSTOPPED(status):
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            reply("status", pid, status)
        elif cmd == "quit":
            return 0
        else:
            reply("error", "unknown command", cmd)


if __name__ == "__main__":
    sys.exit(main())
