"""``POST /graphql``: plan the operation, compile it to SQL, run it through the workspace actor.

A query becomes one SQL statement for all its root fields (one round trip, JSON built by
PostgreSQL and passed through as bytes). Each mutation root field becomes one statement that
goes through the actor's write queue, in document order.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import msgspec
from graphql import ExecutionResult, FieldNode, GraphQLObjectType, OperationType, SelectionSetNode, execute
from graphql.execution.values import get_argument_values

from twenty_storage.compile import compile_reads, compile_write_statements

from ..auth import Principal
from ..errors import NotFoundError, ServiceUnavailableError, TwentyError
from ..metadata.model import CoreApi, WorkspaceModel
from ..workspace.messages import RunRead, RunWrite
from .endpoint import RejectedRequest, prepare, result_body
from .planner import Planner
from .response import encode, twenty_error
from .selection import Operation
from .writes import plan_create, plan_state_change, plan_update

if TYPE_CHECKING:
    from ..registry import Registry


_COMPILED_READS = 256  # per workspace and metadata version
_MAX_CACHED_BODY = 8192


async def run_core_request(registry: Registry, principal: Principal, body: bytes) -> tuple[int, bytes]:
    """The HTTP status and body answering one core GraphQL request."""
    handle = await registry.handle(principal.workspace_id)
    assert handle.state is not None
    model: WorkspaceModel = handle.state.metadata
    core = model.core
    cached = core.compiled_reads.get(body)
    if cached is not None:
        core.compiled_reads.move_to_end(body)
        data = await registry.call(principal.workspace_id, RunRead(sql=cached[0], params=cached[1]))
        return 200, b'{"data":' + data + b"}"
    try:
        request, document, op = prepare(core.documents, body)
    except RejectedRequest as rejected:
        return rejected.status, rejected.body
    if op.node.operation == OperationType.MUTATION:
        return 200, await _mutate(registry, principal, model, core, op)
    if op.node.operation != OperationType.QUERY:
        return 400, encode({"errors": [{"message": "Subscriptions are served on /ws",
                                        "extensions": {"code": "BAD_USER_INPUT"}}], "data": None})
    root = core.schema.query_type
    assert root is not None
    fields = op.fields(op.node.selection_set, "Query")
    introspection = {k for k, n in fields.items() if n[0].name.value in ("__schema", "__type")}
    data_keys = [k for k in fields if k not in introspection]
    planner = Planner(model.metadata, core.schema, op)
    reads: list[tuple[str, Any]] = []
    try:
        for key in data_keys:
            nodes = fields[key]
            name = nodes[0].name.value
            if name not in core.roots:  # __typename, or the placeholder of a schema without objects
                continue
            kind, obj_name = core.roots[name]
            obj = model.metadata.objects[obj_name]
            args = get_argument_values(root.fields[name], nodes[0], op.variables)
            if kind == "find_many":
                reads.append((key, planner.connection(obj, nodes, args, 1)))
            else:
                reads.append((key, planner.find_one(obj, nodes, args)))
    except TwentyError as exc:
        return 200, encode({"errors": [twenty_error(exc)], "data": None})
    data = b"{}"
    if reads:
        sql, params = compile_reads(model.metadata.schema_name, reads)
        data = await registry.call(principal.workspace_id, RunRead(sql=sql, params=params))
    if not introspection and len(reads) == len(data_keys):
        if reads and len(body) <= _MAX_CACHED_BODY:
            core.compiled_reads[body] = (sql, params)
            if len(core.compiled_reads) > _COMPILED_READS:
                core.compiled_reads.popitem(last=False)
        return 200, b'{"data":' + data + b"}"
    # introspection and __typename: graphql-core answers those, then the answers are merged in order
    extra = _introspect(core, document, op, request.operation_name, request.variables, set(introspection))
    fetched = msgspec.json.decode(data)
    merged: dict[str, Any] = {}
    for key, nodes in fields.items():
        if key in introspection:
            merged[key] = (extra.data or {}).get(key)
        elif nodes[0].name.value == "__typename":
            merged[key] = "Query"
        else:
            merged[key] = fetched.get(key)
    if extra.errors:
        return 200, result_body(ExecutionResult(merged, extra.errors))
    return 200, encode({"data": merged})


def _introspect(core: CoreApi, document: Any, op: Operation, operation_name: str | None,
                variables: dict[str, Any] | None, keys: set[str]) -> ExecutionResult:
    """Execute only the introspection root fields of the operation with graphql-core (synchronously)."""
    node = copy.copy(op.node)
    selections = [s for s in node.selection_set.selections
                  if isinstance(s, FieldNode) and (s.alias.value if s.alias else s.name.value) in keys]
    node.selection_set = SelectionSetNode(selections=tuple(selections))
    doc = copy.copy(document)
    doc.definitions = tuple(node if d is op.node else d for d in document.definitions)
    result = execute(core.schema, doc, operation_name=operation_name, variable_values=variables)
    assert isinstance(result, ExecutionResult)
    return result


async def _mutate(registry: Registry, principal: Principal, model: WorkspaceModel, core: CoreApi,
                  op: Operation) -> bytes:
    """Each mutation root field in order: plan, compile, commit through the write queue."""
    root = core.schema.mutation_type
    assert isinstance(root, GraphQLObjectType)
    planner = Planner(model.metadata, core.schema, op)
    parts: list[bytes] = []
    errors: list[dict[str, Any]] = []
    for key, nodes in op.fields(op.node.selection_set, "Mutation").items():
        name = nodes[0].name.value
        if name == "__typename":
            parts.append(encode(key) + b':"Mutation"')
            continue
        kind, obj_name = core.roots[name]
        obj = model.metadata.objects[obj_name]
        try:
            args = get_argument_values(root.fields[name], nodes[0], op.variables)
            node = planner.node(obj, nodes, 1) if nodes[0].selection_set else None
            record = core.records[obj_name]
            verb, _, arity = kind.partition("_")
            single = arity == "one"
            if verb == "create":
                items = [args["data"]] if single else list(args["data"])
                write: Any = plan_create(obj, items, node, record, single=single)
            elif verb == "update":
                ids = [args["id"]] if single else list(args["ids"])
                write = plan_update(obj, ids, args["data"], node, record, single=single)
            else:
                ids = [args["id"]] if single else list(args["ids"])
                write = plan_state_change(obj, ids, verb, node, record, single=single)
            statements = compile_write_statements(model.metadata.schema_name, write)
            rows = await registry.call(principal.workspace_id, RunWrite(statements=statements))
            value = rows[-1][0][0] if rows and rows[-1] else None  # the last statement answers
            if value is None:
                if single:
                    raise NotFoundError(f"{obj.label_singular} not found")
                value = "[]"
            parts.append(encode(key) + b":" + value.encode())
        except TwentyError as exc:
            if isinstance(exc, ServiceUnavailableError) and not parts:
                raise  # nothing was done: answer 503 with Retry-After, so clients retry the whole request
            errors.append(twenty_error(exc, [key]))
            parts.append(encode(key) + b":null")
    data = b"{" + b",".join(parts) + b"}"
    if errors:
        return b'{"errors":' + encode(errors) + b',"data":' + data + b"}"
    return b'{"data":' + data + b"}"
