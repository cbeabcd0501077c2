"""Run one ttyctl fuzz target under atheris (coverage-guided) for longer runs.

    pip install atheris
    python bench/fuzz/fuzz.py frames -max_total_time=300
    python bench/fuzz/fuzz.py --list

A crash found here is added to bench/fuzz/regressions/TARGET/ and becomes a
case of tests/test_fuzz_regressions.py, which replays every file there.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help", "--list"):
        from targets import TARGETS

        print("targets:", " ".join(TARGETS))
        return
    name = sys.argv.pop(1)
    import atheris

    with atheris.instrument_imports():
        from targets import TARGETS
    atheris.Setup(sys.argv, TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
