"""Error envelopes: REST's ``{"error": {...}}`` and GraphQL's ``{"errors": [...], "data": null}``."""

from __future__ import annotations

import math
from typing import Any

import msgspec
from quart import Response

from twenty_actors.errors import TwentyError
from twenty_actors.graphql.response import errors_body, twenty_error

_encoder = msgspec.json.Encoder()


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response of a plain value."""
    return Response(_encoder.encode(value), status=status, content_type="application/json", headers=headers)


def bytes_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response whose body is already encoded (built by PostgreSQL, say)."""
    return Response(body, status=status, content_type="application/json", headers=headers)


def _retry_headers(exc: TwentyError) -> dict[str, str]:
    if exc.retry_after is None:
        return {}
    return {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}


def rest_error_body(exc: TwentyError) -> bytes:
    """API.md's REST error envelope, encoded."""
    error: dict[str, Any] = {"message": exc.message, "code": exc.code, "statusCode": exc.http_status}
    if exc.details:
        error["details"] = exc.details
    if exc.retry_after is not None:
        error["retryAfter"] = max(1, math.ceil(exc.retry_after))
    return _encoder.encode({"error": error})


def rest_error(exc: TwentyError) -> Response:
    """API.md's REST error envelope as a response."""
    return bytes_response(rest_error_body(exc), exc.http_status, _retry_headers(exc))


def graphql_error_response(exc: TwentyError) -> Response:
    """A request-level GraphQL failure (auth, rate limit, bad body) with the matching HTTP status."""
    return bytes_response(errors_body([twenty_error(exc)]), exc.http_status, _retry_headers(exc))
