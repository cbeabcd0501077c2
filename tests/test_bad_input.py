"""Bad input: clear errors in the API, nothing left behind."""

from __future__ import annotations

import os

import pytest

import ttyctl
from tests.helpers import open_fds, zombies_of

STRATEGIES = ["posix_spawn", "fork"]


@pytest.fixture
def no_leak() -> object:
    before = open_fds()
    yield None
    assert open_fds() == before
    assert zombies_of(os.getpid()) == []


def test_empty_argv_is_a_value_error(no_leak: None) -> None:
    with pytest.raises(ValueError, match="argv"):
        ttyctl.spawn([])


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_missing_program(no_leak: None, strategy: str) -> None:
    with pytest.raises(FileNotFoundError) as info:
        ttyctl.spawn(["no-such-program-ttyctl"], strategy=strategy)  # type: ignore[arg-type]
    assert info.value.filename == "no-such-program-ttyctl"
    with pytest.raises(FileNotFoundError) as info:
        ttyctl.spawn(["/no/such/program"], strategy=strategy)  # type: ignore[arg-type]
    assert info.value.filename == "/no/such/program"


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_directory_as_program(no_leak: None, strategy: str, tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(IsADirectoryError) as info:
        ttyctl.spawn([os.fspath(tmp_path)], strategy=strategy)  # type: ignore[arg-type]
    assert info.value.filename == os.fspath(tmp_path)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_not_executable(no_leak: None, strategy: str, tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "script")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho hi\n")
    with pytest.raises(PermissionError):
        ttyctl.spawn([path], strategy=strategy)  # type: ignore[arg-type]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("mode", ["console", "detached", "inherit"])
def test_bad_cwd(no_leak: None, strategy: str, mode: str, tmp_path: os.PathLike[str]) -> None:
    missing = os.path.join(tmp_path, "missing")
    with pytest.raises(FileNotFoundError) as info:
        ttyctl.spawn(["true"], cwd=missing, strategy=strategy, mode=mode)  # type: ignore[arg-type]
    assert info.value.filename == missing
    a_file = os.path.join(tmp_path, "file")
    open(a_file, "w").close()
    with pytest.raises(NotADirectoryError):
        ttyctl.spawn(["true"], cwd=a_file, strategy=strategy, mode=mode)  # type: ignore[arg-type]


def test_arguments_that_do_not_fit_the_mode(no_leak: None) -> None:
    with pytest.raises(ValueError):
        ttyctl.spawn(["true"], mode="console", stdout=1)
    with pytest.raises(ValueError):
        ttyctl.spawn(["true"], mode="detached", winsize=(2, 3))
    with pytest.raises(ValueError):
        ttyctl.spawn(["true"], pass_fds=[1])
    with pytest.raises(ValueError):
        ttyctl.spawn(["true"], mode="bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ttyctl.spawn(["true"], strategy="bogus")  # type: ignore[arg-type]


def test_errors_are_one_hierarchy() -> None:
    for name in ttyctl.errors.__all__ if hasattr(ttyctl, "errors") else []:
        assert issubclass(getattr(ttyctl.errors, name), ttyctl.TtyctlError)
    assert issubclass(ttyctl.UsageError, ValueError)


def test_closed_process_refuses_io(no_leak: None) -> None:
    proc = ttyctl.spawn(["true"])
    proc.close()
    with pytest.raises(ttyctl.ClosedResourceError):
        proc.write(b"x")
    assert proc.returncode is not None
    proc.close()  # twice is fine


def test_close_kills_a_program_that_ignores_hangup(no_leak: None) -> None:
    proc = ttyctl.spawn(["sh", "-c", "trap '' HUP; echo READY; while :; do sleep 1; done"])
    assert b"READY" in proc.read(timeout=10)
    proc.close(timeout=0.2)
    assert proc.returncode == -9
