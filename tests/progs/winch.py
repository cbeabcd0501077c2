"""Report each SIGWINCH with the terminal's new size."""

import fcntl
import signal
import struct
import termios


def on_winch(signum, frame):
    rows, cols = struct.unpack("HH", fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 4))
    print(f"WINCH {rows} {cols}", flush=True)


signal.signal(signal.SIGWINCH, on_winch)
print("READY", flush=True)
while True:
    signal.pause()
