"""``python -m ttyctl``: the command-line tool."""

from ttyctl.cli import main

raise SystemExit(main())
