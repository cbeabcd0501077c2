"""In a private mount namespace: put FILE over /sys/class/tty/console/active, then exec.

Usage: unshare --mount -- python bind_console.py FILE EXPECTED -- CMD...
Exits 99 without exec unless the bind mount is in place and reads EXPECTED, so
that busybox cttyhack never sees (and opens) the machine's real console.
"""

import os
import subprocess
import sys

ACTIVE = "/sys/class/tty/console/active"
fake, expected, sep, *cmd = sys.argv[1:]
assert sep == "--" and cmd
if subprocess.call(["mount", "--bind", fake, ACTIVE]) != 0:
    sys.exit(99)
with open(ACTIVE) as f:
    if f.read() != expected:
        sys.exit(99)
os.execvp(cmd[0], cmd)
