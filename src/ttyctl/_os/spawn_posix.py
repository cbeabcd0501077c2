"""The posix_spawn strategy: vfork-based, safe beside threads, no copy of the parent."""

from __future__ import annotations

import os
import signal

from .spawn_plan import SpawnPlan

__all__ = ["spawn_posix"]

# Python ignores these; a child must start with them at their defaults, as
# subprocess's restore_signals does.
RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)


def spawn_posix(plan: SpawnPlan) -> int:
    """Start ``plan`` with ``posix_spawn`` and return the child's pid.

    An exec failure raises the matching :class:`OSError` in the parent, with
    no child left behind (glibc reports it through the shared vfork memory).
    A plan with a ``cwd`` goes through glibc's own ``posix_spawn`` by ctypes,
    since Python before 3.13 exposes no chdir file action.
    """
    if plan.cwd is not None:
        from .spawn_libc import spawn_libc

        return spawn_libc(plan)
    kwargs: dict[str, object] = {}
    if plan.new_group and not plan.setsid:
        kwargs["setpgroup"] = 0
    return os.posix_spawn(
        plan.path,
        list(plan.argv),
        plan.env,
        file_actions=plan.file_actions(),
        setsid=plan.setsid,
        setsigdef=RESET_SIGNALS,
        setsigmask=(),
        **kwargs,  # type: ignore[arg-type]
    )
