"""Golden SQL: each request in ``cases/`` beside the SQL text and the parameters it compiles to.

A case is a GraphQL document (``<name>.graphql``) or REST requests (``<name>.rest``), planned and
compiled by the real front ends (``plan_core_request``, ``twenty_actors.rest.*_plan``) against a new
workspace's standard objects, then bound to the request's values. Beside it:

- ``<name>.sql``: the statements, laid out one clause per line (``layout``: only spaces between tokens
  become line breaks, so the text sent to PostgreSQL is the file's lines joined by single spaces);
- ``<name>.json``: for each request, its input and the parameters of each statement.

Requests of one case differ only in values, so they must share one plan: the test checks that they
compile to the same SQL text, and that only the first one missed the plan cache.

Case files:

- ``.graphql``: the document, after ``# variables: {...}`` lines (one request each; none: one request
  without variables) and an optional ``# operation: Name``;
- ``.rest``: requests as ``METHOD /rest/...`` lines, each followed by its JSON body, if any.

When a change to the planner or compiler changes the SQL on purpose, regenerate the files and review the
diff::

    TWENTY_UPDATE_GOLDEN=1 pytest -p no:cacheprovider tests/planning/test_golden.py

(``UPDATE_GOLDEN=1`` works too.) Never in CI: there, a difference fails the test with a diff.
"""

from __future__ import annotations

import difflib
import os
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pytest

from twenty_actors import rest
from twenty_actors.graphql.core_endpoint import plan_core_request
from twenty_actors.graphql.endpoint import RejectedRequest
from twenty_actors.metadata.model import WorkspaceModel
from twenty_actors.planning import Binder, Plan, bind, with_matched
from twenty_actors.rest._records import rest_cache

from .conftest import standard_model

CASES = Path(__file__).parent / "cases"
UPDATE = bool(os.environ.get("TWENTY_UPDATE_GOLDEN") or os.environ.get("UPDATE_GOLDEN"))
Statement = tuple[str, list[Any]]

# --- layout -----------------------------------------------------------------------------------

_BREAK_BEFORE = ("FROM ", "WHERE ", "ORDER BY ", "LIMIT ", "OFFSET ", "RETURNING ", "SELECT ", "UPDATE ",
                 "INSERT INTO ", "DELETE FROM ", "JOIN ", "SET ")


def layout(text: str) -> str:
    """The statement with a line break (indented by parenthesis depth) before its clauses and subqueries.

    Only a space outside quotes becomes a break, so ``unlayout`` gives the text back exactly.
    """
    out: list[str] = []
    depth, i, quote = 0, 0, ""
    while i < len(text):
        c = text[i]
        if quote:
            out.append(c)
            if c == "\\" and quote == "E'":
                out.append(text[i + 1])
                i += 2
                continue
            if c == quote[-1]:
                quote = ""
            i += 1
            continue
        if c == "'":
            quote = "E'" if text[i - 1:i] == "E" else "'"
        elif c == '"':
            quote = '"'
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == " " and (text.startswith(_BREAK_BEFORE, i + 1) or
                           (text.startswith("(SELECT ", i + 1) and text[i - 1:i] == ",")):
            out.append("\n" + "  " * depth)
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def unlayout(text: str) -> str:
    """The statement ``layout`` laid out."""
    return " ".join(line.lstrip(" ") for line in text.split("\n"))


def render(steps: list[tuple[str, list[Statement]]]) -> str:
    """The ``.sql`` file: each step's statements, laid out, after a comment naming the step."""
    parts = []
    for label, statements in steps:
        for n, (text, _) in enumerate(statements, 1):
            assert unlayout(layout(text)) == text, "layout() must keep the statement text"
            head = f"-- {label}" + (f" (statement {n} of {len(statements)})" if len(statements) > 1 else "")
            parts.append(f"{head}\n{layout(text)};\n")
    return "\n".join(parts)


# --- requests ---------------------------------------------------------------------------------

def _ids() -> Any:
    """Ids for created records, counted from 1: the files do not change from run to run."""
    count = 0

    def new_id() -> str:
        nonlocal count
        count += 1
        return str(uuid.UUID(int=(7 << 76) | (2 << 62) | count))

    return new_id


def _bind(plan: Plan, variables: dict[str, Any]) -> list[Statement]:
    return bind(plan, variables, Binder(variables, new_id=_ids()))


def graphql_requests(source: str) -> tuple[str, str | None, list[dict[str, Any] | None]]:
    """The document, its operation name, and the variables of each request of a ``.graphql`` case."""
    variables: list[dict[str, Any] | None] = []
    operation = None
    for line in source.splitlines():
        if line.startswith("# variables:"):
            variables.append(msgspec.json.decode(line.removeprefix("# variables:")))
        elif line.startswith("# operation:"):
            operation = line.removeprefix("# operation:").strip()
    return source, operation, variables or [None]


def run_graphql(model: WorkspaceModel, query: str, operation: str | None,
                variables: dict[str, Any] | None) -> list[tuple[str, list[Statement]]]:
    """The bound statements of one GraphQL request, by root field (a query: one statement for all)."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation is not None:
        body["operationName"] = operation
    try:
        planned = plan_core_request(model, msgspec.json.encode(body))
    except RejectedRequest as rejected:
        raise AssertionError(rejected.body.decode()) from None
    values = planned.op.variables
    if planned.error is not None:
        raise planned.error
    if planned.steps is not None:
        out = []
        for step in planned.steps:
            if step.error is not None:
                raise step.error
            if step.plan is None:
                continue
            bound = values
            if step.match is not None:  # by filter: the ids are read first, then written
                out.append((f"mutation {step.key}: the ids it matches", _bind(step.match, values)))
                bound = with_matched(values, msgspec.json.encode([_ids()() for _ in range(2)]), step.verb, "")
            out.append((f"mutation {step.key}", _bind(step.plan, bound)))
        return out
    assert planned.query is not None
    assert planned.query.plan is not None
    return [("query", _bind(planned.query.plan, values))]


_REQUEST = re.compile(r"^(GET|POST|PATCH|DELETE) (/rest/\S+)$")


def rest_requests(source: str) -> list[tuple[str, str, bytes]]:
    """(method, path with query string, body) of each request of a ``.rest`` case."""
    out: list[tuple[str, str, list[str]]] = []
    for line in source.splitlines():
        match = _REQUEST.match(line)
        if match:
            out.append((match[1], match[2], []))
        elif line.strip() and not line.startswith("#"):
            out[-1][2].append(line)
    return [(method, target, "\n".join(body).encode()) for method, target, body in out]


def run_rest(model: WorkspaceModel, method: str, target: str,
             body: bytes) -> list[tuple[str, list[Statement]]]:
    """The bound statements of one REST request, planned as the REST endpoints plan it."""
    url = urlsplit(target)
    query = url.query.encode()
    parts = url.path.removeprefix("/rest/").split("/")
    match method, parts:
        case "GET", [plural]:
            planned = rest.list_plan(model, plural, query)
        case "GET", [plural, record_id]:
            planned = rest.get_plan(model, plural, record_id, query)
        case "POST", ["batch", plural]:
            planned = rest.create_many_plan(model, plural, body, query)
        case "POST", [plural]:
            planned = rest.create_plan(model, plural, body, query)
        case "PATCH", [plural, record_id]:
            planned = rest.update_plan(model, plural, record_id, body)
        case "DELETE", [plural, record_id]:
            planned = rest.delete_plan(model, plural, record_id, query)
        case _:
            raise AssertionError(f"not a REST request: {method} {target}")
    return [(f"{method} {url.path}", _bind(planned.plan, planned.variables))]


# --- the test ---------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\$(\d+)")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _check_values_are_parameters(given: Any, steps: list[tuple[str, list[Statement]]]) -> None:
    """Each statement numbers exactly its parameters, and no string a request sends is in its text."""
    # (``is: NULL`` is a shape, written as IS NULL)
    sent = [v for v in _strings(given if isinstance(given, dict) else {})
            if len(v) >= 3 and v not in ("NULL", "NOT_NULL")]
    for _, statements in steps:
        for text, params in statements:
            assert {int(n) for n in _PLACEHOLDER.findall(text)} == set(range(1, len(params) + 1))
            assert not [v for v in sent if v in text], "a value of the request is in the SQL text"

def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.suffix in (".graphql", ".rest"))


def _compare(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual)
        return
    expected = path.read_text() if path.exists() else ""
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"{path.name} (checked in)", f"{path.name} (compiled now)"))
        pytest.fail(f"{path.name} differs from what the case compiles to "
                    f"(TWENTY_UPDATE_GOLDEN=1 regenerates it):\n{diff}", pytrace=False)


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def render_params(key: str, runs: list[tuple[Any, list[tuple[str, list[Statement]]]]]) -> str:
    """The ``.json`` file: per request, what it gave and one line of parameters per statement."""
    items = []
    for given, steps in runs:
        params = ",\n".join("    " + _json(p) for _, statements in steps for _, p in statements)
        items.append(f'  {{"{key}": {_json(given)},\n   "params": [\n{params}\n  ]}}')
    return "[\n" + ",\n".join(items) + "\n]\n"


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_golden(case: Path) -> None:
    """The case compiles to its .sql and .json; all its requests share one plan and one SQL text."""
    model = standard_model()
    source = case.read_text()
    runs: list[tuple[Any, list[tuple[str, list[Statement]]]]] = []
    if case.suffix == ".graphql":
        query, operation, requests = graphql_requests(source)
        for variables in requests:
            runs.append((variables, run_graphql(model, query, operation, variables)))
        cache = model.core.plans
    else:
        for method, target, body in rest_requests(source):
            request = f"{method} {target}" + (f" {body.decode()}" if body else "")
            runs.append((request, run_rest(model, method, target, body)))
        cache = rest_cache(model).plans
    for given, steps in runs:
        _check_values_are_parameters(given, steps)
    first = runs[0][1]
    for _, steps in runs[1:]:
        assert [[text for text, _ in s] for _, s in steps] == [[text for text, _ in s] for _, s in first], \
            "requests that differ only in values must compile to the same SQL text"
    assert (cache.misses, cache.hits) == (1, len(runs) - 1), "one plan for the case's shape, then cache hits"
    _compare(case.with_suffix(".sql"), render(first))
    rendered = render_params("variables" if case.suffix == ".graphql" else "request", runs)
    msgspec.json.decode(rendered)  # the file is JSON
    _compare(case.with_suffix(".json"), rendered)


def test_layout_keeps_the_text() -> None:
    """A laid-out statement joins back to the exact text, quotes and all."""
    text = ("SELECT json_build_object('from', t1.\"x\") FROM \"s\".\"t\" t1 WHERE t1.\"a\" = E' FROM \\' x' "
            "AND t1.\"b\" LIKE ' WHERE ''q'' ' ORDER BY t1.\"id\" LIMIT $1::int")
    laid = layout(text)
    assert unlayout(laid) == text
    for clause in ("\nFROM", "\nWHERE", "\nORDER BY"):
        assert clause in laid
    for quoted in ("' FROM \\' x'", "' WHERE ''q'' '"):
        assert quoted in laid
