"""``ttyctl demo``: run the seed documents' experiments live on throwaway PTYs."""

from __future__ import annotations

import argparse
import textwrap

from ._errors import fail
from ._output import want_color, want_unicode, width

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttyctl demo``."""
    parser = argparse.ArgumentParser(
        prog="ttyctl demo",
        description="Show, on PTYs made for the purpose, what the kernel does with "
        "sessions, process groups and controlling terminals: Ctrl-C kills a foreground "
        "sleep and not one in a session of its own; a background write with TOSTOP gets "
        "SIGTTOU; a terminal on stdout is not a ctty. Exits 0 when every observation "
        "matched, 1 naming the steps that did not. TTYCTL_DEMO_BREAK=own-session starts "
        "the 'own session' sleep without setsid, to see the demo catch it.",
    )
    parser.add_argument(
        "--all", action="store_true",
        help="run the 17 claims of the seed documents as experiments, one line each",
    )
    parser.add_argument("--ascii", action="store_true", help="plain ASCII pictures")
    return parser


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=88, initial_indent="   ", subsequent_indent="   ")


def main(argv: list[str]) -> int:
    """Run the demo (or every claim with --all) and print each observation."""
    args = build_parser().parse_args(argv)
    color = want_color()
    good, bad = ("\x1b[32mmatched\x1b[0m", "\x1b[31mDID NOT MATCH\x1b[0m") if color else (
        "matched", "DID NOT MATCH")
    failed: list[str] = []
    if args.all:
        from ..claims import CLAIMS, run_claim

        for claim in CLAIMS:
            obs = run_claim(claim)
            print(f"{claim.number:>4} {good if obs.ok else bad}: {claim.text}")
            print(_wrap(obs.explanation), flush=True)
            if not obs.ok:
                failed.append(claim.number)
        total = len(CLAIMS)
    else:
        from ..demo import STEPS, Step, run_demo

        def emit(step: Step) -> None:
            print(f"[{STEPS.index(step.name) + 1}/{len(STEPS)}] {step.name}: "
                  f"{good if step.ok else bad}")
            for sentence in step.sentences:
                print(_wrap(sentence))
            if step.mismatch:
                print(_wrap(f"expected otherwise: {step.mismatch}"))
            if step.picture:
                cut = width()
                for line in step.picture.splitlines():
                    print(("     " + line)[:cut] if cut else "     " + line)
            print(flush=True)

        steps = run_demo(emit, unicode=want_unicode(args.ascii), color=color)
        failed = [s.name for s in steps if not s.ok]
        total = len(STEPS)
        failed += [name for name in STEPS if name not in {s.name for s in steps}]
    if failed:
        return fail(f"demo: {len(failed)} of {total} did not match what the seeds "
                    f"describe: {', '.join(failed)}", 1)
    print(f"All {total} observations matched what the seed documents describe.")
    return 0
