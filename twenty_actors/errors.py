"""Errors that may reach clients. Each has a stable code (API.md's table) and an HTTP status."""

from __future__ import annotations

import logging
from typing import ClassVar

import msgspec

from twenty_storage import errors as storage_errors

_log = logging.getLogger("twenty.errors")

# What msgspec raises for bytes that are not JSON: DecodeError, but UnicodeDecodeError for invalid UTF-8
# inside a string and RecursionError past its nesting limit (JSON nested 10,000 deep). Every decoder of
# client input catches all three and answers 400.
MALFORMED_JSON: tuple[type[Exception], ...] = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


class TwentyError(Exception):
    """An expected error whose message is safe to show to clients."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    graphql_code: ClassVar[str] = "INTERNAL_SERVER_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, details: list[dict[str, str]] | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.retry_after = retry_after


class ValidationError(TwentyError):
    """The input is invalid; nothing was changed."""

    code = "VALIDATION_ERROR"
    graphql_code = "BAD_USER_INPUT"
    http_status = 400


class UnauthorizedError(TwentyError):
    """Missing, malformed, expired or revoked credentials."""

    code = "UNAUTHORIZED"
    graphql_code = "UNAUTHENTICATED"
    http_status = 401


class ForbiddenError(TwentyError):
    """The credentials are valid but do not allow this."""

    code = "FORBIDDEN"
    graphql_code = "FORBIDDEN"
    http_status = 403


class NotFoundError(TwentyError):
    """The object or record does not exist in this workspace."""

    code = "NOT_FOUND"
    graphql_code = "NOT_FOUND"
    http_status = 404


class ConflictError(TwentyError):
    """The change conflicts with existing data (a duplicate)."""

    code = "CONFLICT"
    graphql_code = "CONFLICT"
    http_status = 409


class PayloadTooLargeError(TwentyError):
    """The request body is over the configured limit."""

    code = "PAYLOAD_TOO_LARGE"
    graphql_code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class RequestTimeoutError(TwentyError):
    """The client took too long to send its request (slowloris); the connection is closed."""

    code = "REQUEST_TIMEOUT"
    graphql_code = "REQUEST_TIMEOUT"
    http_status = 408


class UnsupportedMediaTypeError(TwentyError):
    """The request body is not JSON."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    graphql_code = "BAD_USER_INPUT"
    http_status = 415


class RateLimitedError(TwentyError):
    """Too many requests for this key and API."""

    code = "RATE_LIMIT_EXCEEDED"
    graphql_code = "RATE_LIMIT_EXCEEDED"
    http_status = 429


class ServiceUnavailableError(TwentyError):
    """The workspace or the database cannot serve right now; retry later."""

    code = "SERVICE_UNAVAILABLE"
    graphql_code = "SERVICE_UNAVAILABLE"
    http_status = 503


class WorkspaceUnavailableError(ServiceUnavailableError):
    """The workspace actor crashed while handling the request, or is cooling down after a crash loop."""


class DeadlineExceededError(TwentyError):
    """The request took longer than its deadline."""

    code = "TIMEOUT"
    graphql_code = "TIMEOUT"
    http_status = 504


UPSERT_CONFLICT = ("Multiple records found with the same unique field values (or several records of the "
                   "batch match one record). Cannot determine which record to update.")


def from_storage(exc: storage_errors.StorageError) -> TwentyError:
    """The client-facing error for a storage failure (no SQL text leaks: only safe summaries)."""
    match exc:
        case storage_errors.UniqueViolationError():
            return ConflictError("a record with this value already exists")
        case storage_errors.ForeignKeyViolationError():
            return ValidationError("a related record does not exist in this workspace",
                                   details=[{"field": exc.column or "relation", "message": "related record not found"}])
        case storage_errors.NotNullViolationError():
            field = exc.column or "field"
            return ValidationError(f"{field} is required", details=[{"field": field, "message": "required"}])
        case storage_errors.CheckViolationError():
            return ValidationError("a value is out of range or malformed")
        case storage_errors.CardinalityViolationError():
            # Twenty's UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT, a user input error there too
            return ValidationError(UPSERT_CONFLICT, details=[{"field": "data", "message": UPSERT_CONFLICT}])
        case storage_errors.SerializationError():
            return ServiceUnavailableError("concurrent change, retry", retry_after=1)
        case storage_errors.StorageUnavailableError():
            return ServiceUnavailableError("the database is unavailable, retry shortly", retry_after=1)
        case storage_errors.UndefinedObjectError():
            return ServiceUnavailableError("the workspace schema changed, retry", retry_after=1)
    _log.error("unexpected storage error: %s", exc.message)
    return TwentyError("internal error")


class MethodNotAllowedError(TwentyError):
    """The route exists but not for this HTTP method."""

    code = "METHOD_NOT_ALLOWED"
    graphql_code = "BAD_REQUEST"
    http_status = 405


def client_error(exc: Exception) -> TwentyError | None:
    """What a client is told of an exception: itself, its storage summary, or None (unexpected: log it)."""
    if isinstance(exc, TwentyError):
        return exc
    if isinstance(exc, storage_errors.StorageError):
        return from_storage(exc)
    return None
