"""The native server and the Hypercorn deployment answer every route alike.

One set of services, two transports on their own ports (``serve_http(server="native")`` and
``serve_http(server="hypercorn")``) in one nursery, one account. Each request is sent to both, and the
answers compared: status, headers (lower-cased names; values compared too, except those that change from
one request to the next: ``date``, ``x-ratelimit-remaining``, ``x-ratelimit-reset``, ``x-request-id``
(and the request id in error bodies); ``content-length`` by presence; ``allow`` as a set of methods;
``server`` not at all) and body. Requests are chosen so that their answers are deterministic: reads of
the same records, errors, and writes to records whose ids the test picks (one per transport, put back to
a placeholder before comparing, with the write's timestamps).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import trio
from twenty_http.serve import serve_http

from twenty_actors.services import open_services

from ..conftest import sign_up

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from twenty_actors.settings import Settings

    from ..conftest import Account

TRANSPORTS = ("native", "hypercorn")
ANY_VALUE = frozenset({"date", "x-ratelimit-remaining", "x-ratelimit-reset", "x-request-id"})
# which software answers is no part of the answer: Hypercorn names itself, the native server does not
NOT_COMPARED = frozenset({"server"})
_TIMESTAMP = re.compile(rb'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"')
MISSING = "00000000-0000-4000-8000-000000000000"


@dataclass
class Side:
    """One transport: its client, its base URL, and the ids of the records only it writes."""

    name: str
    url: str
    client: httpx.AsyncClient
    ids: dict[str, str] = field(default_factory=dict)  # placeholder name -> this side's record id

    def fill(self, text: str) -> str:
        """``text`` with each ``{placeholder}`` replaced by this side's record id."""
        for placeholder, record_id in self.ids.items():
            text = text.replace("{" + placeholder + "}", record_id)
        return text


@dataclass
class Pair:
    native: Side
    hypercorn: Side
    account: Account
    settings: Settings

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.native, self.hypercorn

    def own(self, *names: str) -> None:
        """Give each side a fresh record id of its own for each placeholder name."""
        for side in self.sides:
            side.ids.update({name: str(uuid.uuid4()) for name in names})

    @property
    def auth(self) -> dict[str, str]:
        return self.account.headers


@pytest.fixture
async def pair(settings: Settings) -> AsyncIterator[Pair]:
    """Both transports over one set of services, and an account."""
    async with open_services(settings) as services, trio.open_nursery() as nursery:
        urls = {name: await nursery.start(partial(serve_http, services, server=name, port=0))
                for name in TRANSPORTS}
        assert urls["native"][0] != urls["hypercorn"][0]
        async with httpx.AsyncClient(base_url=urls["native"][0], timeout=10) as native, \
                httpx.AsyncClient(base_url=urls["hypercorn"][0], timeout=10) as hypercorn:
            account = await sign_up(native, "Parity")
            yield Pair(Side("native", urls["native"][0], native),
                       Side("hypercorn", urls["hypercorn"][0], hypercorn), account, settings)
        services.stopping.set()  # both transports drain and return


def comparable(side: Side, response: httpx.Response, *,
               volatile: bool) -> tuple[int, list[tuple[str, str]], Any]:
    """Status, headers and body, with what must differ between the two transports put back to placeholders."""
    headers = []
    for name, value in response.headers.multi_items():
        name = name.lower()
        if name in NOT_COMPARED:
            continue
        if name in ANY_VALUE or name == "content-length":
            value = "<present>"
        elif name == "allow":
            value = ", ".join(sorted(m.strip() for m in value.split(",")))
        headers.append((name, value))
    body = response.content.replace(side.url.encode(), b"<base-url>")
    body = body.replace(response.headers["x-request-id"].encode(), b"<request-id>")  # new for each request
    for placeholder, record_id in side.ids.items():
        body = body.replace(record_id.encode(), f"<{placeholder}>".encode())
    if volatile:  # a write's createdAt/updatedAt: the two writes happen a moment apart
        body = _TIMESTAMP.sub(b'"<timestamp>"', body)
    try:
        parsed: Any = json.loads(body) if body else b""
    except ValueError:
        parsed = body
    return response.status_code, sorted(headers), parsed


async def same(pair: Pair, method: str, path: str, *, json_body: Any = None, content: bytes | None = None,
               headers: dict[str, str] | None = None, volatile: bool = False) -> httpx.Response:
    """Send one request to each transport (native first); assert the answers match; the native one."""
    answers = []
    for side in pair.sides:
        request_headers = dict(headers or {})
        body = content
        if json_body is not None:
            body = side.fill(json.dumps(json_body)).encode()
            request_headers.setdefault("Content-Type", "application/json")
        response = await side.client.request(method, side.fill(path), content=body, headers=request_headers)
        answers.append(response)
    native, hypercorn = (comparable(side, answer, volatile=volatile)
                         for side, answer in zip(pair.sides, answers, strict=True))
    assert native == hypercorn, f"{method} {path}: native (left) and hypercorn (right) differ"
    assert "date" in answers[0].headers, f"{method} {path}: no Date"  # on every answer, errors included
    return answers[0]


# ---------------------------------------------------------------------------------------------------------


async def test_health_unknown_routes_and_methods(pair: Pair) -> None:
    ok = await same(pair, "GET", "/healthz")
    assert ok.status_code == 200
    assert ok.json() == {"status": "ok"}
    head = await same(pair, "HEAD", "/healthz")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == ok.headers["content-length"]
    options = await same(pair, "OPTIONS", "/healthz")
    assert options.status_code in (200, 204)
    assert "GET" in options.headers["allow"]
    index = await same(pair, "GET", "/")  # the JSON index (a browser gets a page: tests/http/test_pages.py)
    assert index.json()["links"]["graphql"] == "/graphql"
    for method, path in [("GET", "/nothing"), ("POST", "/nothing"), ("GET", "/rest"),
                         ("GET", "/healthz/more"), ("GET", "/graphql/x")]:
        missing = await same(pair, method, path)
        assert missing.status_code == 404, (method, path, missing.text)
    for method, path in [("PUT", "/healthz"), ("DELETE", "/healthz"), ("GET", "/auth/login"),
                         ("DELETE", "/auth/signup"), ("PATCH", "/graphql"), ("GET", "/metadata")]:
        refused = await same(pair, method, path)
        assert refused.status_code == 405, (method, path, refused.text)
        assert refused.headers.get("allow"), (method, path, refused.headers)
        assert refused.json()["error" if path.startswith(("/healthz", "/auth")) else "errors"]
    no_upgrade = await same(pair, "GET", "/ws")
    assert no_upgrade.status_code == 426
    assert no_upgrade.json()["error"]["statusCode"] == 426


async def test_auth_errors(pair: Pair) -> None:
    existing = {"email": pair.account.email, "password": "secret12345"}
    for path, body in [
        ("/auth/signup", {"email": "not-an-email", "password": "short"}),
        ("/auth/signup", {"email": f"new-{uuid.uuid4().hex[:8]}@example.com", "password": "secret123",
                          "workspaceName": ""}),
        ("/auth/signup", existing),
        ("/auth/signup", [1, 2]),
        ("/auth/login", {"email": pair.account.email, "password": "wrong-password"}),
        ("/auth/login", {"email": "nobody@example.com", "password": "whatever1"}),
        ("/auth/login", {"email": 1}),
        ("/auth/refresh", {"refreshToken": "nope"}),
        ("/auth/refresh", {"refreshToken": pair.account.access_token}),
        ("/auth/refresh", {}),
    ]:
        refused = await same(pair, "POST", path, json_body=body)
        assert 400 <= refused.status_code < 500, (path, body, refused.text)
        assert refused.json()["error"]["statusCode"] == refused.status_code
    assert (await same(pair, "POST", "/auth/signup", json_body=existing)).status_code == 409
    for path in ("/auth/signup", "/auth/login", "/auth/refresh"):
        malformed = await same(pair, "POST", path, content=b"{nope",
                               headers={"Content-Type": "application/json"})
        assert malformed.status_code == 400, malformed.text
        wrong_type = await same(pair, "POST", path, content=b"{}", headers={"Content-Type": "text/plain"})
        assert wrong_type.status_code == 415, wrong_type.text


COMPANY_QUERY = """query($name: String) {
  companies(filter: {name: {eq: $name}}) { totalCount edges { node { id name employees } } }
}"""


async def test_graphql_and_metadata(pair: Pair) -> None:
    auth = pair.auth
    shared = await pair.native.client.post("/rest/companies", json={"name": "Shared", "employees": 9},
                                           headers=auth)
    assert shared.status_code == 201, shared.text
    found = await same(pair, "POST", "/graphql", headers=auth,
                       json_body={"query": COMPANY_QUERY, "variables": {"name": "Shared"}})
    assert found.status_code == 200, found.text
    assert found.json()["data"]["companies"]["totalCount"] == 1, found.text
    pair.own("g")
    created = await same(pair, "POST", "/graphql", headers=auth, json_body={
        "query": 'mutation { createCompany(data: {id: "{g}", name: "Made by GraphQL"}) { id name } }'})
    assert created.json() == {"data": {"createCompany": {"id": pair.native.ids["g"],
                                                         "name": "Made by GraphQL"}}}
    for query in [
        'mutation { updateCompany(id: "' + MISSING + '", data: {employees: 1}) { id } }',
        'mutation { createCompany(data: {nope: 1}) { id } }',
        "{ companies { nothing } }",
        "{ companies { ",
        "subscription { x }",
    ]:
        failed = await same(pair, "POST", "/graphql", headers=auth, json_body={"query": query})
        assert failed.json()["errors"], (query, failed.text)
    for content in (b"{nope", b"[1]", b'{"query": "\xff"}'):
        bad = await same(pair, "POST", "/graphql", headers={**auth, "Content-Type": "application/json"},
                         content=content)
        assert bad.status_code == 400, (content, bad.text)
        assert bad.json()["errors"], (content, bad.text)
    wrong_type = await same(pair, "POST", "/graphql", headers={**auth, "Content-Type": "text/plain"},
                            content=b'{"query": "{ companies { totalCount } }"}')
    assert wrong_type.status_code == 415
    for refused_headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        refused = await same(pair, "POST", "/graphql", headers=refused_headers,
                             json_body={"query": "{ companies { totalCount } }"})
        assert refused.status_code == 401, refused.text
        assert refused.json()["errors"], refused.text
    objects = await same(pair, "POST", "/metadata", headers=auth, json_body={
        "query": "{ objects { edges { node { id nameSingular namePlural isCustom "
                 "fields { edges { node { id name type } } } } } } }"})
    assert objects.status_code == 200, objects.text
    assert objects.json()["data"]["objects"]["edges"], objects.text
    failed = await same(pair, "POST", "/metadata", headers=auth,
                        json_body={"query": 'mutation { deleteOneObject(id: "' + MISSING + '") { id } }'})
    assert failed.json()["errors"], failed.text
    refused = await same(pair, "POST", "/metadata",
                         json_body={"query": "{ objects { edges { node { id } } } }"})
    assert refused.status_code == 401


async def test_rest_reads_and_openapi(pair: Pair) -> None:
    auth = pair.auth
    shared = await pair.native.client.post("/rest/companies", json={"name": "Shared", "employees": 9},
                                           headers=auth)
    assert shared.status_code == 201, shared.text
    shared_id = shared.json()["data"]["id"]
    one = await same(pair, "GET", f"/rest/companies/{shared_id}", headers=auth)
    assert one.status_code == 200
    assert one.json()["data"]["name"] == "Shared"
    head = await same(pair, "HEAD", f"/rest/companies/{shared_id}", headers=auth)
    assert head.status_code == 200
    assert head.content == b""
    for path in ["/rest/companies?limit=3&order_by=name[AscNullsFirst]",
                 "/rest/companies?filter=name[eq]:%22Shared%22",
                 "/rest/people?limit=2",
                 "/rest/companies?limit=-1",
                 "/rest/companies?filter=name[nope]:1",
                 "/rest/nothings",
                 "/rest/companies/not-a-uuid",
                 f"/rest/companies/{MISSING}",
                 f"/rest/nothings/{MISSING}"]:
        await same(pair, "GET", path, headers=auth)
    listed = await same(pair, "GET", "/rest/companies?filter=name[eq]:%22Shared%22", headers=auth)
    assert [r["id"] for r in listed.json()["data"]] == [shared_id]
    core = await same(pair, "GET", "/rest/open-api/core", headers=auth)
    assert core.status_code == 200
    assert core.json()["openapi"].startswith("3.")
    by_param = await same(pair, "GET", f"/rest/open-api/core?token={pair.account.access_token}")
    assert by_param.json() == core.json()
    metadata = await same(pair, "GET", "/rest/open-api/metadata", headers=auth)
    assert metadata.status_code == 200
    assert metadata.json()["paths"]
    await same(pair, "HEAD", "/rest/open-api/metadata", headers=auth)
    for path in ("/rest/open-api/core", "/rest/open-api/core?token=nope", "/rest/companies"):
        refused = await same(pair, "GET", path)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "UNAUTHORIZED"
    options = await same(pair, "OPTIONS", "/rest/companies")
    assert {"GET", "POST", "PATCH", "DELETE"} <= {m.strip() for m in options.headers["allow"].split(",")}
    await same(pair, "OPTIONS", f"/rest/companies/{shared_id}", headers=auth)
    await same(pair, "GET", "/rest/batch/companies", headers=auth)  # /rest/{plural}/{id}, of no object
    # the metadata over REST: the literal /rest/metadata routes come before /rest/{plural}
    objects = await same(pair, "GET", "/rest/metadata/objects?limit=3", headers=auth)
    assert objects.status_code == 200 and len(objects.json()["data"]["objects"]) == 3
    await same(pair, "GET", "/rest/metadata/fields?limit=2", headers=auth)
    await same(pair, "GET", "/rest/metadata/relations", headers=auth)
    for method, path in [("POST", f"/rest/companies/{shared_id}"), ("PUT", "/rest/companies"),
                         ("GET", f"/rest/restore/companies/{shared_id}"), ("POST", "/rest/open-api/core")]:
        refused = await same(pair, method, path, headers=auth)
        assert refused.status_code == 405, (method, path, refused.text)
        assert refused.headers.get("allow"), (method, path, refused.headers)
    # a write to many records needs a filter: the same 400 from both transports
    for method, path in [("DELETE", "/rest/companies"), ("PATCH", "/rest/restore/companies")]:
        assert (await same(pair, method, path, headers=auth)).status_code == 400


async def test_rest_writes(pair: Pair) -> None:
    auth = pair.auth
    pair.own("one", "two", "three")
    created = await same(pair, "POST", "/rest/companies", headers=auth, volatile=True,
                         json_body={"id": "{one}", "name": "Made", "employees": 3})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["id"] == pair.native.ids["one"]
    batch = await same(pair, "POST", "/rest/batch/companies", headers=auth, volatile=True,
                       json_body=[{"id": "{two}", "name": "B2"}, {"id": "{three}", "name": "B3"}])
    assert batch.status_code == 201, batch.text
    assert [r["name"] for r in batch.json()["data"]] == ["B2", "B3"]
    again = await same(pair, "POST", "/rest/companies", headers=auth,
                       json_body={"id": "{one}", "name": "Twice"})
    assert again.status_code == 409, again.text
    patched = await same(pair, "PATCH", "/rest/companies/{one}", headers=auth, volatile=True,
                         json_body={"employees": 4})
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["employees"] == 4
    put = await same(pair, "PUT", "/rest/companies/{two}", headers=auth, volatile=True,
                     json_body={"employees": 5})
    assert put.status_code == 200, put.text
    assert put.json()["data"]["employees"] == 5
    invalid: list[Any] = [{"employees": "many"}, {"nope": 1}, [1]]
    for body in invalid:
        bad = await same(pair, "PATCH", "/rest/companies/{one}", headers=auth, json_body=body)
        assert bad.status_code == 400, (body, bad.text)
        bad = await same(pair, "POST", "/rest/companies", headers=auth, json_body=body)
        assert bad.status_code == 400, (body, bad.text)
    bad = await same(pair, "POST", "/rest/batch/companies", headers=auth, json_body={"name": "not a list"})
    assert bad.status_code == 400, bad.text
    read = await same(pair, "GET", "/rest/companies/{one}", headers=auth, volatile=True)
    assert read.json()["data"]["employees"] == 4
    deleted = await same(pair, "DELETE", "/rest/companies/{one}", headers=auth)
    assert deleted.json() == {"data": {"id": pair.native.ids["one"], "deleted": True}}
    gone = await same(pair, "GET", "/rest/companies/{one}", headers=auth)
    assert gone.status_code == 404
    await same(pair, "DELETE", f"/rest/companies/{MISSING}", headers=auth)
    await same(pair, "PATCH", f"/rest/companies/{MISSING}", headers=auth, json_body={"employees": 1})


async def test_refusals_before_the_body(pair: Pair) -> None:
    auth = pair.auth
    too_big = b'{"name": "' + b"x" * pair.settings.max_body_bytes + b'"}'
    for path in ("/rest/companies", "/graphql", "/metadata", "/auth/login"):
        refused = await same(pair, "POST", path, headers={**auth, "Content-Type": "application/json"},
                             content=too_big)
        assert refused.status_code == 413, (path, refused.text)
    for path in ("/rest/companies", "/rest/batch/companies"):
        wrong_type = await same(pair, "POST", path, headers={**auth, "Content-Type": "text/plain"},
                                content=b'{"name": "x"}')
        assert wrong_type.status_code == 415, (path, wrong_type.text)
        no_type = await same(pair, "POST", path, headers=auth, content=b'{"name": "x"}')
        assert no_type.status_code == 415, (path, no_type.text)
        unauthorized = await same(pair, "POST", path, json_body={"name": "x"})
        assert unauthorized.status_code == 401, (path, unauthorized.text)
        malformed = await same(pair, "POST", path, headers={**auth, "Content-Type": "application/json"},
                               content=b"{nope")
        assert malformed.status_code == 400, (path, malformed.text)
    for method in ("PATCH", "PUT"):
        wrong_type = await same(pair, method, f"/rest/companies/{MISSING}",
                                headers={**auth, "Content-Type": "text/plain"}, content=b"{}")
        assert wrong_type.status_code == 415, (method, wrong_type.text)
        unauthorized = await same(pair, method, f"/rest/companies/{MISSING}", json_body={})
        assert unauthorized.status_code == 401, (method, unauthorized.text)
    assert (await same(pair, "DELETE", f"/rest/companies/{MISSING}")).status_code == 401
