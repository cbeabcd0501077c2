"""``typing.final`` without importing ``typing`` when the program runs.

``ttyctl run`` imports the modules that use it, and ``typing`` costs several
milliseconds to import. Type checkers treat ``TYPE_CHECKING`` as true and see
the real decorator; at run time it is a no-op, as ``typing.final`` nearly is.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import final as final
else:

    def final(cls):
        """Return ``cls`` unchanged (``typing.final`` only marks it for checkers)."""
        return cls


__all__ = ["final"]
