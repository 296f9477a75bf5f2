"""Bad input: generated GraphQL documents and malformed requests never get a 5xx or leave the error envelopes.

GraphQL documents come from the live schemas (hypothesis-graphql): valid queries and mutations, invalid
ones (its negative mode), and valid ones broken at a random spot. REST requests are hand-made malformed
bodies, paths and query strings. Then the classic nasties: invalid UTF-8, JSON nested 10,000 deep,
numbers beyond int64 and float, bodies over the limit, NUL bytes, unicode, and SQL-looking strings,
which must be stored and read back verbatim.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from graphql import (
    GraphQLScalarType,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    specified_scalar_types,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import Account, Server
from ._proc import full, open_server_process, report, sign_up

GRAPHQL_CODES = {
    "BAD_USER_INPUT",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "CONFLICT",
    "RATE_LIMIT_EXCEEDED",
    "PAYLOAD_TOO_LARGE",
    "TIMEOUT",
    "BAD_REQUEST",
}
REST_CODES = {
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "VALIDATION_ERROR",
    "CONFLICT",
    "RATE_LIMIT_EXCEEDED",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "METHOD_NOT_ALLOWED",
}
LEAKS = ("Traceback", 'File "/', "asyncpg", "psycopg", "syntax error at or near")


def check_graphql(response: httpx.Response, tally: Counter[str]) -> dict[str, Any]:
    """A GraphQL answer: no 5xx, the documented shape, known codes, nothing leaked."""
    assert response.status_code < 500, response.text
    assert not any(leak in response.text for leak in LEAKS), response.text
    body = response.json()
    assert isinstance(body, dict) and "data" in body and set(body) <= {"data", "errors"}, body
    for error in body.get("errors", []):
        assert isinstance(error["message"], str) and error["message"], error
        assert error["extensions"]["code"] in GRAPHQL_CODES, error
        tally[error["extensions"]["code"]] += 1
    if response.status_code != 200:
        assert body["errors"] and body["data"] is None, body
    tally[str(response.status_code)] += 1
    return body


def check_rest(response: httpx.Response, tally: Counter[str]) -> Any:
    """A REST answer: no 5xx; an error is API.md's envelope with a documented code and its own status."""
    assert response.status_code < 500, response.text
    assert not any(leak in response.text for leak in LEAKS), response.text
    body = response.json()
    if response.status_code >= 400:
        error = body["error"]
        assert error["code"] in REST_CODES and error["statusCode"] == response.status_code, body
        assert isinstance(error["message"], str) and error["message"]
        tally[error["code"]] += 1
    tally[str(response.status_code)] += 1
    return body


def _custom_scalars(schema: GraphQLSchema) -> dict[str, st.SearchStrategy[Any]]:
    """Values for the schema's own scalars: mostly right for the type (so documents reach the planner, the
    compiler and PostgreSQL), sometimes any scalar at all (so the scalars' parsers get wrong input too)."""
    from hypothesis_graphql import nodes

    right: dict[str, st.SearchStrategy[Any]] = {
        "UUID": st.uuids().map(str).map(nodes.String),
        "DateTime": st.datetimes().map(lambda d: d.isoformat() + "Z").map(nodes.String),
        "Date": st.dates().map(str).map(nodes.String),
        "BigFloat": st.one_of(
            st.integers(-(2**70), 2**70).map(nodes.Int),
            st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        ),
        "OrderByDirection": st.sampled_from(
            ["Asc", "Desc", "AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast"]
        ).map(nodes.Enum),
        "FilterIs": st.sampled_from(["NULL", "NOT_NULL"]).map(nodes.String),
        "JSON": st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: (
                st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=5,
        ).map(lambda v: nodes.String(json.dumps(v))),
    }
    anything = st.one_of(
        st.text(max_size=20).map(nodes.String),
        st.integers(min_value=-(2**70), max_value=2**70).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.booleans().map(nodes.Boolean),
    )
    return {
        name: st.one_of(*[right.get(name, anything)] * 9, anything)
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLScalarType) and name not in specified_scalar_types
    }


_JUNK = ["{", "}", "(", ")", ":", "$", "!", "...", "@", '"', "\\u0000", "#", "[", "]", "=", "\x00", "\\ud800"]


def _break(document: str, spot: int, how: int) -> str:
    """A document broken at one spot: cut short there, a character dropped, or junk put in."""
    spot %= max(1, len(document))
    if how == 0:
        return document[:spot]
    if how == 1:
        return document[:spot] + document[spot + 1 :]
    return document[:spot] + _JUNK[how % len(_JUNK)] + document[spot:]


def _documents(core: GraphQLSchema, metadata: GraphQLSchema) -> st.SearchStrategy[tuple[str, str]]:
    """(path, document): valid queries and mutations from the live schemas, and invalid ones."""
    from hypothesis_graphql import Mode, mutations, queries

    core_scalars, meta_scalars = _custom_scalars(core), _custom_scalars(metadata)
    return st.one_of(
        queries(core, custom_scalars=core_scalars).map(lambda d: ("/graphql", d)),
        mutations(core, custom_scalars=core_scalars).map(lambda d: ("/graphql", d)),
        queries(metadata, custom_scalars=meta_scalars).map(lambda d: ("/metadata", d)),
        queries(core, custom_scalars=core_scalars, mode=Mode.NEGATIVE).map(lambda d: ("/graphql", d)),
        mutations(metadata, custom_scalars=meta_scalars, mode=Mode.NEGATIVE).map(lambda d: ("/metadata", d)),
    )


async def _schema(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> GraphQLSchema:
    """A live schema, as its introspection describes it."""
    response = await client.post(path, json={"query": get_introspection_query()}, headers=headers)
    assert response.status_code == 200, response.text
    return build_client_schema(response.json()["data"])


async def test_generated_graphql_documents(pg_dsn: str, tmp_path: Path) -> None:
    # the server runs in its own process: generating documents is CPU-heavy, and would starve it of the GIL
    async with (
        open_server_process(pg_dsn, tmp_path) as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as client,
    ):
        account = await sign_up(client, "Fuzz")
        headers = {"Authorization": f"Bearer {account['accessToken']}"}
        created = await client.post(
            "/graphql",
            headers=headers,
            json={
                "query": 'mutation { createCompanies(data: [{name: "Fuzz"}, {name: "Buzz", employees: 3}]) '
                "{ id } }"
            },
        )
        assert created.status_code == 200 and "errors" not in created.json()
        strategy = _documents(
            await _schema(client, "/graphql", headers), await _schema(client, "/metadata", headers)
        )
        examples = 1000 if full() else 80
        tally: Counter[str] = Counter()
        cases = 0

        def run() -> None:
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:

                @given(
                    case=strategy,
                    breaks=st.lists(
                        st.tuples(st.integers(0, 10**6), st.integers(0, 40)), min_size=3, max_size=3
                    ),
                )
                @settings(
                    max_examples=examples,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                def exercise(case: tuple[str, str], breaks: list[tuple[int, int]]) -> None:
                    nonlocal cases
                    path, document = case
                    # each generated document, then three copies of it broken somewhere
                    for text in [document, *(_break(document, spot, how) for spot, how in breaks)]:
                        cases += 1
                        check_graphql(http.post(path, json={"query": text}), tally)

                exercise()

        with trio.fail_after(240):
            await trio.to_thread.run_sync(run)
    report(
        "fuzz_graphql", cases=cases, generated=examples, server_errors=0, answers=dict(sorted(tally.items()))
    )


NASTY_STRINGS = [
    "Robert'); DROP TABLE company;--",
    "1' OR '1'='1",
    "'; SELECT pg_sleep(10); --",
    '" OR ""="',
    "$1",
    "%s%s%n",
    "\\x00",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "<script>alert(1)</script>",
    "Zoë 👩‍💻 日本語 עברית",
    "\u202e\u200b\ufeff",
    "\U0010ffff",
    "a" * 5000,
    "😀" * 1000,
]


async def test_sql_looking_and_unicode_strings_are_stored_verbatim(
    client: httpx.AsyncClient, account: Account
) -> None:
    tally: Counter[str] = Counter()
    for text in NASTY_STRINGS:
        body = check_graphql(
            await client.post(
                "/graphql",
                headers=account.headers,
                json={
                    "query": "mutation($n: String) { createCompany(data: {name: $n}) { id name } }",
                    "variables": {"n": text},
                },
            ),
            tally,
        )
        assert body["data"]["createCompany"]["name"] == text
        company_id = body["data"]["createCompany"]["id"]
        # and in every filter, through both APIs: found exactly, never executed
        for flt in (
            {"name": {"eq": text}},
            {"name": {"like": text}},
            {"name": {"ilike": text}},
            {"name": {"startsWith": text}},
            {"name": {"in": [text]}},
        ):
            found = check_graphql(
                await client.post(
                    "/graphql",
                    headers=account.headers,
                    json={
                        "query": "query($f: CompanyFilterInput) { companies(filter: $f) "
                        "{ edges { node { id name } } } }",
                        "variables": {"f": flt},
                    },
                ),
                tally,
            )
            names = [e["node"]["name"] for e in found["data"]["companies"]["edges"]]
            assert "like" in json.dumps(flt) or names == [text], (flt, names)
        rest = check_rest(await client.get(f"/rest/companies/{company_id}", headers=account.headers), tally)
        assert rest["data"]["name"] == text
        listed = check_rest(
            await client.get("/rest/companies", headers=account.headers, params={"filter[name][eq]": text}),
            tally,
        )
        assert [c["name"] for c in listed["data"]] == [text]
        patched = check_rest(
            await client.patch(
                f"/rest/companies/{company_id}", headers=account.headers, json={"industry": text}
            ),
            tally,
        )
        assert patched["data"]["industry"] == text
    for query in (
        '{ companies(filter: {name: {eq: "x\' OR 1=1 --"}}) { totalCount } }',
        '{ companies(orderBy: [{name: "AscNullsFirst; DROP TABLE company"}]) { totalCount } }',
    ):
        check_graphql(await client.post("/graphql", headers=account.headers, json={"query": query}), tally)
    report(
        "fuzz_strings",
        strings=len(NASTY_STRINGS),
        stored_verbatim=len(NASTY_STRINGS),
        answers=dict(sorted(tally.items())),
    )


def _deep_json(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


MALFORMED_BODIES: list[tuple[str, bytes]] = [
    ("invalid utf-8", b'{"query": "{ companies { totalCount } }", "x": "\xff\xfe\xc3\x28"}'),
    (
        "invalid utf-8 in the query",
        b'{"query": "{ companies(filter: {name: {eq: \\"\xc3\x28\\"}}) { totalCount } }"}',
    ),
    ("deep json", _deep_json(10_000)),
    ("deep arrays", b"[" * 10_000 + b"]" * 10_000),
    ("not json", b"{query: companies}"),
    ("truncated", b'{"query": "{ companies { tot'),
    ("json null", b"null"),
    ("json array", b"[]"),
    ("json string", b'"{ companies { totalCount } }"'),
    ("empty", b""),
    ("nul bytes", b'{"query": "{ companies { totalCount } }\x00"}'),
    ("escaped nul", b'{"query": "{ companies { totalCount } }\\u0000"}'),
    ("lone surrogate", b'{"query": "\\ud800"}'),
    ("huge int", b'{"query": "{ companies { totalCount } }", "variables": {"n": ' + b"9" * 5000 + b"}}"),
    ("wrong types", b'{"query": 12, "variables": "x", "operationName": []}'),
]


async def test_malformed_bodies(client: httpx.AsyncClient, account: Account) -> None:
    tally: Counter[str] = Counter()
    headers = {**account.headers, "Content-Type": "application/json"}
    for name, body in MALFORMED_BODIES:
        for path in ("/graphql", "/metadata"):
            response = await client.post(path, content=body, headers=headers)
            assert response.status_code == 400, (name, path, response.text)
            check_graphql(response, tally)
        for path in (
            "/rest/companies",
            "/rest/batch/companies",
            "/auth/login",
            "/auth/signup",
            "/auth/refresh",
        ):
            response = await client.post(path, content=body, headers=headers)
            assert response.status_code in (400, 401), (name, path, response.text)
            check_rest(response, tally)
    report(
        "fuzz_bodies",
        bodies=len(MALFORMED_BODIES),
        requests=sum(v for k, v in tally.items() if k.isdigit()),
        answers=dict(sorted(tally.items())),
    )


@pytest.mark.parametrize(
    "literal",
    [
        str(2**63),
        str(-(2**63) - 1),
        "1" + "0" * 400,
        "1e999",
        "-1e999",
        "1e-400",
        "123456789012345678901234567890.5",
    ],
)
async def test_numbers_beyond_int64_and_float(
    client: httpx.AsyncClient, account: Account, literal: str
) -> None:
    """Refused with 400, or stored as exactly the number a double holds: never a 5xx, never a wrong value."""
    tally: Counter[str] = Counter()
    as_float = float(literal)  # inf for the ones beyond a double
    json_headers = {**account.headers, "Content-Type": "application/json"}
    for payload in (
        f'{{"query": "mutation {{ createCompany(data: {{employees: {literal}}}) {{ employees }} }}"}}',
        f'{{"query": "mutation($n: Float) {{ createCompany(data: {{employees: $n}}) {{ employees }} }}", '
        f'"variables": {{"n": {literal}}}}}',
    ):
        body = check_graphql(
            await client.post("/graphql", content=payload.encode(), headers=json_headers), tally
        )
        if not body.get("errors"):
            assert body["data"]["createCompany"]["employees"] == as_float != float("inf"), body
        else:
            assert body["data"] in (None, {"createCompany": None}), body
    for path, payload in (
        ("/rest/companies", f'{{"employees": {literal}}}'),
        ("/rest/companies", f'{{"annualRecurringRevenue": {{"amountMicros": {literal}}}}}'),
        ("/rest/batch/companies", f'[{{"employees": {literal}}}]'),
    ):
        response = await client.post(path, content=payload.encode(), headers=json_headers)
        answer = check_rest(response, tally)
        if response.status_code < 300 and "employees" in payload:
            record = answer["data"][0] if isinstance(answer["data"], list) else answer["data"]
            assert record["employees"] == as_float != float("inf"), answer
    for query in (
        f"filter[employees][gt]={literal}",
        f"limit={literal}",
        f"offset={literal}",
        f"filter[annualRecurringRevenue.amountMicros][gte]={literal}",
    ):
        check_rest(await client.get(f"/rest/companies?{query}", headers=account.headers), tally)
    flt = check_graphql(
        await client.post(
            "/graphql",
            content=(
                f'{{"query": "{{ companies(first: 1, filter: {{employees: {{gt: {literal}}}}}) '
                f'{{ totalCount }} }}"}}'
            ).encode(),
            headers=json_headers,
        ),
        tally,
    )
    assert flt.get("errors") or flt["data"]["companies"]["totalCount"] >= 0


async def test_bodies_over_the_limit_and_odd_requests(
    server: Server, client: httpx.AsyncClient, account: Account
) -> None:
    tally: Counter[str] = Counter()
    limit = server.services.settings.max_body_bytes
    ten_mb = b'{"query": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    for path in ("/graphql", "/metadata", "/rest/companies", "/auth/login"):
        response = await client.post(
            path, content=ten_mb, headers={**account.headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 413, (path, response.status_code)
        (check_graphql if path in ("/graphql", "/metadata") else check_rest)(response, tally)
    # a string just under the limit: a clear 400 (too long for the field), not a crash
    near = json.dumps({"name": "x" * (limit - 100)}).encode()
    check_rest(
        await client.post(
            "/rest/companies", content=near, headers={**account.headers, "Content-Type": "application/json"}
        ),
        tally,
    )
    odd = [
        ("GET", "/rest/companies?filter[name][eq]=%00"),
        ("GET", "/rest/companies?filter=%ff%fe"),
        ("GET", "/rest/companies?order[name]=sideways"),
        ("GET", "/rest/companies?limit=-1"),
        ("GET", "/rest/companies?limit=99999999999999999999999"),
        ("GET", "/rest/companies?offset=1e9"),
        ("GET", "/rest/companies?starting_after=not-a-cursor"),
        ("GET", "/rest/companies?filter[nope][eq]=1"),
        ("GET", "/rest/companies/not-a-uuid"),
        ("GET", "/rest/companies/%00"),
        ("GET", "/rest/%E2%98%83"),
        ("GET", "/rest/" + "a" * 5000),
        ("DELETE", "/rest/companies"),
        ("PATCH", "/rest/companies"),
        ("GET", "/rest/companies?depth=99"),
        ("GET", "/rest/companies?" + "&".join(f"x{i}=1" for i in range(2000))),
        ("PUT", "/graphql"),
        ("GET", "/graphql"),
        ("DELETE", "/metadata"),
    ]
    for method, path in odd:
        response = await client.request(method, path, headers=account.headers)
        if path.startswith(("/graphql", "/metadata")):
            assert response.status_code == 405, response.text
            check_graphql(response, tally)
        else:
            check_rest(response, tally)
    wrong_type = await client.post(
        "/graphql",
        content=b"{ companies { totalCount } }",
        headers={**account.headers, "Content-Type": "text/plain"},
    )
    assert wrong_type.status_code == 415
    check_graphql(wrong_type, tally)
    report(
        "fuzz_odd_requests",
        requests=sum(v for k, v in tally.items() if k.isdigit()),
        answers=dict(sorted(tally.items())),
    )


async def test_requests_refused_before_their_body_is_read_do_not_stall_the_connection(
    pg_dsn: str, tmp_path: Path
) -> None:
    """A POST refused early (bad token, wrong content type, unknown route) leaves its body unread: the next
    request on that keep-alive connection must still be answered (about one in six used to wait forever).
    The server runs in its own process, where the body and the early answer race as they do in production."""
    tally: Counter[str] = Counter()
    bad = {"Authorization": "Bearer not-a-token"}
    async with (
        open_server_process(pg_dsn, tmp_path) as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as client,
    ):
        account = await sign_up(client, "Keep-alive")
        good = {"Authorization": f"Bearer {account['accessToken']}"}
        for i in range(100):
            padding = " " * (i % 40)  # bodies of varied sizes
            with trio.fail_after(10):
                check_graphql(
                    await client.post(
                        "/graphql", json={"query": "{ companies { totalCount } }" + padding}, headers=bad
                    ),
                    tally,
                )
                check_graphql(
                    await client.post(
                        "/metadata",
                        content=b"{ apiKeys { id } }" + padding.encode(),
                        headers={**good, "Content-Type": "text/plain"},
                    ),
                    tally,
                )
                check_rest(
                    await client.post("/rest/companies", json={"name": "x" + padding}, headers=bad), tally
                )
                check_rest(await client.post("/auth/signup", json={"email": padding}, headers=bad), tally)
    report("refused_keep_alive", requests=sum(v for k, v in tally.items() if k.isdigit()), stalls=0)
