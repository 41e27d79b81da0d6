"""Exceptions and warnings raised by siteplan.

Every error subclasses :class:`SiteplanError` and a builtin, so callers can catch either
(``except siteplan.errors.InputError`` or ``except ValueError``). Messages say what is wrong,
where (file, row, column or key), what was found, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "InfeasibleError",
    "InputError",
    "InputWarning",
    "NotSolvedError",
    "OutputError",
    "ScenarioError",
    "SiteplanError",
    "SolverError",
    "SourceUnavailableError",
]


class SiteplanError(Exception):
    """Root of all siteplan errors."""


class InputError(SiteplanError, ValueError):
    """An input file or frame is malformed: missing columns, bad values, empty file."""


class ScenarioError(SiteplanError, ValueError):
    """The scenario file is invalid; the message lists every problem with its key path."""


class CRSError(SiteplanError, ValueError):
    """A layer has no CRS, a geographic CRS where metres are needed, or CRSs differ."""


class SourceUnavailableError(SiteplanError, OSError):
    """A file is missing or the network is needed but refused (offline mode, no key)."""


class OutputError(SiteplanError, OSError):
    """An output folder cannot be written without losing a file siteplan did not write."""


class InfeasibleError(SiteplanError, ValueError):
    """The placement problem has no feasible solution (e.g. budget below the cheapest camera)."""


class SolverError(SiteplanError, RuntimeError):
    """The optimiser failed in a way that is not the user's input."""


class NotSolvedError(SiteplanError, AttributeError):
    """A result attribute was read before ``solve()`` was called."""


class InputWarning(UserWarning):
    """Rows were skipped or values repaired while loading; the message gives counts."""
