"""``ttyctl server``: run the per-user server that holds named consoles."""

from __future__ import annotations

import argparse

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl server``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl server",
        description="Run the console server in the foreground until SIGTERM, SIGINT or "
        "SIGHUP (then every running console is hung up and the socket removed). "
        "'ttyctl new' starts one on demand, detached, logging to server.log beside the "
        "socket. The socket directory is $TTYCTL_DIR, else $XDG_RUNTIME_DIR/ttyctl, "
        "else /tmp/ttyctl-UID. Exits 0 at once if a server already runs there.",
    )
    parser.add_argument("--dir", help="socket directory (default: as described above)")
    parser.add_argument("--scrollback", type=int, metavar="BYTES",
                        help="default scrollback per console (default 65536)")
    parser.add_argument("--client-buffer", type=int, metavar="BYTES",
                        help="bytes queued for a client before it is dropped (default 1 MiB)")
    parser.add_argument("--ready-fd", type=int, metavar="FD", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv`` and serve until stopped."""
    args = build_parser().parse_args(argv)
    from ..server import serve

    options = {}
    if args.scrollback is not None:
        options["scrollback"] = args.scrollback
    if args.client_buffer is not None:
        options["client_buffer"] = args.client_buffer
    return serve(args.dir, ready_fd=args.ready_fd, **options)
