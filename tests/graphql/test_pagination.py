"""Keyset pagination: walking every page, forwards or backwards, yields exactly the fully sorted set.

Random records (with NULLs and ties) are created once per test; hypothesis then draws sort keys,
directions, filters and page sizes. The hypothesis loop runs in a worker thread and each request
hops back to the test's Trio loop, so failures shrink as usual.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import httpx
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import Account
from .conftest import fails, ok

DIRECTIONS = ["Asc", "Desc", "AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast"]
# sort key → how it is written in orderBy, and how to read it from a node
KEYS: dict[str, tuple[Any, Any]] = {
    "name": (lambda d: {"name": d}, lambda n: n["name"]),
    "employees": (lambda d: {"employees": d}, lambda n: n["employees"]),
    "idealCustomerProfile": (lambda d: {"idealCustomerProfile": d}, lambda n: n["idealCustomerProfile"]),
    "amountMicros": (lambda d: {"annualRecurringRevenue": {"amountMicros": d}},
                     lambda n: n["annualRecurringRevenue"]["amountMicros"]),
    "currencyCode": (lambda d: {"annualRecurringRevenue": {"currencyCode": d}},
                     lambda n: n["annualRecurringRevenue"]["currencyCode"]),
    "createdAt": (lambda d: {"createdAt": d}, lambda n: datetime.fromisoformat(n["createdAt"])),
    "position": (lambda d: {"position": d}, lambda n: n["position"]),
    "id": (lambda d: {"id": d}, lambda n: n["id"]),
}
FILTERS: list[tuple[dict[str, Any] | None, Any]] = [
    (None, lambda n: True),
    ({"employees": {"is": "NOT_NULL"}}, lambda n: n["employees"] is not None),
    ({"name": {"in": ["a", "b", "ab"]}}, lambda n: n["name"] in ("a", "b", "ab")),
    ({"or": [{"idealCustomerProfile": {"eq": True}}, {"employees": {"lt": 3}}]},
     lambda n: n["idealCustomerProfile"] is True or (n["employees"] is not None and n["employees"] < 3)),
]
QUERY = """
query Walk($filter: CompanyFilterInput, $orderBy: [CompanyOrderByInput!], $first: Int, $after: String,
           $last: Int, $before: String) {
  companies(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id name employees idealCustomerProfile position createdAt
                          annualRecurringRevenue { amountMicros currencyCode } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}
"""
# the same page without pageInfo and totalCount: compiled without the extra row and the row numbers
PLAIN = QUERY.replace("pageInfo { hasNextPage hasPreviousPage startCursor endCursor }", "").replace("totalCount", "")


def random_companies(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Companies whose values repeat often and are NULL often."""

    def maybe(values: list[Any]) -> Any:
        return rng.choice([None, *values])

    out = []
    for _ in range(count):
        amount, code = maybe([0, 5, 10**12]), maybe(["EUR", "USD"])
        company: dict[str, Any] = {
            "name": maybe(["a", "b", "ab", "c"]),
            "employees": maybe([1, 2, 2.5, 100]),
            "idealCustomerProfile": maybe([True, False]),
            "position": maybe([-1.5, 0, 3]),
        }
        if amount is not None or code is not None:
            company["annualRecurringRevenue"] = {"amountMicros": amount, "currencyCode": code}
        out.append(company)
    return out


def sort_nodes(nodes: list[dict[str, Any]], keys: list[tuple[str, str]]) -> list[str]:
    """Ids in the order PostgreSQL must answer: the keys with their NULL rules, then id in the last key's
    direction (so that a (createdAt, id) index serves the default orders)."""
    last_desc = bool(keys) and keys[-1][1].startswith("Desc")
    ordered = sorted(nodes, key=lambda n: n["id"], reverse=last_desc)
    for key, direction in reversed(keys or [("createdAt", "AscNullsLast")]):  # least significant key first
        read = KEYS[key][1]
        desc = direction.startswith("Desc")
        # PostgreSQL's default: NULLs sort as if larger than every value
        nulls_first = direction.endswith("NullsFirst") or (desc and not direction.endswith("NullsLast"))
        present = [n for n in ordered if read(n) is not None]
        absent = [n for n in ordered if read(n) is None]
        present.sort(key=read, reverse=desc)  # stable, also when reversed
        ordered = absent + present if nulls_first else present + absent
    return [n["id"] for n in ordered]


async def create_all(client: httpx.AsyncClient, account: Account, companies: list[dict[str, Any]]) -> None:
    mutation = "mutation ($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }"
    for start in range(0, len(companies), 20):  # several batches: several createdAt values
        await ok(client, account, mutation, {"d": companies[start:start + 20]})


async def all_nodes(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    data = await ok(client, account, QUERY, {"first": 200})
    return [e["node"] for e in data["companies"]["edges"]]


def run_walks(client: httpx.AsyncClient, account: Account, nodes: list[dict[str, Any]], max_examples: int) -> None:
    """The hypothesis loop (in a worker thread): each request hops to the Trio loop."""

    def request(variables: dict[str, Any], query: str = QUERY) -> dict[str, Any]:
        data: dict[str, Any] = trio.from_thread.run(ok, client, account, query, variables)
        return data["companies"]  # type: ignore[no-any-return]

    @settings(max_examples=max_examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(keys=st.lists(st.tuples(st.sampled_from(sorted(KEYS)), st.sampled_from(DIRECTIONS)),
                         max_size=3, unique_by=lambda k: k[0]),
           page=st.integers(min_value=4, max_value=30),
           which=st.integers(min_value=0, max_value=len(FILTERS) - 1),
           backward=st.booleans())
    def walk(keys: list[tuple[str, str]], page: int, which: int, backward: bool) -> None:
        where, keep = FILTERS[which]
        expected = sort_nodes([n for n in nodes if keep(n)], keys)
        order_by = [KEYS[k][0](d) for k, d in keys]
        seen: list[str] = []
        cursor = None
        for _ in range(len(nodes) // page + 2):
            variables: dict[str, Any] = {"filter": where, "orderBy": order_by}
            variables.update({"last": page, "before": cursor} if backward else {"first": page, "after": cursor})
            result = request(variables)
            assert request(variables, PLAIN) == {"edges": result["edges"]}
            ids = [e["node"]["id"] for e in result["edges"]]
            info = result["pageInfo"]
            assert result["totalCount"] == len(expected)
            seen = ids + seen if backward else seen + ids
            more = len(seen) < len(expected)
            assert info["hasPreviousPage" if backward else "hasNextPage"] is more, (info, len(seen))
            assert info["hasNextPage" if backward else "hasPreviousPage"] is (cursor is not None)
            if ids:
                assert info["startCursor"] == result["edges"][0]["cursor"]
                assert info["endCursor"] == result["edges"][-1]["cursor"]
            if not more:
                break
            assert len(ids) == page
            cursor = info["startCursor" if backward else "endCursor"]
        assert seen == expected

    walk()


async def test_walking_pages_yields_the_sorted_set(client: httpx.AsyncClient, account: Account) -> None:
    await create_all(client, account, random_companies(random.Random(20261127), 70))
    nodes = await all_nodes(client, account)
    assert len(nodes) == 70
    with trio.fail_after(180):  # a guard against hangs, generous for loaded machines
        await trio.to_thread.run_sync(run_walks, client, account, nodes, 30)


async def test_windows_between_two_cursors(client: httpx.AsyncClient, account: Account) -> None:
    mutation = "mutation ($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }"
    await ok(client, account, mutation, {"d": [{"name": f"n{i}"} for i in range(10)]})
    query = """query ($first: Int, $last: Int, $after: String, $before: String) {
      companies(orderBy: {name: AscNullsLast}, first: $first, last: $last, after: $after, before: $before) {
        edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage } } }"""
    every = (await ok(client, account, query, {}))["companies"]["edges"]
    cursors = [e["cursor"] for e in every]

    async def window(**variables: Any) -> list[str]:
        data = (await ok(client, account, query, variables))["companies"]
        return [e["node"]["name"] for e in data["edges"]]

    assert await window(after=cursors[1], before=cursors[6]) == ["n2", "n3", "n4", "n5"]
    assert await window(first=2, after=cursors[1], before=cursors[6]) == ["n2", "n3"]
    assert await window(last=2, after=cursors[1], before=cursors[6]) == ["n4", "n5"]
    assert await window(first=3, before=cursors[6]) == ["n0", "n1", "n2"]
    assert await window(last=3, after=cursors[6]) == ["n7", "n8", "n9"]
    assert await window(before=cursors[3]) == ["n0", "n1", "n2"]
    assert await window(after=cursors[6], before=cursors[1]) == []
    await fails(client, account, query, {"first": 1, "last": 1}, code="BAD_USER_INPUT")
    await fails(client, account, query, {"first": 1, "before": "x"}, code="BAD_USER_INPUT")
    # empty batches are fine too
    assert (await ok(client, account, mutation, {"d": []})) == {"createCompanies": []}


async def test_cursor_errors(client: httpx.AsyncClient, account: Account) -> None:
    await create_all(client, account, random_companies(random.Random(1), 5))
    page = (await ok(client, account, QUERY, {"first": 2, "orderBy": [{"name": "Asc"}]}))["companies"]
    cursor = page["pageInfo"]["endCursor"]
    # a cursor of another ordering, and text that is no cursor at all, are refused (not a 500)
    await fails(client, account, QUERY, {"first": 2, "after": cursor,
                                         "orderBy": [{"name": "Asc"}, {"employees": "Desc"}]}, code="BAD_USER_INPUT")
    await fails(client, account, QUERY, {"first": 2, "after": "bm90IGEgY3Vyc29y"}, code="BAD_USER_INPUT")
    await fails(client, account, QUERY, {"first": 2, "after": "!!!"}, code="BAD_USER_INPUT")
    await fails(client, account, QUERY, {"first": 2, "after": "WyJ4IiwgInkiXQ=="}, code="BAD_USER_INPUT")
    # first: 0 answers no edges but the right pageInfo
    empty = (await ok(client, account, QUERY, {"first": 0}))["companies"]
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is True and empty["totalCount"] == 5
