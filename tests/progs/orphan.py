"""Leave an orphaned grandchild that exits; report whether something reaped it.

Prints "PARENT <ppid>" (the grandchild's new parent), then "REAPED <gc>" when
the grandchild's /proc entry is gone within 5 s,
else "ZOMBIE <gc> <state>"; then exits with argv[1] (default 0).
"""

import os
import sys
import time

release_r, release_w = os.pipe()
report_r, report_w = os.pipe()
child = os.fork()
if child == 0:
    gc = os.fork()
    if gc == 0:
        os.close(release_w)
        os.read(release_r, 1)  # EOF once the original process closes its end
        os._exit(0)
    os.write(report_w, str(gc).encode())
    os._exit(0)
os.close(report_w)
os.close(release_r)
gc = int(os.read(report_r, 32))
os.waitpid(child, 0)  # the grandchild is now an orphan, reparented upwards
with open(f"/proc/{gc}/stat", "rb") as f:
    print("PARENT", int(f.read().rsplit(b")", 1)[1].split()[1]), flush=True)
os.close(release_w)  # the grandchild exits
deadline = time.monotonic() + 5
state = "?"
while time.monotonic() < deadline:
    try:
        with open(f"/proc/{gc}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0].decode()
    except (FileNotFoundError, ProcessLookupError):
        # ESRCH: the entry was opened but the task was released (reaped) before
        # the read; gone either way.
        print("REAPED", gc, flush=True)
        break
    time.sleep(0.01)
else:
    print("ZOMBIE", gc, state, flush=True)
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
