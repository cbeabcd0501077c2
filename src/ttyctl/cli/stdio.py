"""``ttyctl stdio``: where a process's descriptors point, and which is its ctty."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os

from ..inspect import FdInfo, descriptors, read_process

__all__ = ["build_parser", "format_fds", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl stdio``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl stdio",
        description="For descriptors 0, 1 and 2 of PID (default: this very command, so "
        "'ttyctl stdio < file > log 2>&1' shows the shell's redirections): where each "
        "points, whether it is a terminal, and whether that terminal is the process's "
        "controlling terminal.",
    )
    parser.add_argument("pid", nargs="?", type=int, metavar="PID")
    parser.add_argument("-a", "--all", action="store_true", help="every open descriptor")
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    return parser


_NAMES = {0: "stdin", 1: "stdout", 2: "stderr"}


def format_fds(fds: list[FdInfo]) -> str:
    """One line per descriptor: number, name, target, then what it is."""
    lines = []
    for f in fds:
        label = f"{f.fd} ({_NAMES[f.fd]})" if f.fd in _NAMES else str(f.fd)
        if f.error is not None:
            lines.append(f"{label}: {f.error}")
            continue
        if f.terminal:
            what = f"terminal {f.tty}, " + (
                "the controlling terminal" if f.ctty else "not the controlling terminal"
            )
        else:
            what = f"{f.kind}, not a terminal"
        lines.append(f"{label}: {f.target}  [{what}]")
    return "".join(line + "\n" for line in lines)


def main(argv: list[str]) -> int:
    """Print the descriptors of PID (or of this command); 125 if PID does not exist."""
    args = build_parser().parse_args(argv)
    pid = os.getpid() if args.pid is None else args.pid
    fds = descriptors(pid, None if args.all else (0, 1, 2))
    if args.json:
        print(json.dumps([dataclasses.asdict(f) for f in fds], indent=2))
        return 0
    proc = read_process(pid)
    ctty = proc.tty if proc is not None and proc.tty else "none"
    who = "this process" if args.pid is None else f"process {pid}"
    print(f"{who} ({pid}): controlling terminal {ctty}")
    print(format_fds(fds), end="")
    return 0
