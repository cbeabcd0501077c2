"""Private Unix sockets: a directory only the user can enter, peer credentials,
and descriptors passed with ``SCM_RIGHTS``."""

from __future__ import annotations

import array
import errno
import os
import socket
import stat
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import final

from ..errors import ServerError

__all__ = [
    "PeerCred",
    "bind_private",
    "connect_private",
    "ensure_private_dir",
    "peer_cred",
    "recv_with_fds",
    "send_with_fds",
    "socket_dir",
]

_UCRED = struct.Struct("3i")
MAX_FDS = 4


def socket_dir(env: Mapping[str, str] | None = None, uid: int | None = None) -> str:
    """The directory of the per-user server's socket.

    ``$TTYCTL_DIR`` if set (tests and private setups), else
    ``$XDG_RUNTIME_DIR/ttyctl``, else ``/tmp/ttyctl-UID``.
    """
    environ = os.environ if env is None else env
    if environ.get("TTYCTL_DIR"):
        return environ["TTYCTL_DIR"]
    if environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(environ["XDG_RUNTIME_DIR"], "ttyctl")
    return f"/tmp/ttyctl-{os.getuid() if uid is None else uid}"


def ensure_private_dir(path: str, create: bool = True) -> None:
    """Make sure ``path`` is a directory of ours that nobody else can enter.

    Creates it with mode 0700 if missing (and ``create``). Raises
    :class:`ServerError` when it is a symlink, not a directory, owned by another
    user or open to group or others (someone may have planted it), and
    :class:`FileNotFoundError` when missing and not ``create``.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not create:
            raise
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise ServerError(f"{path}: not a directory (refusing a symlink or a file)")
    if st.st_uid != os.getuid():
        raise ServerError(f"{path}: owned by uid {st.st_uid}, not by this user")
    if st.st_mode & 0o077:
        raise ServerError(f"{path}: mode {stat.S_IMODE(st.st_mode):04o} lets others in; "
                          "it must be 0700")


@final
@dataclass(frozen=True, slots=True)
class PeerCred:
    """The credentials the kernel recorded when the peer connected."""

    pid: int
    uid: int
    gid: int


def peer_cred(sock: socket.socket) -> PeerCred:
    """``SO_PEERCRED`` of a connected Unix socket."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    pid, uid, gid = _UCRED.unpack(raw)
    return PeerCred(pid, uid, gid)


def bind_private(path: str, backlog: int = 128) -> socket.socket:
    """A listening, non-blocking socket at ``path``, mode 0600.

    The caller must hold the directory's lock: whatever is at ``path`` (a stale
    socket, a symlink someone planted) is unlinked, never followed. A regular
    file or directory there raises :class:`ServerError`.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if not (stat.S_ISSOCK(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            raise ServerError(f"{path}: exists and is not a socket")
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    old = os.umask(0o177)  # the socket file is born 0600: no window at a wider mode
    try:
        sock.bind(path)
    except BaseException:
        sock.close()
        raise
    finally:
        os.umask(old)
    sock.listen(backlog)
    sock.setblocking(False)
    return sock


def connect_private(path: str) -> socket.socket:
    """Connect to the server socket at ``path`` and check who holds it.

    Raises :class:`FileNotFoundError` when nothing is there,
    :class:`ConnectionRefusedError` for a stale socket (no server behind it),
    :class:`ServerError` when ``path`` is not a socket (a symlink is refused,
    not followed) or the server runs as another user.
    """
    st = os.lstat(path)
    if not stat.S_ISSOCK(st.st_mode):
        raise ServerError(f"{path}: not a socket (refusing to follow it)")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.connect(path)
        cred = peer_cred(sock)
        if cred.uid != os.getuid():
            raise ServerError(f"{path}: the server runs as uid {cred.uid}, not as this user")
    except BaseException:
        sock.close()
        raise
    return sock


def send_with_fds(sock: socket.socket, data: bytes, fds: Sequence[int] = ()) -> None:
    """Send all of ``data`` on a blocking socket; ``fds`` ride with its first byte."""
    view = memoryview(data)
    if fds:
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())]
        sent = sock.sendmsg([view], ancillary)
        view = view[sent:]
    while view:
        view = view[sock.send(view):]


def recv_with_fds(sock: socket.socket, size: int) -> tuple[bytes, list[int]]:
    """Receive up to ``size`` bytes and any descriptors sent with them.

    Descriptors arrive close-on-exec and belong to the caller. More than
    :data:`MAX_FDS` at once, or a truncated control message, closes every
    descriptor received and raises :class:`ServerError`. ``b""`` means EOF.
    """
    data, ancdata, flags, _ = sock.recvmsg(
        size, socket.CMSG_SPACE(MAX_FDS * 4), socket.MSG_CMSG_CLOEXEC
    )
    fds: list[int] = []
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            arr = array.array("i")
            arr.frombytes(payload[: len(payload) - len(payload) % 4])
            fds.extend(arr)
    if flags & socket.MSG_CTRUNC:
        for fd in fds:
            os.close(fd)
        raise ServerError("too many descriptors in one message (control data truncated)")
    return data, fds


def is_stale(err: OSError) -> bool:
    """True when a connect error means no server listens (stale or missing socket)."""
    return err.errno in (errno.ECONNREFUSED, errno.ENOENT)
