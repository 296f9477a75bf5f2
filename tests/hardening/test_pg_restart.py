"""PostgreSQL goes away and comes back while two servers serve on it.

While it is down every kind of request fails fast with 503 SERVICE_UNAVAILABLE and Retry-After (never a
hang, never a 500); once it is back, service resumes without restarting anything: the pools reconnect,
workspace actors start again (no crash-loop cool-down), and each server's LISTEN task re-subscribes and
catches up on what it missed (an API key revoked through one server is refused by the other).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import trio
from twenty_storage.embedded import start_embedded, stop_embedded
from twenty_storage.pg import open_storage

from twenty_actors.settings import Settings

from ._proc import open_inprocess_server, report, sign_up

UNLIMITED = {"graphql": 100_000_000, "rest": 100_000_000, "metadata": 100_000_000}
FAIL_FAST_S = 5.0


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _requests(
    client: httpx.AsyncClient, token: str, email: str
) -> list[tuple[str, httpx.Response, float]]:
    """One request of each kind, each bounded: (kind, answer, seconds it took)."""
    out = []
    calls: list[tuple[str, Any]] = [
        (
            "graphql query",
            lambda: client.post(
                "/graphql", json={"query": "{ companies { edges { node { id } } } }"}, headers=_bearer(token)
            ),
        ),
        (
            "graphql mutation",
            lambda: client.post(
                "/graphql",
                headers=_bearer(token),
                json={"query": 'mutation { createCompany(data: {name: "down"}) { id } }'},
            ),
        ),
        ("rest list", lambda: client.get("/rest/companies", headers=_bearer(token))),
        (
            "rest create",
            lambda: client.post("/rest/companies", json={"name": "down"}, headers=_bearer(token)),
        ),
        (
            "metadata",
            lambda: client.post("/metadata", json={"query": "{ apiKeys { id } }"}, headers=_bearer(token)),
        ),
        ("login", lambda: client.post("/auth/login", json={"email": email, "password": "secret123"})),
        (
            "signup",
            lambda: client.post(
                "/auth/signup",
                json={
                    "email": f"d-{uuid.uuid4().hex[:8]}@example.com",
                    "password": "secret123",
                    "workspaceName": "Down",
                },
            ),
        ),
        ("healthz", lambda: client.get("/healthz")),
    ]
    for name, call in calls:
        started = trio.current_time()
        with trio.fail_after(FAIL_FAST_S):
            response = await call()
        out.append((name, response, trio.current_time() - started))
    return out


def _assert_unavailable(name: str, response: httpx.Response) -> None:
    assert response.status_code == 503, (name, response.status_code, response.text)
    assert int(response.headers["Retry-After"]) >= 1, name
    body = response.json()
    if name == "healthz":
        return
    if "errors" in body:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"], (name, body)
    else:
        assert body["error"]["code"] == "SERVICE_UNAVAILABLE", (name, body)
    assert "Traceback" not in response.text and "SELECT" not in response.text


async def _wait_until(predicate: Any, timeout: float) -> float:
    """Poll ``predicate()`` (async) until true; the seconds it took."""
    started = trio.current_time()
    with trio.fail_after(timeout):
        while not await predicate():
            await trio.sleep(0.05)
    return trio.current_time() - started


async def test_postgres_goes_away_and_comes_back(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    dsn, _ = await trio.to_thread.run_sync(start_embedded, data_dir)
    secret = "pg-restart-" + uuid.uuid4().hex
    settings = Settings(database_url=dsn, port=0, secret=secret, rate_limits=UNLIMITED)
    try:
        async with (
            open_inprocess_server(settings) as a,
            open_inprocess_server(settings) as b,
            httpx.AsyncClient(base_url=a.url, timeout=30) as ca,
            httpx.AsyncClient(base_url=b.url, timeout=30) as cb,
        ):
            warm = await sign_up(ca, "Warm")
            cold = await sign_up(ca, "Cold")  # no request of its workspace before PostgreSQL stops
            token = warm["accessToken"]
            keys = []
            for name in ("missed", "notified"):
                created = await ca.post(
                    "/metadata",
                    headers=_bearer(token),
                    json={
                        "query": "mutation($n: String!) { createOneApiKey(data: {name: $n, "
                        'expiresAt: "2099-01-01T00:00:00Z"}) { id token } }',
                        "variables": {"n": name},
                    },
                )
                keys.append(created.json()["data"]["createOneApiKey"])
            missed, key = keys
            for client in (ca, cb):  # both servers run the warm workspace's actor, and know the keys
                for k in keys:
                    listed = await client.get("/rest/companies", headers=_bearer(k["token"]))
                    assert listed.status_code == 200, listed.text

            await trio.to_thread.run_sync(stop_embedded, data_dir)
            slowest_down = 0.0
            down_answers = 0
            for _ in range(4):  # several rounds: a cold workspace must not fall into a crash-loop cool-down
                for client in (ca, cb):
                    for account in (warm, cold):
                        for name, response, seconds in await _requests(
                            client, account["accessToken"], account["email"]
                        ):
                            _assert_unavailable(name, response)
                            down_answers += 1
                            slowest_down = max(slowest_down, seconds)

            await trio.to_thread.run_sync(start_embedded, data_dir)
            # a change whose notification neither server hears (as if sent while their LISTEN was down)
            async with open_storage(dsn, min_size=1, max_size=1) as db:
                await db.execute(
                    "UPDATE core.api_key SET revoked_at = now() WHERE id = $1", uuid.UUID(missed["id"])
                )

            async def serves(client: httpx.AsyncClient, account: dict[str, Any]) -> bool:
                response = await client.get("/rest/companies", headers=_bearer(account["accessToken"]))
                assert response.status_code in (200, 503), response.text
                return response.status_code == 200

            resumed_s = await _wait_until(lambda: serves(ca, warm), 15)
            # the cold workspace starts at once on both servers: no cool-down left over from the outage
            for client in (ca, cb):
                with trio.fail_after(FAIL_FAST_S):
                    assert await serves(client, cold)
                    assert await serves(client, warm)
                for name, response, _ in await _requests(client, token, warm["email"]):
                    assert response.status_code in (200, 201), (name, response.text)

            # revoked through A right away (B's LISTEN may not be back yet): B refuses the key soon anyway
            revoked = await ca.post(
                "/metadata",
                headers=_bearer(token),
                json={
                    "query": "mutation($id: ID!) { revokeOneApiKey(id: $id) { id } }",
                    "variables": {"id": key["id"]},
                },
            )
            assert revoked.status_code == 200 and "errors" not in revoked.json(), revoked.text

            async def refused_by_b() -> bool:
                response = await cb.get("/rest/companies", headers=_bearer(key["token"]))
                return response.status_code == 401

            notified_s = await _wait_until(refused_by_b, 15)
            assert (await ca.get("/rest/companies", headers=_bearer(key["token"]))).status_code == 401

            # each LISTEN task, once re-subscribed, reloaded the workspaces it runs: the missed change holds
            async def missed_is_refused() -> bool:
                answers = [await c.get("/rest/companies", headers=_bearer(missed["token"])) for c in (ca, cb)]
                return all(r.status_code == 401 for r in answers)

            caught_up_s = await _wait_until(missed_is_refused, 15)
    finally:
        await trio.to_thread.run_sync(stop_embedded, data_dir)
    report(
        "postgres_restart",
        answers_while_down=down_answers,
        all_503=True,
        slowest_answer_while_down_s=round(slowest_down, 3),
        seconds_to_resume_after_start=round(resumed_s, 2),
        seconds_until_other_server_refused_revoked_key=round(notified_s, 2),
        seconds_until_missed_change_applied=round(caught_up_s, 2),
    )
