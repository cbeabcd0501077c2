"""runc's console socket: hand a PTY master over ``SCM_RIGHTS``, both ways.

Wire format (DESIGN.md section 3, byte-compatible with runc 1.1.5): an
``AF_UNIX`` stream connection to the receiver's listening socket, one
``sendmsg`` whose payload is the terminal's name and whose one ``SCM_RIGHTS``
control message carries exactly one descriptor, the master. No reply.

- :func:`send_console` is the sender (what ``runc run --console-socket`` does).
- :func:`listen_console_socket` makes the receiver's socket safely;
  :func:`peer_credentials` and :func:`check_peer` vet who connected;
  :func:`recv_console` takes one console off an accepted connection.
- :func:`prepare_master` makes a received master ready for its holder.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import stat
import struct
import termios

from ._os.pty import Winsize, get_winsize, set_winsize
from ._os.unixsock import PeerCred
from ._os.unixsock import peer_cred as peer_credentials
from .errors import ConsoleSocketError, NotATerminalError
from .sansio.console_msg import (
    MAX_NAME_LEN,
    check_console_message,
    encode_console_name,
    received_fds,
)

__all__ = [
    "DEFAULT_CONSOLE_SIZE",
    "PeerCred",
    "check_peer",
    "listen_console_socket",
    "peer_credentials",
    "prepare_master",
    "pty_index",
    "recv_console",
    "send_console",
]

#: Room for this many descriptors in the control buffer: enough to count the
#: extras a bad peer sends (beyond it the kernel sets MSG_CTRUNC).
_MAX_FDS = 16
_CMSG_SPACE = socket.CMSG_SPACE(_MAX_FDS * 4)

# TIOCGPTN is _IOR('T', 0x30, unsigned int); Python's termios lacks it. The
# encoding of the direction bits differs on a few architectures.
_TIOCGPTN = {
    "ppc": 0x40045430, "ppc64": 0x40045430, "ppc64le": 0x40045430,
    "mips": 0x40045430, "mips64": 0x40045430, "sparc64": 0x40045430,
    "alpha": 0x40045430,
}.get(os.uname().machine, 0x80045430)


#: The size a received console gets when its sender set none (runc sets none).
DEFAULT_CONSOLE_SIZE = Winsize(24, 80)


def send_console(
    path_or_socket: str | os.PathLike[str] | socket.socket,
    master_fd: int,
    name: str = "/dev/ptmx",
) -> None:
    """Send ``master_fd`` with the label ``name`` to a console-socket receiver.

    ``path_or_socket`` is the receiver's socket path (connected to, used for
    the one message, then closed, as runc does) or a connected ``AF_UNIX``
    stream socket that stays the caller's. The caller keeps ``master_fd``: the
    receiver gets a copy, and the terminal stays up while either is open.

    Raises :class:`UsageError` for an empty name or one of 4096 bytes or more,
    and :class:`OSError` as the kernel reports it (``FileNotFoundError`` or
    ``ConnectionRefusedError`` for a path nobody listens on, ``EPIPE`` when
    the receiver went away). Delivery is not acknowledged by the protocol.
    """
    payload = encode_console_name(name)
    if isinstance(path_or_socket, socket.socket):
        _send_all(path_or_socket, payload, master_fd)
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(os.fspath(path_or_socket))
        _send_all(sock, payload, master_fd)


def _send_all(sock: socket.socket, payload: bytes, fd: int) -> None:
    fds = struct.pack("=i", fd)
    sent = sock.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
    if sent < len(payload):
        sock.sendall(payload[sent:])


def recv_console(conn: socket.socket) -> tuple[int, str]:
    """Receive one console on an accepted connection; return ``(fd, name)``.

    One ``recvmsg`` with ``MSG_CMSG_CLOEXEC``, judged by the rules of
    :func:`ttyctl.sansio.console_msg.check_console_message`, then the
    descriptor must be a PTY master (``TIOCGPTN`` answers). The caller owns the
    returned descriptor (close-on-exec, still in the mode it was sent in; see
    :func:`prepare_master`). The connection stays the caller's.

    Raises :class:`ConsoleSocketError` naming what was wrong, after closing
    every descriptor that arrived; :class:`BlockingIOError` when ``conn`` is
    non-blocking and nothing is there yet; :class:`OSError` from the kernel.
    """
    try:
        payload, ancdata, flags, _ = conn.recvmsg(
            MAX_NAME_LEN, _CMSG_SPACE, socket.MSG_CMSG_CLOEXEC
        )
    except ConnectionResetError as exc:
        raise ConsoleSocketError("the peer reset the connection") from exc
    try:
        name, fd = check_console_message(payload, ancdata, flags)
        try:
            pty_index(fd)
        except NotATerminalError as exc:
            raise ConsoleSocketError(f"the descriptor is not a PTY master ({exc})") from None
    except BaseException:
        for extra in received_fds(ancdata):
            _close_quietly(extra)
        raise
    return fd, name


def pty_index(fd: int) -> int:
    """The number N of the PTY whose master is ``fd`` (its slave is pts/N).

    The number is that of the devpts instance the master came from: for a
    container's console, the container's own ``/dev/pts``. Raises
    :class:`NotATerminalError` when ``fd`` is not a PTY master (a slave, a
    regular file, a socket).
    """
    try:
        raw = fcntl.ioctl(fd, _TIOCGPTN, b"\0" * 4)
    except OSError as exc:
        kind = _describe(fd)
        raise NotATerminalError(f"{kind}: {exc.strerror or exc}") from None
    index: int = struct.unpack("=I", raw)[0]
    return index


def _describe(fd: int) -> str:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return "a closed descriptor"
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode):
        return "a character device that is no PTY master"
    return "not a character device"


def check_peer(conn: socket.socket, owner_uid: int | None = None) -> PeerCred:
    """Return the peer's credentials if its uid is ``owner_uid`` or root's.

    ``owner_uid`` defaults to this process's effective uid. Raises
    :class:`ConsoleSocketError` for any other uid; the connection stays the
    caller's to close.
    """
    owner = os.geteuid() if owner_uid is None else owner_uid
    cred = peer_credentials(conn)
    if cred.uid not in (owner, 0):
        raise ConsoleSocketError(
            f"peer pid {cred.pid} uid {cred.uid} refused (only uid {owner} or root may connect)"
        )
    return cred


def listen_console_socket(path: str | os.PathLike[str], *, backlog: int = 128) -> socket.socket:
    """Create, bind and listen on a console socket at ``path``, mode 0600.

    The directory holding ``path`` must be owned by this user or by root and
    must not be writable by others unless it is sticky (as /tmp): nobody else
    can then swap the socket. A stale socket left at ``path`` (nobody listens)
    is replaced; anything else there is refused: a symlink (never followed), a
    live socket, any other file. The socket is created 0600 before it becomes
    visible, so no other uid can connect at any time. The returned socket
    (close-on-exec, blocking) is the caller's, as is removing ``path`` later.

    Raises :class:`ConsoleSocketError` for an unsafe directory or something at
    ``path``; :class:`OSError` as the kernel reports it otherwise.
    """
    where = os.fspath(path)
    _check_directory(os.path.dirname(os.path.abspath(where)))
    _clear_stale(where)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        # The mode of the socket's inode becomes the mode of the path at bind().
        os.fchmod(sock.fileno(), 0o600)
        sock.bind(where)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def _check_directory(directory: str) -> None:
    st = os.stat(directory)
    me = os.geteuid()
    if st.st_uid not in (me, 0):
        raise ConsoleSocketError(
            f"{directory}: owned by uid {st.st_uid}, not by this user ({me}) or root"
        )
    open_to_others = st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if open_to_others and not st.st_mode & stat.S_ISVTX:
        raise ConsoleSocketError(f"{directory}: writable by group or others and not sticky")


def _clear_stale(path: str) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise ConsoleSocketError(f"{path}: is a symbolic link (refused)")
    if not stat.S_ISSOCK(st.st_mode):
        raise ConsoleSocketError(f"{path}: exists and is not a socket")
    if st.st_uid != os.geteuid():
        raise ConsoleSocketError(f"{path}: a socket of uid {st.st_uid} is in the way")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)  # stale: its listener is gone
        return
    finally:
        probe.close()
    raise ConsoleSocketError(f"{path}: another receiver is listening there")


def prepare_master(
    fd: int, *, onlcr: bool = True, default_size: Winsize | None = DEFAULT_CONSOLE_SIZE
) -> Winsize:
    """Make a received master ready for its holder; return its window size.

    Sets ``fd`` non-blocking (masters arrive blocking), sets ONLCR on the
    terminal as asked (on: the program's ``\\n`` reaches the holder as
    ``\\r\\n``, as a terminal shows it; runc leaves it on, conmon sets it, runc's
    foreground mode clears it), and gives the terminal ``default_size`` when it
    has none (0x0: runc sets no size unless the bundle asks for one). The
    descriptor stays the caller's. Raises :class:`OSError` (``EIO`` once the
    terminal is hung up, ``ENOTTY`` for no terminal).
    """
    os.set_blocking(fd, False)
    attrs = termios.tcgetattr(fd)
    wanted = attrs[1] | termios.ONLCR if onlcr else attrs[1] & ~termios.ONLCR
    if wanted != attrs[1]:
        attrs[1] = wanted
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
    size = get_winsize(fd)
    if default_size is not None and size.rows == 0 and size.cols == 0:
        set_winsize(fd, default_size)
        size = default_size
    return size


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError as exc:
        if exc.errno != errno.EBADF:
            raise
