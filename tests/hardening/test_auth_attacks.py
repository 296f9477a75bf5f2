"""Auth attacks: forged and stale tokens, revoked keys (also on a second server process), refresh-token
reuse, and brute-force login (slowed per account and per address, with no user enumeration)."""

from __future__ import annotations

import base64
import json
import statistics
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import trio
import trio.testing
from twenty_storage import accounts

from twenty_actors.auth import LoginThrottle
from twenty_actors.errors import RateLimitedError
from twenty_actors.services import NOTIFY_CHANNEL

from ..conftest import Account, Server, sign_up
from ._proc import open_server_process, report

KEY = 'mutation { createOneApiKey(data: {name: "k", expiresAt: "2099-01-01T00:00:00Z"}) { id token } }'
REVOKE = "mutation($id: ID!) { revokeOneApiKey(id: $id) { id revokedAt } }"


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


async def _status(client: httpx.AsyncClient, token: str) -> int:
    """The status of a REST list, a GraphQL query and a metadata query with ``token``: all must agree."""
    headers = {"Authorization": f"Bearer {token}"}
    answers = [
        await client.get("/rest/companies", headers=headers),
        await client.post("/graphql", json={"query": "{ companies { totalCount } }"}, headers=headers),
        await client.post("/metadata", json={"query": "{ apiKeys { id } }"}, headers=headers),
    ]
    statuses = {r.status_code for r in answers}
    assert len(statuses) == 1, [(r.status_code, r.text) for r in answers]
    if 401 in statuses:
        assert answers[0].json()["error"]["code"] == "UNAUTHORIZED"
        assert answers[1].json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    return statuses.pop()


async def _rest_status(client: httpx.AsyncClient, token: str) -> int:
    return (await client.get("/rest/companies", headers={"Authorization": f"Bearer {token}"})).status_code


async def _meta(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None
) -> Any:
    response = await client.post(
        "/metadata",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # HS512 with the test's secret
async def test_forged_and_stale_tokens(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    secret = server.services.settings.secret
    now = datetime.now(UTC)
    claims = {
        "sub": account.user_id,
        "wid": account.workspace_id,
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    plain = {**claims, "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp())}
    signature = account.access_token.split(".")[2]
    forged = {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(plain)}.",
        "alg none, signature kept": f"{_b64({'alg': 'none'})}.{_b64(plain)}.{signature}",
        "another secret": jwt.encode(claims, "another-secret-" + uuid.uuid4().hex, algorithm="HS256"),
        "HS512 with the secret": jwt.encode(claims, secret, algorithm="HS512"),
        "expired": jwt.encode({**claims, "exp": now - timedelta(seconds=1)}, secret, algorithm="HS256"),
        "refresh token as access": account.refresh_token,
        "unknown typ": jwt.encode({**claims, "typ": "admin"}, secret, algorithm="HS256"),
        "no typ": jwt.encode({k: v for k, v in claims.items() if k != "typ"}, secret, algorithm="HS256"),
        "workspace that does not exist": jwt.encode(
            {**claims, "wid": str(uuid.uuid4())}, secret, algorithm="HS256"
        ),
        "api key that does not exist": jwt.encode(
            {**claims, "typ": "api_key", "sub": str(uuid.uuid4())}, secret, algorithm="HS256"
        ),
        "garbage": "a.b.c",
        "payload swapped": ".".join(
            [
                account.access_token.split(".")[0],
                _b64({**plain, "wid": str(uuid.uuid4())}),
                account.access_token.split(".")[2],
            ]
        ),
    }
    for name, token in forged.items():
        assert await _status(client, token) == 401, name
    assert await _status(client, account.access_token) == 200  # the control case
    report("auth_forged_tokens", forged=len(forged), refused=len(forged))


async def test_deleted_workspace_is_refused(server: Server, client: httpx.AsyncClient) -> None:
    cold, warm = await sign_up(client, "Cold"), await sign_up(client, "Warm")
    assert await _status(client, warm.access_token) == 200  # its actor runs now
    db = server.services.db
    for account in (cold, warm):  # as a deletion does it: mark the workspace, tell every server
        await db.execute(
            "UPDATE core.workspace SET deleted_at = now() WHERE id = $1", uuid.UUID(account.workspace_id)
        )
        await accounts.notify(db, NOTIFY_CHANNEL, account.workspace_id)
    assert await _status(client, cold.access_token) == 401
    with trio.fail_after(5):
        while await _rest_status(client, warm.access_token) != 401:
            await trio.sleep(0.02)
    assert await _status(client, warm.access_token) == 401
    for account in (cold, warm):
        refreshed = await client.post("/auth/refresh", json={"refreshToken": account.refresh_token})
        assert refreshed.status_code == 401, refreshed.text
        login = await client.post("/auth/login", json={"email": account.email, "password": account.password})
        assert login.status_code == 401, login.text


async def test_deleted_user_is_refused(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    assert await _status(client, account.access_token) == 200  # the workspace's actor runs
    db = server.services.db
    await db.execute('UPDATE core."user" SET deleted_at = now() WHERE id = $1', uuid.UUID(account.user_id))
    await accounts.notify(db, NOTIFY_CHANNEL, account.workspace_id)  # as a deletion does
    with trio.fail_after(5):
        while await _rest_status(client, account.access_token) != 401:
            await trio.sleep(0.02)
    assert await _status(client, account.access_token) == 401
    refreshed = await client.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    assert refreshed.status_code == 401
    login = await client.post("/auth/login", json={"email": account.email, "password": account.password})
    assert login.status_code == 401


async def test_refresh_token_reuse_revokes_the_family(client: httpx.AsyncClient, account: Account) -> None:
    first = await client.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    assert first.status_code == 200
    second = first.json()["refreshToken"]
    reused = await client.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "UNAUTHORIZED"
    # the replay gave the theft away: the family's live token is dead too
    assert (await client.post("/auth/refresh", json={"refreshToken": second})).status_code == 401
    # two racing uses of one fresh token: exactly one wins
    fresh = (
        await client.post("/auth/login", json={"email": account.email, "password": account.password})
    ).json()
    results: list[int] = []

    async def use() -> None:
        response = await client.post("/auth/refresh", json={"refreshToken": fresh["refreshToken"]})
        results.append(response.status_code)

    async with trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(use)
    assert sorted(results) == [200, 401, 401, 401, 401]


async def test_api_keys_across_two_server_processes(
    server: Server, client: httpx.AsyncClient, account: Account, pg_dsn: str, tmp_path: Path
) -> None:
    secret = server.services.settings.secret
    assert secret is not None
    async with (
        open_server_process(pg_dsn, tmp_path, secret=secret) as other,
        httpx.AsyncClient(base_url=other.url, timeout=30) as other_client,
    ):
        assert await _status(other_client, account.access_token) == 200  # both processes run the actor now
        # a key made on this process works at once on the other one
        key = (await _meta(client, account.access_token, KEY))["createOneApiKey"]
        started = trio.current_time()
        with trio.fail_after(5):
            while await _rest_status(other_client, key["token"]) != 200:
                await trio.sleep(0.01)
        created_s = trio.current_time() - started
        assert await _status(other_client, key["token"]) == 200
        assert await _status(client, key["token"]) == 200
        # revoked on this process: refused here at once, and on the other process as soon as it hears
        await _meta(client, account.access_token, REVOKE, {"id": key["id"]})
        assert await _status(client, key["token"]) == 401
        started = trio.current_time()
        with trio.fail_after(5):
            while await _rest_status(other_client, key["token"]) != 401:
                await trio.sleep(0.01)
        revoked_s = trio.current_time() - started
        assert await _status(other_client, key["token"]) == 401
        # and the other way round
        key2 = (await _meta(other_client, account.access_token, KEY))["createOneApiKey"]
        await _meta(other_client, account.access_token, REVOKE, {"id": key2["id"]})
        assert await _status(other_client, key2["token"]) == 401
        with trio.fail_after(5):
            while await _rest_status(client, key2["token"]) != 401:
                await trio.sleep(0.01)
    report(
        "auth_two_processes",
        new_key_usable_on_other_process_s=round(created_s, 3),
        revoked_key_refused_on_other_process_s=round(revoked_s, 3),
    )


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "password": password})


async def test_brute_force_login_is_slowed_without_enumeration(
    server: Server, client: httpx.AsyncClient, account: Account
) -> None:
    # the server's own throttle, with a first delay longer than this test: on a slow machine a password
    # check can take most of a second, and the default 1 s delay could expire between two tries
    server.services.auth.login_throttle = LoginThrottle(base_delay_s=60)
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    answers: dict[str, list[httpx.Response]] = {account.email: [], unknown: []}
    timings: dict[str, list[float]] = {account.email: [], unknown: []}
    for _ in range(12):
        for email in (account.email, unknown):
            started = trio.current_time()
            answers[email].append(await _login(client, email, "wrong-password"))
            timings[email].append(trio.current_time() - started)
    for email, responses in answers.items():
        statuses = [r.status_code for r in responses]
        # the first failures are plain 401s, then the account is slowed: 429 with Retry-After
        assert statuses == [401] * 5 + [429] * 7, (email, statuses)
        assert all(r.headers.get("Retry-After") for r in responses if r.status_code == 429)
    # no enumeration: a known and an unknown email get the very same answers, message for message
    known_bodies = [(r.status_code, r.json()["error"]["message"]) for r in answers[account.email]]
    unknown_bodies = [(r.status_code, r.json()["error"]["message"]) for r in answers[unknown]]
    assert known_bodies == unknown_bodies
    # while slowed, even the right password waits (else a guess that succeeds would be told apart)
    assert (await _login(client, account.email, account.password)).status_code == 429
    report(
        "auth_brute_force",
        attempts_per_account=12,
        plain_failures_before_slowing=5,
        median_failed_login_ms_known=round(statistics.median(timings[account.email][:5]) * 1000, 1),
        median_failed_login_ms_unknown=round(statistics.median(timings[unknown][:5]) * 1000, 1),
    )


async def test_login_throttle_per_account_and_address(autojump_clock: trio.testing.MockClock) -> None:
    throttle = LoginThrottle(
        free=5, address_free=30, base_delay_s=1.0, max_delay_s=60.0, window_s=900.0, max_entries=100
    )
    # per address: 30 failures over 30 different emails, then every email from there must wait
    for i in range(30):
        throttle.begin(f"user{i}@example.com", "10.0.0.1")
    with pytest.raises(RateLimitedError) as refused:
        throttle.begin("fresh@example.com", "10.0.0.1")
    assert refused.value.retry_after == pytest.approx(1.0)
    throttle.begin("fresh@example.com", "10.0.0.2")  # another address is not slowed
    # successes from one address (an office behind one NAT) do not add up
    for i in range(100):
        throttle.begin(f"colleague{i}@example.com", "10.0.0.3")
        throttle.succeeded(f"colleague{i}@example.com", "10.0.0.3")
    throttle.begin("one-more@example.com", "10.0.0.3")
    # per account: the delay doubles with each failure past the free ones, up to the cap
    delays = []
    for _ in range(10):
        try:
            throttle.begin("victim@example.com", None)
        except RateLimitedError as exc:
            assert exc.retry_after is not None
            delays.append(round(exc.retry_after))
            await trio.sleep(exc.retry_after)
            throttle.begin("victim@example.com", None)
    with pytest.raises(RateLimitedError) as refused:
        throttle.begin("VICTIM@example.com ", None)  # the same account, however it is typed
    assert delays == [1, 2, 4, 8, 16] and refused.value.retry_after == pytest.approx(32.0)
    # a success clears the account; a quiet window forgets the address
    throttle.succeeded("victim@example.com", None)
    throttle.begin("victim@example.com", None)
    await trio.sleep(901)
    throttle.begin("fresh@example.com", "10.0.0.1")
    # memory stays bounded whatever the number of emails tried
    for i in range(1000):
        throttle.begin(f"spray{i}@example.com", None)
    assert len(throttle._failures) <= 100
