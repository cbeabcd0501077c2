"""Ask for a password with getpass (echo off on /dev/tty), then report on it."""

import getpass

secret = getpass.getpass("Password: ")
print(f"got {len(secret)} chars, reversed {secret[::-1]}", flush=True)
