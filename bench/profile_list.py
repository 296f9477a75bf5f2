"""Where the time of one graphql-list request goes, stage by stage, timed in-process.

    python -m bench.profile_list --database-url DSN --token TOKEN [--n 2000]

It opens the server's services on the same database as a running server (same JWT secret, kept in
the database), then runs each stage of a ``POST /graphql`` list request on its own, sequentially,
``--n`` times, and prints the wall time and the CPU time (all threads of this process) per call:
authentication (JWT + actor lookup), the document cache (parse/validate on a miss only), the plan by
shape (a cache hit) and binding its values, the workspace actor hop (``registry.call(RunRead)`` minus
the direct storage call), the asyncpg bridge and PostgreSQL (``db.fetch_json_bytes``), PostgreSQL's
own execution (``EXPLAIN ANALYZE``), and the whole ``run_core_request``. The HTTP layer (the native
server and the pipeline) is what is left of the server's CPU per request measured under load by the
bench.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import trio

from .scenarios import LIST_QUERY


async def _time(n: int, fn: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """(wall µs, CPU µs) per call, after a warm-up."""
    for _ in range(min(200, n)):
        await fn()
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        await fn()
    return (time.perf_counter() - w0) * 1e6 / n, (time.process_time() - c0) * 1e6 / n


async def profile(dsn: str, token: str, n: int, query: str) -> list[tuple[str, float, float]]:
    from twenty_actors.graphql.core_endpoint import plan_core_request, run_core_request
    from twenty_actors.graphql.endpoint import prepare
    from twenty_actors.planning import bind
    from twenty_actors.services import open_services
    from twenty_actors.settings import Settings
    from twenty_actors.workspace.messages import RunRead

    body = msgspec.json.encode({"query": query})
    header = f"Bearer {token}"
    out: list[tuple[str, float, float]] = []
    async with open_services(Settings(database_url=dsn)) as services:
        registry = services.registry
        caller = await services.auth.caller(header)
        principal = caller.principal
        model = caller.model
        core = model.core

        def plan_and_bind() -> tuple[str, list[Any]]:
            planned = plan_core_request(model, body)
            assert planned.query is not None
            assert planned.query.plan is not None
            [(sql, params)] = bind(planned.query.plan, planned.op.variables)
            return sql, params

        sql, params = plan_and_bind()

        async def auth() -> None:
            await services.auth.caller(header)

        async def cached_document() -> None:
            prepare(core.documents, body)

        async def plan() -> None:
            plan_and_bind()

        async def actor() -> None:
            await registry.call(principal.workspace_id, RunRead(sql=sql, params=params))

        async def direct() -> None:
            await services.db.fetch_json_bytes(sql, *params)

        async def actor_trivial() -> None:
            await registry.call(principal.workspace_id, RunRead(sql="SELECT '{}'::text", params=[]))

        async def direct_trivial() -> None:
            await services.db.fetch_json_bytes("SELECT '{}'::text")

        async def whole() -> None:
            await run_core_request(caller, body)

        for label, fn in [
            ("authenticate (JWT decode + actor lookup), once", auth),
            ("document cache hit (request decode + cached parse/validate)", cached_document),
            ("plan by shape (a cache hit) and bind the values", plan),
            ("registry.call(RunRead): actor hop + bridge + PostgreSQL", actor),
            ("db.fetch_json_bytes: bridge + asyncpg + PostgreSQL", direct),
            ("run_core_request: all of the above but auth", whole),
            ("registry.call(RunRead) of SELECT '{}': actor hop + bridge", actor_trivial),
            ("db.fetch_json_bytes of SELECT '{}': bridge + asyncpg round trip", direct_trivial),
        ]:
            wall, cpu = await _time(n, fn)
            out.append((label, wall, cpu))
        explain = await services.db.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *params)
        doc = msgspec.json.decode(explain) if isinstance(explain, (str, bytes)) else explain
        plan0 = doc[0]
        out.append(("PostgreSQL: planning (EXPLAIN ANALYZE)", plan0["Planning Time"] * 1000, float("nan")))
        out.append(("PostgreSQL: execution (EXPLAIN ANALYZE)", plan0["Execution Time"] * 1000, float("nan")))
        out.append(("SQL", 0.0, 0.0))
        print(sql)
    return out


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", module="platformdirs")
    p = argparse.ArgumentParser(
        prog="python -m bench.profile_list",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--database-url", required=True)
    p.add_argument("--token", required=True, help="an access token of a seeded workspace")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--query", default=LIST_QUERY)
    a = p.parse_args(argv)
    rows = trio.run(profile, a.database_url, a.token, a.n, a.query)
    print(f"{'stage':<62} {'wall µs':>9} {'CPU µs':>9}")
    for label, wall, cpu in rows:
        if label == "SQL":
            continue
        print(f"{label:<62} {wall:>9.0f} {cpu:>9.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
