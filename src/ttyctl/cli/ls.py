"""``ttyctl ls``: list the named consoles."""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..client import ConsoleInfo

__all__ = ["build_parser", "main", "print_consoles"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl ls``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl ls",
        description="List the consoles this user's server holds: name, pid, age, clients "
        "attached, status (running, or exited with the program's status), command. "
        "Prints nothing when no server runs.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv`` and print the consoles."""
    args = build_parser().parse_args(argv)
    from ..client import list_consoles

    print_consoles(sorted(list_consoles(), key=lambda c: c.name), as_json=args.json)
    return 0


def print_consoles(consoles: list[ConsoleInfo], *, as_json: bool = False) -> None:
    """Print ``consoles`` as ``ttyctl ls`` does (a table, or ``--json``), in this order."""
    from ..sansio.asciicast import join_command
    from ..sansio.consolename import format_age
    from ..sansio.exitstatus import shell_exit_code

    if as_json:
        print(json.dumps([
            {"name": c.name, "pid": c.pid, "command": c.argv, "started": c.started,
             "clients": c.clients, "running": c.running, "returncode": c.returncode,
             "exit_status": None if c.returncode is None else shell_exit_code(c.returncode),
             "adopted": c.adopted}
            for c in consoles], indent=1))
        return
    if not consoles:
        return
    now = time.time()
    rows = [("NAME", "PID", "AGE", "CLIENTS", "STATUS", "COMMAND")]
    for c in consoles:
        if c.running:
            status = "running"
        elif c.returncode is None:
            status = "exited"
        else:
            status = f"exited({shell_exit_code(c.returncode)})"
        rows.append((c.name, "-" if c.pid is None else str(c.pid), format_age(now - c.started),
                     str(c.clients), status, join_command(c.argv)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        print("  ".join(r[i].ljust(widths[i]) for i in range(5)) + "  " + r[5])
