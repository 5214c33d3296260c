"""The small error hierarchy. Only the CLI turns these into exit codes."""

from __future__ import annotations


class CdskgError(Exception):
    """An expected failure with a message meant for the user (no traceback)."""


class UsageError(CdskgError):
    """Bad arguments or input: exit code 2."""


class InputError(CdskgError):
    """An input file cannot be read or understood: exit code 2 (or skipped in a build)."""


class QueryError(CdskgError):
    """A SPARQL query that cannot be parsed or run; the message names the position."""


class StoreError(CdskgError):
    """The store is missing, locked, or not a cdskg store."""
