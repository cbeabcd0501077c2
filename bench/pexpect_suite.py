"""Run pexpect 4.9.0's own test suite on stock ptyprocess and on ttyctl.compat.

Usage: python bench/pexpect_suite.py [--workdir /tmp/ttyctl-pexpect-suite]

Downloads pexpect's sdist from PyPI into the work directory (``pip download
--no-deps --no-binary :all: pexpect==4.9.0``; nothing goes into the repository),
unpacks it, writes a ``conftest.py`` there that replaces
``ptyprocess.PtyProcess`` with ``ttyctl.compat.PtyProcess`` when
``TTYCTL_COMPAT=1`` and counts the PTY processes built, then runs the suite
twice with this interpreter's pytest and prints both pass counts.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile

VERSION = "4.9.0"

CONFTEST = '''\
"""Written by ttyctl's bench/pexpect_suite.py: run pexpect's suite on ttyctl.compat."""
import atexit
import os

import ptyprocess

_built = {"ttyctl": 0, "other": 0}

if os.environ.get("TTYCTL_COMPAT") == "1":
    import ttyctl.compat

    ttyctl.compat.install()
    assert ptyprocess.PtyProcess is ttyctl.compat.PtyProcess

_original_init = ptyprocess.PtyProcess.__init__


def _counting_init(self, *args, **kwargs):
    kind = "ttyctl" if type(self).__module__ == "ttyctl.compat" else "other"
    _built[kind] += 1
    _original_init(self, *args, **kwargs)


ptyprocess.PtyProcess.__init__ = _counting_init


@atexit.register
def _report():
    with open(os.environ["PTY_COUNT_FILE"], "w") as f:
        f.write("%d %d" % (_built["ttyctl"], _built["other"]))
'''


def fetch(workdir: str) -> str:
    """Download and unpack the sdist into ``workdir``; return the source tree."""
    tree = os.path.join(workdir, f"pexpect-{VERSION}")
    if os.path.isdir(tree):
        return tree
    archive = os.path.join(workdir, f"pexpect-{VERSION}.tar.gz")
    if not os.path.exists(archive):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"pexpect=={VERSION}",
                "-d",
                workdir,
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    return tree


def run_suite(tree: str, compat: bool) -> dict[str, int]:
    """Run the suite once; return the counts pytest reports and PTY classes built."""
    with open(os.path.join(tree, "conftest.py"), "w") as f:
        f.write(CONFTEST)
    fd, count_file = tempfile.mkstemp(prefix="pty-count-")
    os.close(fd)
    env = {**os.environ, "TTYCTL_COMPAT": "1" if compat else "0", "PTY_COUNT_FILE": count_file}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--timeout=120",
            "tests",
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    counts = {
        k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|skipped|error|errors)", summary)
    }
    with open(count_file) as f:
        built_ttyctl, built_other = (int(x) for x in f.read().split() or (0, 0))
    os.unlink(count_file)
    counts["pty_ttyctl"] = built_ttyctl
    counts["pty_other"] = built_other
    failed = [line for line in proc.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    print(f"--- {'ttyctl.compat' if compat else 'ptyprocess'}: {summary}")
    for line in failed:
        print("   ", line[:160])
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", default=os.path.join(tempfile.gettempdir(), "ttyctl-pexpect-suite")
    )
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    tree = fetch(args.workdir)
    stock = run_suite(tree, compat=False)
    ours = run_suite(tree, compat=True)
    print()
    print(f"pexpect {VERSION} suite, same machine, one run each:")
    for name, c in (("ptyprocess 0.7.0", stock), ("ttyctl.compat", ours)):
        print(
            f"  {name:17} passed {c.get('passed', 0):4}  failed {c.get('failed', 0):3}  "
            f"skipped {c.get('skipped', 0):3}  PTY processes built: "
            f"{c['pty_ttyctl']} ttyctl, {c['pty_other']} other"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
