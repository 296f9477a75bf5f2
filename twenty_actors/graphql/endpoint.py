"""The request pipeline shared by both GraphQL endpoints: decode → parse/validate (cached) → operation."""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError

from .request import DocumentCache, GraphQLRequest, decode_request
from .response import encode, errors_body, graphql_error
from .selection import Operation


class RejectedRequest(Exception):
    """A request refused before execution; carries its HTTP status and body."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def prepare(cache: DocumentCache, body: bytes) -> tuple[GraphQLRequest, DocumentNode, Operation]:
    """Decode, parse, validate and pick the operation.

    Raises:
        RejectedRequest: 400 with GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED or BAD_USER_INPUT.
        ValidationError: the body is not a GraphQL request at all.
    """
    request = decode_request(body)
    document, errors = cache.get(request.query)
    if document is None:
        raise RejectedRequest(400, errors_body([graphql_error(e, "GRAPHQL_PARSE_FAILED") for e in errors]))
    if errors:
        raise RejectedRequest(400, errors_body([graphql_error(e, "GRAPHQL_VALIDATION_FAILED") for e in errors]))
    try:
        op = cache.operation(request.query, document, request.operation_name).with_variables(
            cache.schema, request.variables)
    except GraphQLError as exc:
        raise RejectedRequest(400, errors_body([graphql_error(exc, "BAD_USER_INPUT")])) from None
    return request, document, op


def result_body(result: ExecutionResult) -> bytes:
    """The JSON of an execution result, with our default error code on each error."""
    out: dict[str, Any] = {}
    if result.errors:
        out["errors"] = [graphql_error(e, _code_of(e)) for e in result.errors]
    out["data"] = result.data
    return encode(out)


def _code_of(error: GraphQLError) -> str:
    return "BAD_USER_INPUT" if error.original_error is None else "INTERNAL_SERVER_ERROR"
