"""The console names ``recvtty --mode hold`` gives: pure, fixed cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ttyctl.errors import UsageError
from ttyctl.sansio.consolename import check_name, name_prefix, numbered_name, numbered_of


@pytest.mark.parametrize(("filename", "prefix"), [
    ("console.sock", "console"),
    ("c.sock", "c"),
    ("runc", "runc"),
    ("my console.sock", "my_console"),
    (".hidden.sock", "hidden"),
    (".sock", "sock"),
    ("a.b.sock", "a.b"),
    ("-x.sock", "x"),
    ("...", "console"),
    ("", "console"),
    ("é€.sock", "__"),
    ("x" * 200 + ".sock", "x" * 56),
])
def test_name_prefix_fixed(filename: str, prefix: str) -> None:
    assert name_prefix(filename) == prefix


@given(st.text(max_size=300), st.integers(min_value=1, max_value=10**7))
def test_name_prefix_always_makes_valid_numbered_names(filename: str, n: int) -> None:
    prefix = name_prefix(filename)
    name = numbered_name(prefix, n)
    assert check_name(name) == name
    assert numbered_of(name, prefix) == n


@pytest.mark.parametrize(("name", "prefix", "n"), [
    ("c-1", "c", 1),
    ("c-12", "c", 12),
    ("c-0", "c", None),
    ("c-01", "c", None),
    ("c-", "c", None),
    ("c1", "c", None),
    ("cc-1", "c", None),
    ("a-b-3", "a-b", 3),
    ("a-b-3", "a", None),
    ("c-\u0661", "c", None),  # ARABIC-INDIC DIGIT ONE
])
def test_numbered_of_fixed(name: str, prefix: str, n: int | None) -> None:
    assert numbered_of(name, prefix) == n


def test_numbered_name_refuses_what_is_no_name() -> None:
    with pytest.raises(UsageError):
        numbered_name("a/b", 1)
    with pytest.raises(UsageError):
        numbered_name("x" * 64, 1)
