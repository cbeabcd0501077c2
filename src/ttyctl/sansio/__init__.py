"""Pure logic with no system calls: parsers, decoders and protocol cores.

Nothing in this package performs I/O or imports ``os``, ``socket``, ``fcntl`` or
``termios``; every function takes bytes or numbers and returns values, so each can
be tested without processes and fuzzed with arbitrary input.
"""
