"""Decoding a GraphQL request body, and the parse/validate cache."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import msgspec
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate

from ..errors import MALFORMED_JSON, ValidationError
from .limits import MAX_QUERY_LENGTH, depth_limit_rule
from .selection import PreparedOperation
from .validation import VALIDATION_RULES


class GraphQLRequest(msgspec.Struct, frozen=True, rename="camel"):
    """A GraphQL request as POSTed: query, variables, operationName."""

    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None


_decoder = msgspec.json.Decoder(GraphQLRequest)


def decode_request(body: bytes) -> GraphQLRequest:
    """The request in ``body``; ValidationError for malformed JSON or a wrong shape."""
    try:
        request = _decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise ValidationError(f"Invalid GraphQL request: {exc}") from None
    except MALFORMED_JSON:
        raise ValidationError("Malformed JSON body") from None
    if len(request.query) > MAX_QUERY_LENGTH:
        raise ValidationError(f"Query is longer than {MAX_QUERY_LENGTH} characters")
    return request


class DocumentCache:
    """Parsed and validated documents by query text, for one schema (bounded LRU)."""

    def __init__(self, schema: GraphQLSchema, size: int = 512) -> None:
        self.schema = schema
        self._size = size
        self._entries: OrderedDict[str, tuple[DocumentNode | None, list[GraphQLError]]] = OrderedDict()
        self._rules = [*VALIDATION_RULES, depth_limit_rule]
        self._operations: dict[tuple[str, str | None], PreparedOperation] = {}

    def get(self, query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
        """The parsed document and its validation errors (empty when valid)."""
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
            return entry
        try:
            document: DocumentNode | None = parse(query, max_tokens=20_000)
        except GraphQLError as exc:
            entry = (None, [exc])
        else:
            assert document is not None
            errors = validate(self.schema, document, self._rules, max_errors=20)
            entry = (document, list(errors))
        self._entries[query] = entry
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return entry

    def operation(self, query: str, document: DocumentNode, operation_name: str | None) -> PreparedOperation:
        """The operation named ``operation_name`` of the valid ``document`` of ``query``, picked once.

        Raises:
            GraphQLError: no such operation, or an ambiguous one.
        """
        key = (query, operation_name)
        prepared = self._operations.get(key)
        if prepared is None:
            prepared = PreparedOperation(self.schema, document, operation_name)
            if len(self._operations) >= self._size:
                self._operations.clear()  # documents came and went: pick the ones still in use again
            self._operations[key] = prepared
        return prepared
