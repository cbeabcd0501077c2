"""Print "GOT <signum> <pid>" for each forwarded signal; exit 0 on SIGTERM.

The signals are blocked and taken with sigwaitinfo, so none is lost between a
check and a wait. With argv[1] == "pair", first start a copy of itself in the
same process group (sharing stdout), so a test can see whether a signal reached
the whole group. Each process prints "READY <pid>" once it is ready.
"""

import os
import signal
import subprocess
import sys

SIGNALS = {signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
           signal.SIGUSR2, signal.SIGWINCH, signal.SIGTERM}

signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
if len(sys.argv) > 1 and sys.argv[1] == "pair":
    subprocess.Popen([sys.executable, __file__])
# One write per line: two processes share this stdout.
os.write(1, f"READY {os.getpid()}\n".encode())
while True:
    info = signal.sigwaitinfo(SIGNALS)
    os.write(1, f"GOT {info.si_signo} {os.getpid()}\n".encode())
    if info.si_signo == signal.SIGTERM:
        sys.exit(0)
