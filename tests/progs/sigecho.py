"""Print "GOT <signum> <pid>" for each forwarded signal; exit on SIGTERM.

With argv[1] == "pair", first start a copy of itself in the same process group
(sharing stdout), so a test can see whether a signal reached the whole group.
Each process prints "READY <pid>" once its handlers are in place.
"""

import os
import signal
import subprocess
import sys

SIGNALS = (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
           signal.SIGUSR2, signal.SIGWINCH, signal.SIGTERM)


def _got(signum, frame):
    print("GOT", signum, os.getpid(), flush=True)
    if signum == signal.SIGTERM:
        sys.exit(0)


for s in SIGNALS:
    signal.signal(s, _got)
if len(sys.argv) > 1 and sys.argv[1] == "pair":
    subprocess.Popen([sys.executable, __file__])
print("READY", os.getpid(), flush=True)
while True:
    signal.pause()
