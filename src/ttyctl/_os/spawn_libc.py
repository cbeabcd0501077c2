"""glibc's posix_spawn called through ctypes, for what ``os.posix_spawn`` lacks.

Python 3.11 and 3.12 do not expose ``posix_spawn_file_actions_addchdir_np``
(glibc 2.29+), so a spawn with a working directory comes here. Only that case
pays for importing ctypes.
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

from .spawn_plan import SpawnPlan
from .spawn_posix import RESET_SIGNALS

__all__ = ["spawn_libc"]

_POSIX_SPAWN_SETPGROUP = 0x02
_POSIX_SPAWN_SETSIGDEF = 0x04
_POSIX_SPAWN_SETSIGMASK = 0x08
_POSIX_SPAWN_SETSID = 0x80

# Opaque glibc structures, sized generously (x86_64: 80, 336 and 128 bytes).
_FileActions = ctypes.c_byte * 256
_Attr = ctypes.c_byte * 512
_SigSet = ctypes.c_byte * 256

_libc: Any = None


def _load() -> Any:
    global _libc
    if _libc is None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.posix_spawn_file_actions_addchdir_np  # noqa: B018 - fail early if absent
        _libc = libc
    return _libc


def _cstrings(items: list[bytes]) -> Any:
    array = (ctypes.c_char_p * (len(items) + 1))()
    for index, item in enumerate(items):
        array[index] = item
    array[len(items)] = None
    return array


def _check(rc: int, what: str) -> None:
    if rc != 0:
        raise OSError(rc, f"{what}: {os.strerror(rc)}")


def spawn_libc(plan: SpawnPlan) -> int:
    """Start ``plan`` with glibc's ``posix_spawn``, chdir included; return the pid.

    Errors in the child (a bad directory, a missing program) come back as an
    :class:`OSError` in the parent carrying the child's errno.
    """
    libc = _load()
    actions = _FileActions()
    attr = _Attr()
    _check(libc.posix_spawn_file_actions_init(ctypes.byref(actions)), "file actions")
    try:
        _check(libc.posix_spawnattr_init(ctypes.byref(attr)), "spawn attributes")
        try:
            for action in plan.file_actions():
                kind = action[0]
                if kind == os.POSIX_SPAWN_OPEN:
                    _, fd, path, flags, mode = action
                    rc = libc.posix_spawn_file_actions_addopen(
                        ctypes.byref(actions), fd, os.fsencode(str(path)), flags, mode
                    )
                elif kind == os.POSIX_SPAWN_DUP2:
                    rc = libc.posix_spawn_file_actions_adddup2(
                        ctypes.byref(actions), action[1], action[2]
                    )
                else:
                    rc = libc.posix_spawn_file_actions_addclose(ctypes.byref(actions), action[1])
                _check(rc, "file action")
            assert plan.cwd is not None
            _check(
                libc.posix_spawn_file_actions_addchdir_np(
                    ctypes.byref(actions), os.fsencode(plan.cwd)
                ),
                "chdir action",
            )
            flags = _POSIX_SPAWN_SETSIGDEF | _POSIX_SPAWN_SETSIGMASK
            if plan.setsid:
                flags |= _POSIX_SPAWN_SETSID
            elif plan.new_group:
                flags |= _POSIX_SPAWN_SETPGROUP
                _check(libc.posix_spawnattr_setpgroup(ctypes.byref(attr), 0), "pgroup")
            sigdef = _SigSet()
            libc.sigemptyset(ctypes.byref(sigdef))
            for signum in RESET_SIGNALS:
                libc.sigaddset(ctypes.byref(sigdef), int(signum))
            empty = _SigSet()
            libc.sigemptyset(ctypes.byref(empty))
            attr_ref = ctypes.byref(attr)
            _check(libc.posix_spawnattr_setsigdefault(attr_ref, ctypes.byref(sigdef)), "sigdef")
            _check(libc.posix_spawnattr_setsigmask(attr_ref, ctypes.byref(empty)), "sigmask")
            _check(libc.posix_spawnattr_setflags(attr_ref, ctypes.c_short(flags)), "flags")
            argv = _cstrings([os.fsencode(a) for a in plan.argv])
            envp = _cstrings([os.fsencode(k) + b"=" + os.fsencode(v) for k, v in plan.env.items()])
            pid = ctypes.c_int(0)
            rc = libc.posix_spawn(
                ctypes.byref(pid),
                os.fsencode(plan.path),
                ctypes.byref(actions),
                ctypes.byref(attr),
                argv,
                envp,
            )
            if rc != 0:
                raise OSError(rc, os.strerror(rc), plan.path)
            return pid.value
        finally:
            libc.posix_spawnattr_destroy(ctypes.byref(attr))
    finally:
        libc.posix_spawn_file_actions_destroy(ctypes.byref(actions))
