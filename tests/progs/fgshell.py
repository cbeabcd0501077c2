"""A shell without job control: run argv[1:] in its own group, then report the foreground.

Runs as a session leader on its ctty (stdin). Prints "FG-BACK" when, after the
command ended, the terminal's foreground group is this process's group again,
else "FG-LOST <tpgid>"; exits with the command's status.
"""

import os
import subprocess
import sys

rc = subprocess.call(sys.argv[1:])
fg = os.tcgetpgrp(0)
print("FG-BACK" if fg == os.getpgrp() else f"FG-LOST {fg}", rc, flush=True)
sys.exit(rc)
