"""Options shared by ``ttyctl attach`` and ``ttyctl new``, and reporting an attach."""

from __future__ import annotations

import argparse
import sys

from ..sansio.exitstatus import shell_exit_code

__all__ = ["add_attach_options", "detach_key_of", "run_attach"]


def add_attach_options(parser: argparse.ArgumentParser) -> None:
    """Add -e/-E/-r/--replay."""
    parser.add_argument("-e", "--detach-key", metavar="KEY", default="^\\",
                        help="detach key, as ^X (default ^\\, Ctrl-\\)")
    parser.add_argument("-E", "--no-detach-key", action="store_true",
                        help="no detach key: leave by closing the terminal or ending the program")
    parser.add_argument("-r", "--read-only", action="store_true",
                        help="watch only: typed keys (but the detach key) are not sent, "
                        "the window size is not changed")
    parser.add_argument("--replay", type=int, metavar="BYTES", default=None,
                        help="bytes of scrollback to replay first (default 65536; 0 for none)")


def detach_key_of(args: argparse.Namespace) -> bytes | None:
    """The detach key bytes the options ask for (``None`` with ``-E``)."""
    from ..sansio.detachkey import parse_key

    return None if args.no_detach_key else parse_key(args.detach_key)


def run_attach(name: str, args: argparse.Namespace) -> int:
    """Attach and turn the result into an exit status (128+N for signal N)."""
    from ..attach import DEFAULT_REPLAY, attach

    result = attach(
        name,
        detach_key=detach_key_of(args),
        readonly=args.read_only,
        replay=DEFAULT_REPLAY if args.replay is None else args.replay,
    )
    if result.detached:
        print(f"\r\n[detached from {name}]", file=sys.stderr, flush=True)
        return 0
    if result.returncode is None:
        return 0
    return shell_exit_code(result.returncode)
