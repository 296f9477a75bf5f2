"""No N+1: a nested read costs one SQL statement whatever the number of records it answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from ..conftest import Account, Server
from .conftest import create_companies, ok, schema_of
from .test_api_examples import GET_COMPANIES

_METHODS = ("fetch", "fetchrow", "fetchval", "execute", "fetch_json_bytes", "transaction", "run_batch",
            "with_connection")


@contextmanager
def counting(server: Server, *accounts: Account) -> Iterator[Counter[str]]:
    """Count the server's calls into storage that touch the accounts' workspaces, by method and by statement.

    Calls that name no such workspace schema (authentication, the webhook sender's polls) are not counted.
    """
    db = server.services.db
    schemas = [schema_of(a) for a in accounts]
    counts: Counter[str] = Counter()

    def wrap(name: str) -> Any:
        original = getattr(db, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            if name == "run_batch":
                texts = [sql for job in args[0] for sql, _ in job]
            elif name == "transaction":
                texts = [sql for sql, _ in args[0]]
            elif name == "with_connection":
                texts = ["?"]  # opaque: counted whatever it does
            else:
                texts = [args[0]]
            mine = [t for t in texts if t == "?" or any(schema in t for schema in schemas)]
            if mine:
                counts[name] += 1
                counts["statements"] += len(mine)
            return await original(*args, **kwargs)

        return counted

    for name in _METHODS:
        setattr(db, name, wrap(name))
    try:
        yield counts
    finally:
        for name in _METHODS:
            delattr(db, name)


async def seed(client: httpx.AsyncClient, account: Account, companies: int) -> None:
    ids = await create_companies(client, account, [
        {"name": f"c{i}", "industry": "Technology", "employees": 100 + i} for i in range(companies)])
    people = [{"name": {"firstName": f"p{i}"}, "companyId": c} for c in ids for i in range(3)]
    await ok(client, account, "mutation ($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }", {"d": people})
    deals = [{"name": f"o{i}", "companyId": c, "amount": {"amountMicros": 1, "currencyCode": "USD"}}
             for c in ids for i in range(2)]
    await ok(client, account, "mutation ($d: [OpportunityCreateInput!]!) { createOpportunities(data: $d) { id } }",
             {"d": deals})


async def statements_for(client: httpx.AsyncClient, account: Account, server: Server,
                         query: str, variables: dict[str, Any], expected: int) -> Counter[str]:
    await ok(client, account, query, variables)  # warm: actor started, document cached
    with counting(server, account) as counts:
        data = await ok(client, account, query, variables)
    root = next(iter(data.values()))
    assert len(root["edges"]) == expected
    return counts


async def test_get_companies_is_one_statement(client: httpx.AsyncClient, server: Server) -> None:
    from ..conftest import sign_up

    small, large = await sign_up(client), await sign_up(client)
    await seed(client, small, 1)
    await seed(client, large, 25)
    variables = {"filter": {"industry": {"eq": "Technology"}}, "limit": 20}
    few = await statements_for(client, small, server, GET_COMPANIES, variables, 1)
    many = await statements_for(client, large, server, GET_COMPANIES, variables, 20)
    assert few == many
    assert few["fetch_json_bytes"] == 1  # the whole answer: one statement, one bridge crossing
    assert few["statements"] == 1, few
    # every company came with its people and opportunities
    data = await ok(client, large, GET_COMPANIES, variables)
    assert all(len(e["node"]["people"]["edges"]) == 3 and len(e["node"]["opportunities"]["edges"]) == 2
               for e in data["companies"]["edges"])


async def test_deep_and_several_roots_are_one_statement(client: httpx.AsyncClient, account: Account,
                                                        server: Server) -> None:
    await seed(client, account, 5)
    query = """{
      companies { edges { node { name people { edges { node { name { firstName } company { name
        opportunities { totalCount edges { node { name company { name } } } } } } } } } } }
      people(first: 3) { edges { node { id } } }
      opportunities { totalCount edges { node { id } } }
    }"""
    with counting(server, account) as counts:
        data = await ok(client, account, query)
    assert counts["statements"] == 1 and counts["fetch_json_bytes"] == 1, counts
    assert len(data["people"]["edges"]) == 3 and data["opportunities"]["totalCount"] == 10
    company = data["companies"]["edges"][0]["node"]
    assert company["people"]["edges"][0]["node"]["company"]["opportunities"]["totalCount"] == 2


async def test_write_is_one_statement(client: httpx.AsyncClient, account: Account, server: Server) -> None:
    await create_companies(client, account, [{"name": "warm"}])
    with counting(server, account) as counts:
        await create_companies(client, account, [{"name": f"c{i}"} for i in range(50)])
    # one job with one statement: rows, events and the answer together
    assert counts["run_batch"] == 1 and counts["statements"] == 1, counts
