"""The ``ttyctl`` command: dispatch to one module per subcommand.

Each subcommand module has ``main(argv: list[str]) -> int`` that parses its
arguments, calls the library and prints; nothing else lives here. Modules are
imported only when their subcommand runs, so ``ttyctl run`` pays for nothing else.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["COMMANDS", "main"]

#: subcommand name -> (module under ttyctl.cli, one-line summary)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "run a program on a new PTY as its session's leader, relay its console"),
    "ps": ("ps", "show sessions, process groups and controlling terminals"),
    "stdio": ("stdio", "show where a process's descriptors point, and which is its ctty"),
    "demo": ("demo", "run the seed documents' experiments live on throwaway PTYs"),
    "init": ("init", "stage-1 init: setsid, TIOCSCTTY, dup2, exec; PID 1 duties"),
    "recvtty": ("recvtty", "receive consoles over a runc --console-socket"),
    "server": ("server", "the per-user server that holds named consoles"),
    "new": ("new", "start a program in a named console held by the server"),
    "attach": ("attach", "attach this terminal to a named console"),
    "ls": ("ls", "list the named consoles"),
    "kill": ("kill", "send a signal to a named console's program"),
    "rm": ("rm", "forget a named console whose program has exited"),
}


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: ttyctl COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items()]
    lines += ["", "Run 'ttyctl COMMAND --help' for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the ttyctl command line and return its exit status."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if args else 2
    if args[0] == "--version":
        from .. import __version__

        print(f"ttyctl {__version__}")
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        print(f"ttyctl: unknown command {args[0]!r} (see 'ttyctl --help')", file=sys.stderr)
        return 2
    module = importlib.import_module(f"{__name__}.{entry[0]}")
    from ._errors import run_guarded

    return run_guarded(module.main, args[1:])
