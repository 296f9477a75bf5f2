"""``POST /graphql``: plan the operation, compile it to SQL, run it through the workspace actor.

A query becomes one SQL statement for all its root fields (one round trip, JSON built by
PostgreSQL and passed through as bytes). Each mutation root field becomes one statement that
goes through the actor's write queue, in document order.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import msgspec
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLObjectType,
    OperationType,
    SelectionSetNode,
    execute,
)
from graphql.execution.values import get_argument_values
from twenty_storage.compile import compile_read, compile_reads
from twenty_storage.compile_write import compile_write_statements

from ..errors import ForbiddenError, NotFoundError, ServiceUnavailableError, TwentyError, ValidationError
from ..metadata.model import CoreApi, WorkspaceModel
from ..planning import (
    MATCHED,
    Plan,
    bind,
    make_plan,
    match_filter,
    plan_create,
    plan_filter,
    plan_match,
    plan_state_change,
    plan_update,
)
from ..workspace.messages import RunRead
from .endpoint import RejectedRequest, prepare, result_body
from .planner import Planner
from .plans import shape_variables
from .request import GraphQLRequest
from .response import encode, twenty_error
from .selection import Operation

if TYPE_CHECKING:
    from ..caller import Caller


_COMPILED_READS = 256  # per workspace and metadata version
_MAX_CACHED_BODY = 8192


class QueryPlan(msgspec.Struct, frozen=True):
    """A query's reads (one statement for all root fields), and the root fields graphql-core answers."""

    plan: Plan | None
    introspection: frozenset[str]
    complete: bool  # every root field is a read: the statement's JSON is the whole answer


class CorePlan:
    """A core request, planned: its operation and either the query's plan or the mutation's steps.

    ``error`` is the error planning a query gave (answered as a GraphQL error, with no data).
    """

    __slots__ = ("document", "error", "op", "query", "request", "steps")

    def __init__(self, request: GraphQLRequest, document: DocumentNode, op: Operation, *,
                 query: QueryPlan | None = None, steps: list[MutationStep] | None = None,
                 error: TwentyError | None = None) -> None:
        self.request = request
        self.document = document
        self.op = op
        self.query = query
        self.steps = steps
        self.error = error


def plan_core_request(model: WorkspaceModel, body: bytes) -> CorePlan:
    """Decode, validate and plan one core request (pure; the plan is made once per request shape).

    The plan is kept by document, operation and the shape of the variables (which are given, and the
    few values that change the SQL); every other value is bound per request (``bind``).

    Raises:
        RejectedRequest: the document does not parse or validate, the variables do not fit, or the
            operation is a subscription.
        ValidationError: the body is not a GraphQL request.
    """
    core = model.core
    request, document, op = prepare(core.documents, body)
    shaped, shape = shape_variables(core.schema, op.node, op.variables)
    key = (op.node.operation.value, request.query, request.operation_name, shape)
    if op.node.operation == OperationType.MUTATION:
        steps = core.plans.get(key)
        if steps is None:
            steps = _plan_mutation(model, core, op, shaped)
            core.plans.put(key, steps)
        return CorePlan(request, document, op, steps=steps)
    if op.node.operation != OperationType.QUERY:
        error = {"message": "Subscriptions are served on /ws", "extensions": {"code": "BAD_USER_INPUT"}}
        raise RejectedRequest(400, encode({"errors": [error], "data": None}))
    entry = core.plans.get(key)
    if entry is None:
        try:
            entry = _plan_query(model, core, op, shaped, op.fields(op.node.selection_set, "Query"))
        except TwentyError as exc:
            return CorePlan(request, document, op, error=exc)
        core.plans.put(key, entry)
    return CorePlan(request, document, op, query=entry)


async def run_core_request(caller: Caller, body: bytes) -> tuple[int, bytes]:
    """The HTTP status and body answering one core GraphQL request."""
    model = caller.model
    core = model.core
    # a key with a role is checked on the planned operation: never answered from the body cache
    cached = core.compiled_reads.get(body) if caller.unrestricted else None
    if cached is not None:
        core.compiled_reads.move_to_end(body)
        data = await caller.call(RunRead(sql=cached[0], params=cached[1]))
        return 200, b'{"data":' + data + b"}"
    try:
        planned = plan_core_request(model, body)
    except RejectedRequest as rejected:
        return rejected.status, rejected.body
    op = planned.op
    try:
        caller.authorize_core(op)
    except ForbiddenError as exc:  # nothing is read or written
        return 200, encode({"errors": [twenty_error(exc)], "data": None})
    if planned.steps is not None:
        return 200, await _mutate(caller, op, planned.steps)
    entry = planned.query
    try:
        if planned.error is not None:
            raise planned.error
        assert entry is not None
        statements = bind(entry.plan, op.variables) if entry.plan is not None else []
    except TwentyError as exc:
        return 200, encode({"errors": [twenty_error(exc)], "data": None})
    data = b"{}"
    if statements:
        sql, params = statements[0]
        data = await caller.call(RunRead(sql=sql, params=params))
    if entry.complete:
        if statements and len(body) <= _MAX_CACHED_BODY:
            core.compiled_reads[body] = (sql, params)
            if len(core.compiled_reads) > _COMPILED_READS:
                core.compiled_reads.popitem(last=False)
        return 200, b'{"data":' + data + b"}"
    # introspection and __typename: graphql-core answers those, then the answers are merged in order
    request = planned.request
    introspection = set(entry.introspection)
    extra = _introspect(core, planned.document, op, request.operation_name, request.variables, introspection)
    fetched = msgspec.json.decode(data)
    merged: dict[str, Any] = {}
    for key, nodes in op.fields(op.node.selection_set, "Query").items():
        if key in introspection:
            merged[key] = (extra.data or {}).get(key)
        elif nodes[0].name.value == "__typename":
            merged[key] = "Query"
        else:
            merged[key] = fetched.get(key)
    if extra.errors:
        return 200, result_body(ExecutionResult(merged, extra.errors))
    return 200, encode({"data": merged})


def _plan_query(model: WorkspaceModel, core: CoreApi, op: Operation, shaped: dict[str, Any],
                fields: dict[str, list[FieldNode]]) -> QueryPlan:
    """Plan and compile the reads of a query; its values stay slots, bound per request."""
    root = core.schema.query_type
    assert root is not None
    introspection = frozenset(k for k, n in fields.items() if n[0].name.value in ("__schema", "__type"))
    data_keys = [k for k in fields if k not in introspection]
    planner = Planner(model.metadata, core.schema, op, shaped)
    reads: list[tuple[str, Any]] = []
    for key in data_keys:
        nodes = fields[key]
        name = nodes[0].name.value
        if name not in core.roots:  # __typename, or the placeholder of a schema without objects
            continue
        kind, obj_name = core.roots[name]
        obj = model.metadata.objects[obj_name]
        args = get_argument_values(root.fields[name], nodes[0], shaped)
        if kind == "find_many":
            reads.append((key, planner.connection(obj, nodes, args, 1)))
        else:
            reads.append((key, planner.find_one(obj, nodes, args)))
    plan = make_plan([compile_reads(model.metadata.schema_name, reads)]) if reads else None
    return QueryPlan(plan, introspection, not introspection and len(reads) == len(data_keys))


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


class MutationStep(msgspec.Struct, frozen=True):
    """One root field of a mutation: its plan, or the error planning it gave (values are bound later)."""

    key: str
    plan: Plan | None = None
    error: TwentyError | None = None
    single: bool = True
    label: str = ""
    verb: str = ""
    match: Plan | None = None  # a write by filter reads the ids it changes first (plan_match)


def _plan_mutation(model: WorkspaceModel, core: CoreApi, op: Operation,
                   shaped: dict[str, Any]) -> list[MutationStep]:
    """Plan and compile each root field of a mutation, in document order."""
    root = core.schema.mutation_type
    assert isinstance(root, GraphQLObjectType)
    planner = Planner(model.metadata, core.schema, op, shaped)
    steps: list[MutationStep] = []
    for key, nodes in op.fields(op.node.selection_set, "Mutation").items():
        name = nodes[0].name.value
        if name == "__typename":
            steps.append(MutationStep(key))
            continue
        kind, obj_name = core.roots[name]
        obj = model.metadata.objects[obj_name]
        verb, _, arity = kind.partition("_")
        single = arity == "one"
        try:
            args = get_argument_values(root.fields[name], nodes[0], shaped)
            node = planner.node(obj, nodes, 1) if nodes[0].selection_set else None
            record = core.records[obj_name]
            schema_name = model.metadata.schema_name
            ids: Any = None
            where, match = None, None
            if verb != "create":
                ids = [args["id"]] if single else args.get("ids")
            if verb != "create" and not single:
                if (ids is None) == (args.get("filter") is None):
                    message = f"{name} takes either ids or filter"
                    raise ValidationError(message, details=[{"field": "filter", "message": message}])
                if ids is None:
                    where = match_filter(plan_filter(model.metadata, obj, args["filter"], top=False), verb)
                    match = make_plan([compile_read(schema_name, plan_match(obj, where))])
                    ids = MATCHED
            if verb == "create":
                items = [args["data"]] if single else list(args["data"])
                upsert = bool(args.get("upsert"))
                write: Any = plan_create(obj, items, node, record, single=single, upsert=upsert)
            elif verb == "update":
                write = plan_update(obj, ids, args["data"], node, record, single=single, where=where)
            else:
                write = plan_state_change(obj, ids, verb, node, record, single=single, where=where)
            plan = make_plan(compile_write_statements(schema_name, write))
            steps.append(MutationStep(key, plan, single=single, label=obj.label_singular, verb=verb,
                                      match=match))
        except TwentyError as exc:
            steps.append(MutationStep(key, error=exc))
    return steps


async def _mutate(caller: Caller, op: Operation, steps: list[MutationStep]) -> bytes:
    """Each mutation root field in order: bind its plan to the request, commit through the write queue."""
    parts: list[bytes] = []
    errors: list[dict[str, Any]] = []
    for step in steps:
        key = step.key
        if step.plan is None and step.error is None:
            parts.append(encode(key) + b':"Mutation"')
            continue
        try:
            if step.error is not None:
                raise step.error
            assert step.plan is not None
            rows = await caller.write(step.plan, op.variables, match=step.match, verb=step.verb,
                                      label=step.label)
            value = rows[-1][0][0] if rows and rows[-1] else None  # the last statement answers
            if value is None:
                if step.single:
                    raise NotFoundError(f"{step.label} not found")
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
