"""X-Request-Id on every answer of both transports, and in every error envelope (REST and GraphQL)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import msgspec
import pytest
import trio

from twenty_actors.settings import Settings

from ..conftest import Server, gql, sign_up

GENERATED = re.compile(r"[0-9a-f]{32}")
REST_KEYS = {"message", "code", "statusCode", "details", "retryAfter"}  # API.md's, and ours before this key


@pytest.fixture(params=["native", "hypercorn"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return msgspec.structs.replace(settings, server=request.param)


def rest_error(response: httpx.Response) -> dict[str, Any]:
    """The REST envelope's error, checked to name the answer's request id and to keep API.md's keys."""
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error.pop("requestId") == response.headers["x-request-id"]
    assert {"message", "code", "statusCode"} <= set(error) <= REST_KEYS, error
    return error


def graphql_errors(response: httpx.Response) -> list[dict[str, Any]]:
    """The GraphQL errors, each checked to name the answer's request id beside its code."""
    body = response.json()
    assert set(body) == {"errors", "data"}, body
    for error in body["errors"]:
        assert error["extensions"].pop("requestId") == response.headers["x-request-id"], error
        assert "code" in error["extensions"]
        assert set(error) <= {"message", "locations", "path", "extensions"}
    errors: list[dict[str, Any]] = body["errors"]
    return errors


async def test_a_fit_id_is_kept_and_others_replaced(server: Server, client: httpx.AsyncClient) -> None:
    for given in ("abc", "req-1.2:3_x", "A" * 128, str(uuid.uuid4())):
        response = await client.get("/healthz", headers={"X-Request-Id": given})
        assert response.status_code == 200
        assert response.headers["x-request-id"] == given
    for given in ("", "has space", "A" * 129, "semi;colon", "é", "a,b", "<script>"):
        response = await client.get("/healthz", headers={"X-Request-Id": given.encode()})
        assert response.status_code == 200
        assert GENERATED.fullmatch(response.headers["x-request-id"]), (given, response.headers)
    seen = {(await client.get("/healthz")).headers["x-request-id"] for _ in range(5)}
    assert len(seen) == 5  # a fresh one each time
    assert all(GENERATED.fullmatch(one) for one in seen)


async def test_rest_errors_name_the_request(server: Server, client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    given = {"X-Request-Id": "rest-errors-1"}
    missing = await client.get(f"/rest/companies/{uuid.uuid4()}", headers={**account.headers, **given})
    assert missing.status_code == 404
    assert missing.headers["x-request-id"] == "rest-errors-1"
    assert rest_error(missing)["code"] == "NOT_FOUND"
    assert rest_error(await client.get("/rest/companies"))["code"] == "UNAUTHORIZED"
    invalid = rest_error(await client.post("/auth/signup", json={"email": "nope", "password": "x",
                                                                  "workspaceName": "X"}))
    assert invalid["code"] == "VALIDATION_ERROR"
    assert invalid["details"]
    assert rest_error(await client.get("/no/such/route"))["code"] == "NOT_FOUND"
    assert rest_error(await client.put("/healthz"))["code"] == "METHOD_NOT_ALLOWED"
    assert rest_error(await client.post("/auth/login", content=b"{", headers={
        "Content-Type": "application/json"}))["code"] == "VALIDATION_ERROR"
    ok = await client.get("/rest/companies", headers=account.headers)
    assert ok.status_code == 200
    assert "requestId" not in ok.text  # only errors carry it in the body


async def test_graphql_errors_name_the_request(server: Server, client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    unauthenticated = await client.post("/graphql", json={"query": "{ companies { totalCount } }"},
                                        headers={"X-Request-Id": "gql-401"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["x-request-id"] == "gql-401"
    assert graphql_errors(unauthenticated)[0]["extensions"]["code"] == "UNAUTHENTICATED"

    parse = await gql(client, account.access_token, "{ companies {")
    assert parse.status_code == 400
    assert graphql_errors(parse)[0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    invalid = await gql(client, account.access_token, "{ companies { noSuchField } noSuchRoot }")
    assert invalid.status_code == 400
    assert len(graphql_errors(invalid)) == 2

    # a mutation that fails in part: its error beside the data of the field that worked
    partial = await gql(client, account.access_token, """mutation($missing: ID!) {
        made: createCompany(data: {name: "Kept"}) { name }
        gone: updateCompany(id: $missing, data: {name: "x"}) { id } }""", {"missing": str(uuid.uuid4())})
    assert partial.status_code == 200
    (error,) = graphql_errors(partial)
    assert error["path"] == ["gone"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert partial.json()["data"] == {"made": {"name": "Kept"}, "gone": None}

    metadata = await gql(client, account.access_token,
                         'mutation { createOneObject(data: {nameSingular: "Bad Name", namePlural: "bads", '
                         'labelSingular: "B", labelPlural: "Bs"}) { id } }', path="/metadata")
    assert graphql_errors(metadata)[0]["extensions"]["code"] == "BAD_USER_INPUT"

    answered = await gql(client, account.access_token, "{ companies { totalCount } }")
    assert answered.status_code == 200
    assert GENERATED.fullmatch(answered.headers["x-request-id"])
    assert "requestId" not in answered.text


async def test_an_unparsable_request_is_named_too(server: Server, settings: Settings) -> None:
    if settings.server != "native":
        pytest.skip("Hypercorn answers unparsable requests itself")
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    stream = await trio.open_tcp_stream(host, int(port))
    async with stream:
        await stream.send_all(b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        raw = b""
        with trio.fail_after(10):
            while chunk := await stream.receive_some():
                raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    (request_id,) = re.findall(rb"(?im)^x-request-id: ([0-9a-f]{32})\r?$", head)
    assert msgspec.json.decode(body)["error"]["requestId"] == request_id.decode()


async def test_an_id_is_not_carried_over(server: Server, client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz", headers={"X-Request-Id": "first"})
    second = await client.get("/healthz")  # the same kept-alive connection
    assert first.headers["x-request-id"] == "first"
    assert GENERATED.fullmatch(second.headers["x-request-id"])
