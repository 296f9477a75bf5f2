"""REST list queries: every operator, composite and relation paths, Twenty's syntax, cursors, depth."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from ..conftest import Account
from .conftest import batch, call, error


async def _seed(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    acme, globex, initech = await batch(client, account, "companies", [
        {"name": "Acme", "industry": "Technology", "employees": 500, "idealCustomerProfile": True,
         "annualRecurringRevenue": {"amountMicros": 2_000_000_000_000, "currencyCode": "USD"}},
        {"name": "Globex", "industry": "Finance", "employees": 90,
         "annualRecurringRevenue": {"amountMicros": 500_000_000, "currencyCode": "EUR"}},
        {"name": "Initech", "employees": 50},
    ])
    people = await batch(client, account, "people", [
        {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "email": "ada@acme.com", "companyId": acme["id"],
         "city": "London"},
        {"name": {"firstName": "Alan", "lastName": "Turing"}, "email": "alan@acme.com", "companyId": acme["id"]},
        {"name": {"firstName": "Grace", "lastName": "Hopper"}, "companyId": globex["id"], "city": "Arlington"},
    ])
    await batch(client, account, "tasks", [
        {"title": "Call", "status": "DONE", "dueAt": "2024-01-10T09:00:00Z"},
        {"title": "Write", "dueAt": "2024-03-01T09:00:00Z"},
        {"title": "Plan"},
    ])
    return {"acme": acme, "globex": globex, "initech": initech, "people": people}


async def _names(client: httpx.AsyncClient, account: Account, url: str, key: str = "name") -> list[Any]:
    answer = await call(client, account, "GET", url)
    return [r[key] for r in answer["data"]]


async def test_operators_and_paths(client: httpx.AsyncClient, account: Account) -> None:
    s = await _seed(client, account)
    base = "/rest/companies?order[name]=asc&"
    cases = {
        "filter[industry][neq]=Technology": ["Globex"],
        "filter[industry][is]=NULL": ["Initech"],
        "filter[industry][is]=NOT_NULL": ["Acme", "Globex"],
        "filter[employees][lt]=90": ["Initech"],
        "filter[employees][lte]=90": ["Globex", "Initech"],
        "filter[employees][in]=50,500": ["Acme", "Initech"],
        "filter[name][ilike]=%25C%25": ["Acme", "Initech"],
        "filter[name][startsWith]=Ini": ["Initech"],
        "filter[name][endsWith]=ex": ["Globex"],
        "filter[idealCustomerProfile][eq]=true": ["Acme"],
        "filter[idealCustomerProfile][eq]=false": ["Globex", "Initech"],
        "filter[annualRecurringRevenue.amountMicros][gte]=1000000000000": ["Acme"],
        "filter[annualRecurringRevenue.currencyCode][eq]=EUR": ["Globex"],
        f"filter[id][eq]={s['globex']['id']}": ["Globex"],
        f"filter[id][in]={s['globex']['id']},{s['initech']['id']}": ["Globex", "Initech"],
        "filter[createdAt][lt]=2000-01-01": [],
        "filter[createdAt][gt]=2000-01-01T00:00:00Z": ["Acme", "Globex", "Initech"],
    }
    for query, expected in cases.items():
        assert await _names(client, account, base + query) == expected, query
    people = "/rest/people?order[name.firstName]=desc&"
    first = "name"
    assert [n["firstName"] for n in await _names(client, account, people + "filter[name.firstName][eq]=Ada", first)] \
        == ["Ada"]
    assert [n["firstName"] for n in await _names(client, account, people + "filter[company.name][eq]=Acme", first)] \
        == ["Alan", "Ada"]
    assert [n["firstName"] for n in await _names(client, account, people + f"filter[companyId][eq]={s['globex']['id']}",
                                                 first)] == ["Grace"]
    assert [n["firstName"] for n in await _names(client, account, people + "filter[email][like]=%25@acme.com", first)] \
        == ["Alan", "Ada"]
    tasks = "/rest/tasks?order[dueAt]=AscNullsFirst&"
    assert await _names(client, account, tasks + "filter[status][eq]=TODO", "title") == ["Plan", "Write"]
    assert await _names(client, account, tasks + "filter[status][in]=DONE,IN_PROGRESS", "title") == ["Call"]
    assert await _names(client, account, tasks + "filter[dueAt][gte]=2024-02-01T00:00:00Z", "title") == ["Write"]
    assert await _names(client, account, "/rest/tasks?order[dueAt]=DescNullsLast", "title") == ["Write", "Call", "Plan"]
    assert await _names(client, account, "/rest/tasks?order[dueAt]=desc", "title") == ["Plan", "Write", "Call"]


async def test_twenty_syntax(client: httpx.AsyncClient, account: Account) -> None:
    await _seed(client, account)
    base = "/rest/companies?order_by=name[AscNullsFirst]&filter="
    cases = {
        "employees[gte]:100,industry[eq]:Technology": ["Acme"],
        "or(industry[eq]:Finance,employees[lt]:60)": ["Globex", "Initech"],
        "and(employees[gte]:60,not(industry[eq]:Technology))": ["Globex"],
        'name[in]:["Acme","Initech"]': ["Acme", "Initech"],
        'name[eq]:"Acme"': ["Acme"],
        "industry[is]:NULL": ["Initech"],
        "annualRecurringRevenue.currencyCode[eq]:'USD'": ["Acme"],
    }
    for text, expected in cases.items():
        assert await _names(client, account, base + quote(text)) == expected, text
    assert await _names(client, account, "/rest/companies?order_by=employees[DescNullsLast]") == [
        "Acme", "Globex", "Initech"]
    assert await _names(client, account, "/rest/companies?order_by=industry,name[DescNullsFirst]") == [
        "Initech", "Globex", "Acme"]


async def test_cursor_paging_both_ways(client: httpx.AsyncClient, account: Account) -> None:
    await batch(client, account, "companies", [{"name": f"C{i:02d}", "employees": i % 4} for i in range(25)])
    order = "order[employees]=desc&order[name]=asc"
    expected = await _names(client, account, f"/rest/companies?{order}&limit=100")
    seen: list[str] = []
    url = f"/rest/companies?{order}&limit=10"
    pages = 0
    while True:
        page = await call(client, account, "GET", url)
        pages += 1
        assert page["meta"]["totalCount"] == page["totalCount"] == 25
        assert page["pageInfo"]["hasNextPage"] is page["meta"]["hasMore"]
        assert page["pageInfo"]["hasPreviousPage"] is (pages > 1)
        seen += [c["name"] for c in page["data"]]
        if not page["meta"]["hasMore"]:
            break
        url = f"/rest/companies?{order}&limit=10&starting_after={quote(page['meta']['endCursor'])}"
    assert pages == 3
    assert seen == expected
    back: list[str] = []
    cursor = page["meta"]["startCursor"]
    while True:
        page = await call(client, account, "GET",
                          f"/rest/companies?{order}&limit=10&ending_before={quote(cursor)}")
        back = [c["name"] for c in page["data"]] + back
        assert page["pageInfo"]["hasNextPage"] is True  # read backwards from a cursor: its row comes next
        assert page["pageInfo"]["hasPreviousPage"] is page["meta"]["hasMore"]
        if not page["meta"]["hasMore"]:
            break
        cursor = page["meta"]["startCursor"]
    assert back == expected[:20]
    empty = await call(client, account, "GET", "/rest/companies?filter[name][eq]=nobody")
    assert empty == {"data": [], "meta": {"totalCount": 0, "hasMore": False, "startCursor": None,
                                          "endCursor": None},
                     "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None,
                                  "endCursor": None},
                     "totalCount": 0}
    other_order = await error(client, account, "GET",
                              f"/rest/companies?order[name]=asc&starting_after={quote(cursor)}",
                              status=400, code="VALIDATION_ERROR")
    assert other_order["details"][0]["field"] == "starting_after"
    for bad in ("not-base64!", "bnVsbA==", "WyJ4Il0="):
        await error(client, account, "GET", f"/rest/companies?starting_after={quote(bad)}", status=400,
                    code="VALIDATION_ERROR")


async def test_depth_one_embeds_relations(client: httpx.AsyncClient, account: Account) -> None:
    s = await _seed(client, account)
    acme = await call(client, account, "GET", f"/rest/companies/{s['acme']['id']}?depth=1")
    people = acme["data"]["people"]
    assert sorted(p["name"]["firstName"] for p in people) == ["Ada", "Alan"]
    assert all("company" not in p for p in people)  # one level only
    assert acme["data"]["opportunities"] == []
    flat = await call(client, account, "GET", f"/rest/companies/{s['acme']['id']}")
    assert "people" not in flat["data"]
    listed = await call(client, account, "GET", "/rest/people?depth=1&order[name.firstName]=asc")
    companies = [p["company"]["name"] if p["company"] else None for p in listed["data"]]
    assert companies == ["Acme", "Acme", "Globex"]
    assert listed["data"][0]["company"]["id"] == s["acme"]["id"]
    await error(client, account, "GET", "/rest/people?depth=2", status=400, code="VALIDATION_ERROR")


async def test_limits(client: httpx.AsyncClient, account: Account) -> None:
    await batch(client, account, "notes", [{"title": f"n{i}"} for i in range(205)])
    default = await call(client, account, "GET", "/rest/notes")
    assert len(default["data"]) == 60 and default["meta"]["hasMore"] is True
    clamped = await call(client, account, "GET", "/rest/notes?limit=1000")
    assert len(clamped["data"]) == 200 and clamped["meta"]["totalCount"] == 205
    zero = await call(client, account, "GET", "/rest/notes?limit=0")
    assert zero["data"] == [] and zero["meta"]["hasMore"] is True and zero["meta"]["totalCount"] == 205
    # the last page, a page past the end, and a filtered page all report the full total
    for query, rows in (("offset=200", 5), ("offset=1000", 0), ("filter[title][in]=n1,n2", 2)):
        page = await call(client, account, "GET", f"/rest/notes?{query}")
        assert len(page["data"]) == rows, query
        assert page["meta"]["totalCount"] == (2 if "filter" in query else 205), query
        assert page["meta"]["hasMore"] is False


async def test_bad_queries_are_400_with_details(client: httpx.AsyncClient, account: Account) -> None:
    cases = {
        "filter[nope][eq]=1": "nope",
        "filter[employees][gt]=many": "employees",
        "filter[employees][like]=1": "employees",
        "filter[employees][almost]=1": "employees",
        "filter[idealCustomerProfile][eq]=yes": "idealCustomerProfile",
        "filter[createdAt][gt]=yesterday": "createdAt",
        "filter[id][eq]=42": "id",
        "filter[name][is]=EMPTY": "name",
        "filter[annualRecurringRevenue][eq]=1": "annualRecurringRevenue",
        "filter[annualRecurringRevenue.amountMicros][gte]=1.5": "annualRecurringRevenue.amountMicros",
        "filter[people.id][eq]=x": "people.id",
        "filter[industry][in]=": "industry",
        "order[nope]=asc": "order[nope]",
        "order[name]=sideways": "order[name]",
        "limit=ten": "limit",
        "limit=-1": "limit",
        "offset=-5": "offset",
        "filter=employees[gte]100": "filter",
        "filter=or(name[eq]:a": "filter",
        "order_by=name[Up]": "order[name]",
        "filter[name][like]=a%00b": "name",
        "filter[name][eq]=a%00b": "name",
    }
    for query, field in cases.items():
        err = await error(client, account, "GET", f"/rest/companies?{query}", status=400, code="VALIDATION_ERROR")
        assert [d["field"] for d in err["details"]] == [field], (query, err)
        assert all(d["message"] for d in err["details"])
    stage = await error(client, account, "GET", "/rest/opportunities?filter[stage][eq]=WON", status=400,
                        code="VALIDATION_ERROR")
    assert "PROPOSAL" in stage["details"][0]["message"]
    several = await error(client, account, "GET", "/rest/companies?filter[a][eq]=1&filter[b][eq]=2&limit=x",
                          status=400, code="VALIDATION_ERROR")
    assert sorted(d["field"] for d in several["details"]) == ["a", "b", "limit"]


async def test_last_cursor_is_another_name_of_starting_after(client: httpx.AsyncClient, account: Account) -> None:
    await batch(client, account, "companies", [{"name": f"L{i:02d}"} for i in range(5)])
    first = await call(client, account, "GET", "/rest/companies?order[name]=asc&limit=2")
    after = quote(first["meta"]["endCursor"])
    page = "/rest/companies?order[name]=asc&limit=2"
    by_old_name = await call(client, account, "GET", f"{page}&last_cursor={after}")
    by_new_name = await call(client, account, "GET", f"{page}&starting_after={after}")
    assert [c["name"] for c in by_old_name["data"]] == [c["name"] for c in by_new_name["data"]] == ["L02", "L03"]


async def test_unknown_query_parameters_are_refused_by_name(client: httpx.AsyncClient, account: Account) -> None:
    (acme,) = await batch(client, account, "companies", [{"name": "Acme"}])
    for method, url, names in [
        ("GET", "/rest/companies?limit=5&cursor=abc&sort[name]=asc", ["cursor", "sort[name]"]),
        ("GET", f"/rest/companies/{acme['id']}?depth=1&fields=name", ["fields"]),
        ("DELETE", f"/rest/companies/{acme['id']}?hard=true", ["hard"]),
    ]:
        body = await error(client, account, method, url, status=400, code="VALIDATION_ERROR")
        assert [d["field"] for d in body["details"]] == names, body
        assert all(d["message"] == "unknown query parameter" for d in body["details"])
    # nothing was deleted
    assert (await call(client, account, "GET", f"/rest/companies/{acme['id']}"))["data"]["name"] == "Acme"
