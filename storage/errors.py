"""Storage errors, and the one table that maps PostgreSQL's SQLSTATE codes to them."""

from __future__ import annotations

import re

from .driver import ParameterError


class StorageError(Exception):
    """A failure in the storage layer that callers may handle."""

    def __init__(self, message: str, *, constraint: str | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.constraint = constraint
        self.column = column


class UniqueViolationError(StorageError):
    """A unique constraint was violated (23505)."""


class ForeignKeyViolationError(StorageError):
    """A foreign key points at no row (23503)."""


class NotNullViolationError(StorageError):
    """A required column got no value (23502)."""


class CheckViolationError(StorageError):
    """A value is outside what the column accepts (23514, 22xxx data exceptions)."""


class CardinalityViolationError(StorageError):
    """One value was wanted and several were found (21000): in our statements, only an upsert's row that
    matches two records, or two rows that match one (compile_write._match)."""


class SerializationError(StorageError):
    """A transaction lost a race (40001, 40P01); retrying may succeed."""


class StorageUnavailableError(StorageError):
    """PostgreSQL cannot be reached or is shutting down."""


class UndefinedObjectError(StorageError):
    """A table, column or schema that the statement names does not exist (42P01, 42703, 3F000)."""


_BY_SQLSTATE: dict[str, type[StorageError]] = {
    "23505": UniqueViolationError,
    "23503": ForeignKeyViolationError,
    "23502": NotNullViolationError,
    "23514": CheckViolationError,
    "21000": CardinalityViolationError,
    "40001": SerializationError,
    "40P01": SerializationError,
    "57P01": StorageUnavailableError,
    "57P02": StorageUnavailableError,
    "57P03": StorageUnavailableError,
    "53300": StorageUnavailableError,
    "42P01": UndefinedObjectError,
    "42703": UndefinedObjectError,
    "3F000": UndefinedObjectError,
}


_KEY_DETAIL = re.compile(r'^Key \((?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))\)=')


def _key_column(detail: object) -> str | None:
    """The column a key violation names in its detail (``Key ("companyId")=(…) is not present …``)."""
    if not isinstance(detail, str):
        return None
    match = _KEY_DETAIL.match(detail)
    if match is None:
        return None
    return match.group(1).replace('""', '"') if match.group(1) is not None else match.group(2)


def from_pg(exc: BaseException) -> StorageError:
    """Translate a driver exception into a StorageError, by SQLSTATE where it has one."""
    sqlstate = getattr(exc, "sqlstate", None)
    message = str(getattr(exc, "message", None) or exc) or type(exc).__name__
    constraint = getattr(exc, "constraint_name", None)
    column = getattr(exc, "column_name", None) or _key_column(getattr(exc, "detail", None))
    if isinstance(exc, ParameterError):
        return CheckViolationError(message)  # a value that cannot be sent as its parameter's type
    if sqlstate is None:
        return StorageUnavailableError(f"database unavailable: {message}")
    if sqlstate.startswith("08"):
        return StorageUnavailableError(message)
    if sqlstate.startswith("22"):
        return CheckViolationError(message, constraint=constraint, column=column)
    cls = _BY_SQLSTATE.get(sqlstate, StorageError)
    return cls(message, constraint=constraint, column=column)
