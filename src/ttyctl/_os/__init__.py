"""The only layer that talks to the kernel: descriptors, PTYs, termios, spawning."""
