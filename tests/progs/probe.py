"""Print what the kernel says about this process's session and terminal, as JSON.

Then wait for a line on stdin (or for SIGHUP) so the test can read /proc meanwhile.
"""

import errno
import json
import os
import sys

info = {"pid": os.getpid(), "sid": os.getsid(0), "pgid": os.getpgrp()}
try:
    info["ttyname0"] = os.ttyname(0)
except OSError:
    info["ttyname0"] = None
try:
    fd = os.open("/dev/tty", os.O_RDWR)
    os.close(fd)
    info["dev_tty"] = "ok"
except OSError as exc:
    info["dev_tty"] = errno.errorcode.get(exc.errno or 0, str(exc.errno))
info["fds"] = sorted(int(n) for n in os.listdir("/proc/self/fd"))
out = os.fdopen(int(sys.argv[1]), "w") if len(sys.argv) > 1 else sys.stdout
print("PROBE " + json.dumps(info), file=out, flush=True)
if len(sys.argv) > 2:
    sys.stdin.readline()
