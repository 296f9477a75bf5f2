"""Decoding a GraphQL request body, and the parse/validate cache."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import msgspec
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, parse, validate

from ..errors import MALFORMED_JSON, ValidationError
from .limits import MAX_QUERY_LENGTH, depth_limit_rule
from .validation import VALIDATION_RULES
from .variables import VariableCoercer


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
        self._coercers: dict[tuple[str, str | None], VariableCoercer] = {}

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

    def coercer(self, query: str, operation: OperationDefinitionNode) -> VariableCoercer:
        """The variable coercer of an operation of the (valid) document of ``query``, built once."""
        key = (query, operation.name.value if operation.name else None)
        coercer = self._coercers.get(key)
        if coercer is None:
            if len(self._coercers) >= self._size:
                self._coercers.clear()  # documents came and went: build the ones still in use again
            coercer = self._coercers[key] = VariableCoercer(self.schema, operation.variable_definitions or ())
        return coercer
