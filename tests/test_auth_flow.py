"""End to end over real HTTP: sign-up → login → refresh → API key → use → revoke → 401."""

from __future__ import annotations

import httpx
import trio

from .conftest import Account, Server, gql, sign_up

CREATE_KEY = """
mutation CreateApiKey {
  createOneApiKey(
    data: {
      name: "My Integration"
      expiresAt: "2025-12-31T23:59:59Z"
    }
  ) {
    id
    name
    token
    expiresAt
  }
}
"""


async def test_full_account_lifecycle(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    login = await client.post("/auth/login", json={"email": account.email, "password": account.password})
    assert login.status_code == 200
    assert set(login.json()) == {"accessToken", "refreshToken", "expiresIn"}
    assert login.json()["expiresIn"] == 1800

    refreshed = await client.post("/auth/refresh", json={"refreshToken": login.json()["refreshToken"]})
    assert refreshed.status_code == 200
    access = refreshed.json()["accessToken"]

    created = await gql(client, access, """mutation { createOneApiKey(data: {name: "ci", expiresAt: "2999-01-01T00:00:00Z"})
                                            { id name token expiresAt } }""", path="/metadata")
    assert created.status_code == 200, created.text
    key = created.json()["data"]["createOneApiKey"]
    assert key["name"] == "ci" and key["token"] and key["expiresAt"] == "2999-01-01T00:00:00.000Z"

    listed = await gql(client, key["token"], "{ apiKeys { id name token } }", path="/metadata")
    assert listed.json() == {"data": {"apiKeys": [{"id": key["id"], "name": "ci", "token": None}]}}

    revoked = await gql(client, access, f'mutation {{ revokeOneApiKey(id: "{key["id"]}") {{ id revokedAt }} }}',
                        path="/metadata")
    assert revoked.json()["data"]["revokeOneApiKey"]["revokedAt"]

    refused = await gql(client, key["token"], "{ apiKeys { id } }", path="/metadata")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_api_md_create_api_key_verbatim(client: httpx.AsyncClient, account: Account) -> None:
    response = await gql(client, account.access_token, CREATE_KEY, path="/metadata")
    assert response.status_code == 200
    key = response.json()["data"]["createOneApiKey"]
    assert set(key) == {"id", "name", "token", "expiresAt"}
    assert key["expiresAt"] == "2025-12-31T23:59:59.000Z"
    # that date has passed, so the key exists but is already expired
    expired = await gql(client, key["token"], "{ apiKeys { id } }", path="/metadata")
    assert expired.status_code == 401


async def test_refresh_token_reuse_revokes_the_family(client: httpx.AsyncClient, account: Account) -> None:
    first = await client.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    assert first.status_code == 200
    replay = await client.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "UNAUTHORIZED"
    # the successor issued before the replay is revoked with its family
    successor = await client.post("/auth/refresh", json={"refreshToken": first.json()["refreshToken"]})
    assert successor.status_code == 401


async def test_signup_errors(client: httpx.AsyncClient, account: Account) -> None:
    dup = await client.post("/auth/signup", json={"email": account.email.upper(), "password": "another-pass",
                                                  "workspaceName": "X"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "CONFLICT"
    bad = await client.post("/auth/signup", json={"email": "nope", "password": "short", "workspaceName": "X"})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["statusCode"] == 400
    assert {d["field"] for d in error["details"]} == {"email", "password"}


async def test_login_failures_look_the_same(client: httpx.AsyncClient, account: Account) -> None:
    wrong = await client.post("/auth/login", json={"email": account.email, "password": "wrong-password"})
    unknown = await client.post("/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"})
    assert wrong.status_code == unknown.status_code == 401
    first, second = wrong.json()["error"], unknown.json()["error"]
    assert first.pop("requestId") != second.pop("requestId")  # each answer names its own request
    assert first == second


async def test_bad_tokens_are_refused(client: httpx.AsyncClient, account: Account) -> None:
    for header in ("", "Bearer", "Bearer not-a-jwt", "Basic abc", f"Bearer {account.refresh_token}"):
        response = await client.post("/metadata", json={"query": "{ apiKeys { id } }"},
                                     headers={"Authorization": header} if header else {})
        assert response.status_code == 401, header
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_body_errors_use_the_envelope(client: httpx.AsyncClient) -> None:
    malformed = await client.post("/auth/login", content=b"{nope", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "VALIDATION_ERROR"
    wrong_type = await client.post("/auth/login", content=b"email=x", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    missing = await client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"


async def test_oversized_body_is_refused_before_it_is_read(server: Server) -> None:
    # a raw socket: announce 2 MiB, send none of it, and expect the 413 straight away
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    stream = await trio.open_tcp_stream(host, int(port))
    async with stream:
        await stream.send_all(b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              b"Content-Length: 2097152\r\n\r\n")
        received = b""
        with trio.fail_after(10):
            while b"PAYLOAD_TOO_LARGE" not in received:
                chunk = await stream.receive_some()
                if not chunk:
                    break
                received += chunk
    assert received.startswith(b"HTTP/1.1 413")
    assert b'"statusCode":413' in received


async def test_unknown_route(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_a_remembered_token_still_expires(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    # the server checks a token's signature once and remembers it: its expiry must still hold afterwards
    import time

    expires = time.time() + 1.5
    token = server.services.auth._encode({"sub": account.user_id, "wid": account.workspace_id, "typ": "access",
                                          "exp": expires})
    query = {"query": "{ companies { edges { node { id } } } }"}
    headers = {"Authorization": f"Bearer {token}"}
    first = await client.post("/graphql", json=query, headers=headers)
    again = await client.post("/graphql", json=query, headers=headers)
    assert first.status_code == 200 and again.status_code == 200, (first.text, again.text)
    await trio.sleep(expires - time.time() + 0.05)
    expired = await client.post("/graphql", json=query, headers=headers)
    assert expired.status_code == 401, expired.text
    assert expired.json()["errors"][0]["message"] == "Token has expired"
    tampered = await client.post("/graphql", json=query, headers={"Authorization": f"Bearer {token[:-2]}xx"})
    assert tampered.status_code == 401  # a different string: checked afresh, and refused
