"""REST writes and errors: body checks before anything is written, 415, 404s, isolation, batches."""

from __future__ import annotations

import uuid

import httpx

from ..conftest import Account, sign_up
from .conftest import batch, call, error


async def _count(client: httpx.AsyncClient, account: Account, plural: str) -> int:
    answer = await call(client, account, "GET", f"/rest/{plural}?limit=0")
    total: int = answer["meta"]["totalCount"]
    return total


async def test_bad_bodies_are_400_with_details_and_write_nothing(client: httpx.AsyncClient,
                                                                  account: Account) -> None:
    bodies = {
        "email": {"name": {"firstName": "Jo"}, "email": "not-an-email"},
        "nickname": {"nickname": "Jo"},
        "city": {"city": 42},
        "name": {"name": "Jo Smith"},
        "name.middleName": {"name": {"middleName": "Q"}},
        "companyId": {"companyId": "acme"},
        "createdAt": {"createdAt": "2024-01-01T00:00:00Z"},
        "company": {"company": {"id": str(uuid.uuid4())}},
        "name.lastName": {"name": {"lastName": "a\u0000b"}},
    }
    for field, body in bodies.items():
        err = await error(client, account, "POST", "/rest/people", body, status=400, code="VALIDATION_ERROR")
        assert [d["field"] for d in err["details"]] == [field], (body, err)
    err = await error(client, account, "POST", "/rest/people", {"email": "x", "city": 1, "jobTitle": None},
                      status=400, code="VALIDATION_ERROR")
    assert [(d["field"], d["message"]) for d in err["details"]] == [
        ("email", "Invalid email format"), ("city", "must be a string")]
    company_cases = {
        "employees": {"employees": "many"},
        "idealCustomerProfile": {"idealCustomerProfile": "yes"},
        "annualRecurringRevenue.amountMicros": {"annualRecurringRevenue": {"amountMicros": 1.5}},
    }
    for field, body in company_cases.items():
        err = await error(client, account, "POST", "/rest/companies", body, status=400, code="VALIDATION_ERROR")
        assert [d["field"] for d in err["details"]] == [field], (body, err)
    for field, body in {"stage": {"stage": "WON"}, "closeDate": {"closeDate": "someday"}}.items():
        err = await error(client, account, "POST", "/rest/opportunities", body, status=400, code="VALIDATION_ERROR")
        assert [d["field"] for d in err["details"]] == [field]
    await error(client, account, "POST", "/rest/people", [{"city": "x"}], status=400, code="VALIDATION_ERROR")
    response = await client.post("/rest/people", content=b"null",
                                 headers={**account.headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["details"][0]["field"] == "body"
    assert await _count(client, account, "people") == 0
    assert await _count(client, account, "companies") == 0
    [person] = await batch(client, account, "people", [{"city": "Paris"}])
    err = await error(client, account, "PATCH", f"/rest/people/{person['id']}", {"email": "nope", "id": person["id"]},
                      status=400, code="VALIDATION_ERROR")
    assert sorted(d["field"] for d in err["details"]) == ["email", "id"]
    again = await call(client, account, "GET", f"/rest/people/{person['id']}")
    assert again["data"] == person


async def test_content_type_and_malformed_json(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post("/rest/companies", headers=account.headers, content=b"name=Acme")
    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    response = await client.post("/rest/companies", headers={**account.headers, "Content-Type": "text/plain"},
                                 content=b'{"name": "Acme"}')
    assert response.status_code == 415
    response = await client.post("/rest/companies",
                                 headers={**account.headers, "Content-Type": "application/json; charset=utf-8"},
                                 content=b'{"name": ')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert await _count(client, account, "companies") == 0


async def test_not_found(client: httpx.AsyncClient, account: Account) -> None:
    missing = str(uuid.uuid4())
    for method, url, body in (
        ("GET", "/rest/planets", None),
        ("POST", "/rest/planets", {"name": "x"}),
        ("GET", f"/rest/planets/{missing}", None),
        ("POST", "/rest/batch/planets", [{"name": "x"}]),
        ("GET", f"/rest/companies/{missing}", None),
        ("PATCH", f"/rest/companies/{missing}", {"name": "x"}),
        ("DELETE", f"/rest/companies/{missing}", None),
    ):
        await error(client, account, method, url, body, status=404, code="NOT_FOUND")
    err = await error(client, account, "GET", "/rest/companies/not-a-uuid", status=400, code="VALIDATION_ERROR")
    assert err["details"] == [{"field": "id", "message": "'not-a-uuid' is not a UUID"}]
    response = await client.get("/rest/companies")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_records_of_other_workspaces_are_not_found(client: httpx.AsyncClient, account: Account) -> None:
    [mine] = await batch(client, account, "companies", [{"name": "Mine"}])
    other = await sign_up(client, "Other")
    for method, url, body in (("GET", f"/rest/companies/{mine['id']}", None),
                              ("PATCH", f"/rest/companies/{mine['id']}", {"name": "Stolen"}),
                              ("DELETE", f"/rest/companies/{mine['id']}", None)):
        await error(client, other, method, url, body, status=404, code="NOT_FOUND")
    assert (await call(client, other, "GET", "/rest/companies"))["data"] == []
    assert (await call(client, other, "GET", f"/rest/companies?filter[id][eq]={mine['id']}"))["data"] == []
    still = await call(client, account, "GET", f"/rest/companies/{mine['id']}")
    assert still["data"]["name"] == "Mine"


async def test_batch_is_all_or_nothing(client: httpx.AsyncClient, account: Account) -> None:
    err = await error(client, account, "POST", "/rest/batch/companies",
                      [{"name": "Good"}, {"name": "Bad", "employees": "many"}, {"nope": 1}],
                      status=400, code="VALIDATION_ERROR")
    assert [d["field"] for d in err["details"]] == ["1.employees", "2.nope"]
    fixed_id = str(uuid.uuid4())
    await error(client, account, "POST", "/rest/batch/companies",
                [{"id": fixed_id, "name": "One"}, {"id": fixed_id, "name": "Two"}], status=400,
                code="VALIDATION_ERROR")
    await error(client, account, "POST", "/rest/batch/people",
                [{"city": "A"}, {"city": "B", "companyId": str(uuid.uuid4())}], status=400, code="VALIDATION_ERROR")
    [existing] = await batch(client, account, "companies", [{"id": fixed_id, "name": "Existing"}])
    await error(client, account, "POST", "/rest/batch/companies", [{"name": "New"}, {"id": fixed_id, "name": "Dup"}],
                status=409, code="CONFLICT")
    for body in ({"name": "not an array"}, []):
        await error(client, account, "POST", "/rest/batch/companies", body, status=400, code="VALIDATION_ERROR")
    listed = await call(client, account, "GET", "/rest/companies")
    assert [c["id"] for c in listed["data"]] == [existing["id"]]
    made = await batch(client, account, "companies", [{"name": f"B{i}"} for i in range(3)])
    assert [c["name"] for c in made] == ["B0", "B1", "B2"]


async def test_writes_log_events_like_graphql(client: httpx.AsyncClient, account: Account, server: object) -> None:
    from ..graphql.conftest import events

    [company] = await batch(client, account, "companies", [{"name": "Evented"}])
    await call(client, account, "PATCH", f"/rest/companies/{company['id']}", {"employees": 3})
    await call(client, account, "DELETE", f"/rest/companies/{company['id']}")
    logged = await events(server, account)  # type: ignore[arg-type]
    mine = [(e["event"], e["data"]["name"]) for e in logged if str(e["recordId"]) == company["id"]]
    assert mine == [("company.created", "Evented"), ("company.updated", "Evented"), ("company.deleted", "Evented")]


async def test_api_key_token_works_for_rest(client: httpx.AsyncClient, account: Account) -> None:
    from ..conftest import gql

    created = await gql(client, account.access_token, 'mutation { createOneApiKey(data: {name: "rest"}) { token } }',
                        path="/metadata")
    token = created.json()["data"]["createOneApiKey"]["token"]
    response = await client.post("/rest/companies", json={"name": "Via key"},
                                 headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    assert response.headers.get("X-RateLimit-Limit")


async def test_repeated_reads_see_new_writes(client: httpx.AsyncClient, account: Account) -> None:
    """Compiled reads are reused for the same URL; the answers are never cached."""
    url = "/rest/companies?filter[name][startsWith]=Re&order[name]=asc"
    assert (await call(client, account, "GET", url))["data"] == []
    [first] = await batch(client, account, "companies", [{"name": "Repeat"}])
    assert [c["id"] for c in (await call(client, account, "GET", url))["data"]] == [first["id"]]
    await call(client, account, "PATCH", f"/rest/companies/{first['id']}", {"name": "Renamed"})
    assert [c["name"] for c in (await call(client, account, "GET", url))["data"]] == ["Renamed"]
    one = f"/rest/companies/{first['id']}"
    assert (await call(client, account, "GET", one))["data"]["name"] == "Renamed"
    await call(client, account, "DELETE", one)
    await error(client, account, "GET", one, status=404, code="NOT_FOUND")
    assert (await call(client, account, "GET", url))["data"] == []


async def test_delete_for_good_with_soft_delete_false(client: httpx.AsyncClient, account: Account) -> None:
    gone, kept = await batch(client, account, "companies", [{"name": "Gone"}, {"name": "Kept"}])
    answer = await call(client, account, "DELETE", f"/rest/companies/{gone['id']}?soft_delete=false")
    assert answer == {"data": {"id": gone["id"], "deleted": True}}
    await call(client, account, "DELETE", f"/rest/companies/{kept['id']}?soft_delete=true")
    deleted = await call(client, account, "GET", "/rest/companies?filter[deletedAt][is]=NOT_NULL")
    assert [c["name"] for c in deleted["data"]] == ["Kept"]
    await error(client, account, "DELETE", f"/rest/companies/{kept['id']}?soft_delete=maybe", status=400,
                code="VALIDATION_ERROR")
