"""GraphQL answers and errors, encoded once with msgspec."""

from __future__ import annotations

from typing import Any

import msgspec
from graphql import GraphQLError

from ..errors import TwentyError

_encoder = msgspec.json.Encoder()


def encode(value: Any) -> bytes:
    """JSON bytes of a plain value."""
    return _encoder.encode(value)


def graphql_error(error: GraphQLError, code: str) -> dict[str, Any]:
    """API.md's GraphQL error shape for ``error`` with ``extensions.code``."""
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    extensions = dict(error.extensions or {})
    extensions.setdefault("code", code)
    out["extensions"] = extensions
    return out


def errors_body(errors: list[dict[str, Any]]) -> bytes:
    """A body with errors and no data."""
    return encode({"errors": errors, "data": None})


def twenty_error(exc: TwentyError, path: list[Any] | None = None) -> dict[str, Any]:
    """A GraphQL error entry for an expected error."""
    out: dict[str, Any] = {"message": exc.message}
    if path:
        out["path"] = path
    extensions: dict[str, Any] = {"code": exc.graphql_code}
    if exc.details:
        extensions["details"] = exc.details
    if exc.retry_after is not None:
        extensions["retryAfter"] = exc.retry_after
    out["extensions"] = extensions
    return out


def as_graphql_error(exc: TwentyError) -> GraphQLError:
    """A GraphQLError carrying a TwentyError's message and code (raised from sync resolvers)."""
    extensions: dict[str, Any] = {"code": exc.graphql_code}
    if exc.details:
        extensions["details"] = exc.details
    return GraphQLError(exc.message, extensions=extensions, original_error=exc)
