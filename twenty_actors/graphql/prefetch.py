"""Run an operation whose root fields are answered by async handlers, then shaped by graphql-core.

graphql-core's executor must not see async resolvers under Trio, so each root field is
resolved first (awaited here, in order), and graphql-core then executes synchronously over
the fetched values, which gives aliases, fragments, nested shaping and introspection for free.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLResolveInfo,
    GraphQLSchema,
    default_field_resolver,
    execute,
)
from graphql.execution.values import get_argument_values

from ..errors import ServiceUnavailableError, TwentyError
from .response import as_graphql_error
from .selection import Operation

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


async def execute_with_handlers(
    schema: GraphQLSchema,
    document: DocumentNode,
    op: Operation,
    operation_name: str | None,
    raw_variables: dict[str, Any] | None,
    handlers: dict[str, Handler],
) -> ExecutionResult:
    """Resolve each root field with its handler, then execute synchronously over the results."""
    root_type = schema.mutation_type if op.node.operation.value == "mutation" else schema.query_type
    assert root_type is not None
    fetched: dict[str, Any] = {}
    for key, nodes in op.fields(op.node.selection_set, root_type.name).items():
        name = nodes[0].name.value
        if name.startswith("__"):
            continue
        field = root_type.fields[name]
        try:
            args = get_argument_values(field, nodes[0], op.variables)
            fetched[key] = await handlers[name](args)
        except TwentyError as exc:
            if isinstance(exc, ServiceUnavailableError) and not fetched:
                raise  # nothing was done: answer 503 with Retry-After, so clients retry the whole request
            fetched[key] = exc

    def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        if info.path.prev is None:
            value = source.get(info.path.key)
            if isinstance(value, TwentyError):
                raise as_graphql_error(value)
            return value
        return default_field_resolver(source, info, **args)

    result = execute(schema, document, root_value=fetched, variable_values=raw_variables,
                     operation_name=operation_name, field_resolver=resolve)
    assert isinstance(result, ExecutionResult)
    return result
