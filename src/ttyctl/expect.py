"""The names that ``expect`` and ``readuntil`` callers need, in one place.

``EOF`` (a pattern for the end of output), ``ExpectResult`` (what a match
returns), ``Pattern`` (what a pattern list holds) and the two errors,
:class:`ExpectTimeout` (a :class:`TimeoutError`) and :class:`ExpectEOF` (an
:class:`EOFError`), each carrying ``before``. The matching rules are in
:mod:`ttyctl.sansio.expect`; :meth:`ttyctl.Process.expect` and
:meth:`ttyctl.aio.AsyncProcess.expect` use them.
"""

from __future__ import annotations

from .errors import ExpectEOF as ExpectEOF
from .errors import ExpectTimeout as ExpectTimeout
from .sansio.expect import EOF as EOF
from .sansio.expect import ExpectResult as ExpectResult
from .sansio.expect import Pattern as Pattern

__all__ = ["EOF", "ExpectEOF", "ExpectResult", "ExpectTimeout", "Pattern"]
