"""``ttyctl ps``: sessions, process groups and controlling terminals."""

from __future__ import annotations

import argparse
import dataclasses
import json

from ..inspect import build_tree, processes, render_table, render_tree, select_sessions
from ._output import want_color, want_unicode, width

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl ps``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl ps",
        description="Show processes with their session, process group and controlling "
        "terminal. By default: every session that has a controlling terminal; with "
        "PIDs, the sessions that contain them. TT and STAT are those of procps ps.",
    )
    parser.add_argument("pids", nargs="*", type=int, metavar="PID")
    parser.add_argument("-a", "--all", action="store_true", help="every process")
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    parser.add_argument(
        "--tree", action="store_true",
        help="draw sessions, their groups (foreground marked) and processes",
    )
    parser.add_argument("--ascii", action="store_true", help="plain ASCII for --tree")
    return parser


def main(argv: list[str]) -> int:
    """Print the table, the tree or the JSON records; exit 1 if a PID was not found."""
    args = build_parser().parse_args(argv)
    records = select_sessions(processes(), args.pids, everything=args.all)
    missing = sorted(set(args.pids) - {r.pid for r in records})
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in records], indent=2))
    elif args.tree:
        tree = build_tree(records)
        text = render_tree(tree, unicode=want_unicode(args.ascii), color=want_color())
        cut = width()
        print("".join(line[:cut] + "\n" for line in text.splitlines()) if cut else text, end="")
    else:
        print(render_table(records, width=width()), end="")
    if missing:
        from ._errors import fail

        return fail(f"no such process: {', '.join(map(str, missing))}", 1)
    return 0
