"""Errors raised for bad input. Each names the file, the column or row, and what was expected."""

from __future__ import annotations

#: What the command line says when Ctrl-C stops it (after ``send-analysis <command>: ``).
STOPPED = "stopped (Ctrl-C); files already written are kept and none is left half-written"


class SendAnalysisError(Exception):
    """Base class for every error this package raises on purpose."""


class DataError(SendAnalysisError, ValueError):
    """Input data is not what the reader expects.

    The message always names where the problem is (file, column, row or key) and what was
    expected, so that an officer can fix the input without reading the code.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        row: object | None = None,
        expected: str | None = None,
    ) -> None:
        parts = []
        if file:
            parts.append(f"file {file}")
        if column:
            parts.append(f"column {column!r}")
        if row is not None:
            parts.append(f"row {row}")
        where = ": ".join([", ".join(parts), message]) if parts else message
        if expected:
            where += f" (expected {expected})"
        super().__init__(where)
        self.file = file
        self.column = column
        self.row = row
        self.expected = expected


class UnknownLAError(DataError):
    """An LA code that does not resolve to a current LA of the data
    (:func:`send_analysis.data.geography.la_record`): names the code and, for a former LA, its
    successors, else the closest known codes or names."""


class ChecksumError(DataError):
    """A fetched file's sha256 does not match the registry."""


class ConfigError(SendAnalysisError, ValueError):
    """A parameter, inputs file or scenario file is invalid; names the file and key."""
