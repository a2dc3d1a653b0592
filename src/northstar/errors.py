"""One error tree. A `NorthstarError` is a user's mistake or an outside failure: the CLI prints
its one-line message and exits non-zero. Anything else is a bug and keeps its traceback."""

from __future__ import annotations


class NorthstarError(Exception):
    """Root of every error Northstar raises on purpose."""

    exit_code = 2


class ConfigError(NorthstarError):
    """A project file (northstar.toml, a metric file, people.yml) is wrong."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class PeriodError(NorthstarError):
    """A period string that is not one of 2025-03-14, 2025-01, 2025-Q1, 2025-W03, 2025."""


class LoadError(NorthstarError):
    """A file or batch could not be appended; nothing from it was written."""


class LedgerLockedError(NorthstarError):
    """Another process (usually `northstar serve`) holds the embedded database for writing."""


class UnknownMetricError(NorthstarError):
    """A metric name that no metric file declares."""


class MetricError(NorthstarError):
    """A metric's formula failed to compute (bad SQL, missing model, wrong shape)."""


class IntegrityError(NorthstarError):
    """The ledger does not match its hash chain: something was changed behind its back."""

    exit_code = 1
