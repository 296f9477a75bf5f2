"""The OpenAPI documents: valid OpenAPI 3.0, generated from metadata, honoured by the live server."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import trio
from twenty_storage.model import Field, Metadata, Object, SelectOption

from twenty_actors.metadata.standard import standard_objects
from twenty_actors.rest.openapi import build_core_document, build_metadata_document

from ..conftest import Account, gql
from .conftest import batch, call


def _metadata(*extra: Object) -> Metadata:
    objects = {o.name_singular: o for o in [*standard_objects(), *extra]}
    return Metadata(workspace_id=uuid.uuid4(), schema_name="workspace_x", version=7, objects=objects)


def _every_type() -> Object:
    """A custom object with a field of every type."""
    base = {o.name_singular: o for o in standard_objects()}["note"]
    system = {n: f for n, f in base.fields.items() if f.is_system}
    specs: list[tuple[str, str, dict[str, Any]]] = [
        ("title", "TEXT", {"is_nullable": False}), ("contact", "EMAIL", {}), ("phone", "PHONE", {}),
        ("site", "URL", {}), ("rooms", "NUMBER", {}), ("garage", "BOOLEAN", {}), ("listedAt", "DATE_TIME", {}),
        ("builtOn", "DATE", {}), ("price", "CURRENCY", {}), ("owner", "FULL_NAME", {}), ("score", "RATING", {}),
        ("status", "SELECT", {"options": [SelectOption(value="FOR_SALE", label="For sale"),
                                          SelectOption(value="SOLD", label="Sold")]}),
        ("tags", "MULTI_SELECT", {"options": [SelectOption(value="POOL", label="Pool")]}),
        ("extra", "JSON", {}), ("ref", "UUID", {}),
    ]
    fields = dict(system)
    for name, kind, more in specs:
        fields[name] = Field(id=uuid.uuid4(), name=name, label=name.title(), type=kind, is_custom=True, **more)
    return Object(id=uuid.uuid4(), name_singular="property", name_plural="properties", label_singular="Property",
                  label_plural="Properties", is_custom=True, fields=fields)


def test_documents_are_valid_openapi_3_0() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    md = _metadata(_every_type())
    core = build_core_document(md, "http://example.test")
    validator.validate(core)
    validator.validate(build_metadata_document(md, "http://example.test"))
    assert core["openapi"].startswith("3.0.")
    assert core["servers"] == [{"url": "http://example.test/rest"}]
    assert core["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "An API key or an access token from /auth/login"}
    for obj in md.objects.values():
        plural = obj.name_plural
        assert set(core["paths"][f"/{plural}"]) == {"get", "post"}
        assert set(core["paths"][f"/{plural}/{{id}}"]) == {"parameters", "get", "patch", "delete"}
        assert set(core["paths"][f"/batch/{plural}"]) == {"post"}
        name = obj.name_singular[0].upper() + obj.name_singular[1:]
        assert {name, f"{name}ForCreate", f"{name}ForUpdate"} <= set(core["components"]["schemas"])
    schemas = core["components"]["schemas"]
    prop = schemas["Property"]["properties"]
    assert prop["status"]["enum"] == ["FOR_SALE", "SOLD", None]
    assert prop["tags"]["items"]["enum"] == ["POOL"]
    assert prop["score"]["enum"][:5] == [f"RATING_{i}" for i in range(1, 6)]
    assert prop["price"] == {"$ref": "#/components/schemas/Currency"}
    assert prop["owner"] == {"$ref": "#/components/schemas/FullName"}
    assert prop["listedAt"]["format"] == "date-time" and prop["builtOn"]["format"] == "date"
    create = schemas["PropertyForCreate"]
    assert create["required"] == ["title"] and create["additionalProperties"] is False
    assert "createdAt" not in create["properties"] and "id" in create["properties"]
    assert "id" not in schemas["PropertyForUpdate"]["properties"]
    assert "required" not in schemas["PropertyForUpdate"]
    assert schemas["PersonForCreate"]["properties"]["companyId"]["format"] == "uuid"
    assert schemas["Company"]["properties"]["people"]["type"] == "array"
    list_op = core["paths"]["/companies"]["get"]
    names = {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in list_op["parameters"]}
    assert names == {"limit", "offset", "filter", "order", "order_by", "starting_after", "ending_before", "depth"}
    assert list_op["responses"]["400"] == {"$ref": "#/components/responses/BadRequest"}
    error = schemas["Error"]["properties"]["error"]
    assert set(error["properties"]) >= {"message", "code", "statusCode", "details"}


async def test_document_follows_metadata_changes_at_once(client: httpx.AsyncClient, account: Account) -> None:
    first = await client.get("/rest/open-api/core", headers=account.headers)
    assert first.status_code == 200
    assert "/rockets" not in first.json()["paths"]
    again = await client.get("/rest/open-api/core", headers=account.headers)
    assert again.content == first.content  # cached for the metadata version
    created = await gql(client, account.access_token, """
        mutation { createOneObject(data: {nameSingular: "rocket", namePlural: "rockets", labelSingular: "Rocket",
                                          labelPlural: "Rockets"}) { id } }""", path="/metadata")
    assert "errors" not in created.json(), created.text
    object_id = created.json()["data"]["createOneObject"]["id"]
    added = await gql(client, account.access_token, """
        mutation($input: CreateFieldInput!) { createOneField(data: $input) { id } }""",
                      {"input": {"objectMetadataId": object_id, "name": "fuel", "label": "Fuel", "type": "SELECT",
                                 "options": [{"value": "SOLID", "label": "Solid"},
                                             {"value": "LIQUID", "label": "Liquid"}]}}, path="/metadata")
    assert "errors" not in added.json(), added.text
    document = (await client.get(f"/rest/open-api/core?token={account.access_token}")).json()
    assert document["components"]["schemas"]["Rocket"]["properties"]["fuel"]["enum"] == ["SOLID", "LIQUID", None]
    made = await call(client, account, "POST", "/rest/rockets", {"fuel": "LIQUID"}, status=201)
    listed = await call(client, account, "GET", "/rest/rockets?filter[fuel][eq]=LIQUID")
    assert [r["id"] for r in listed["data"]] == [made["data"]["id"]]
    metadata = await client.get(f"/rest/open-api/metadata?token={account.access_token}")
    assert metadata.status_code == 200 and "/metadata" in metadata.json()["paths"]


async def test_live_answers_match_the_document(client: httpx.AsyncClient, account: Account) -> None:
    """Real answers (records, pages, errors) validate against the document's own response schemas."""
    pytest.importorskip("openapi_schema_validator")
    from openapi_schema_validator import OAS30Validator

    document = (await client.get("/rest/open-api/core", headers=account.headers)).json()

    def check(path: str, method: str, status: int, body: Any) -> None:
        responses = document["paths"][path][method]["responses"]
        spec = responses[str(status)]
        if "$ref" in spec:
            spec = document["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
        schema = spec["content"]["application/json"]["schema"]
        validator = OAS30Validator({**schema, "components": document["components"]})
        problems = [e.message for e in validator.iter_errors(body)]
        assert not problems, (path, method, status, problems, body)

    acme, = await batch(client, account, "companies", [
        {"name": "Acme", "annualRecurringRevenue": {"amountMicros": 5, "currencyCode": "USD"}}])
    check("/batch/companies", "post", 201, {"data": [acme]})
    person = await call(client, account, "POST", "/rest/people",
                        {"name": {"firstName": "Ada"}, "companyId": acme["id"]}, status=201)
    check("/people", "post", 201, person)
    for url, path in (("/rest/companies?depth=1", "/companies"), ("/rest/people?depth=1", "/people"),
                      ("/rest/people", "/people"), ("/rest/opportunities", "/opportunities")):
        check(path, "get", 200, await call(client, account, "GET", url))
    check("/companies/{id}", "get", 200, await call(client, account, "GET", f"/rest/companies/{acme['id']}?depth=1"))
    check("/people/{id}", "patch", 200,
          await call(client, account, "PATCH", f"/rest/people/{person['data']['id']}", {"city": "Paris"}))
    check("/companies", "get", 400, await call(client, account, "GET", "/rest/companies?limit=x", status=400))
    check("/companies/{id}", "get", 404,
          await call(client, account, "GET", f"/rest/companies/{uuid.uuid4()}", status=404))
    check("/people/{id}", "delete", 200,
          await call(client, account, "DELETE", f"/rest/people/{person['data']['id']}"))


async def test_schemathesis_finds_no_server_errors(client: httpx.AsyncClient, account: Account) -> None:
    """A bounded property-based run over every operation of five objects, with valid and invalid inputs:
    no 5xx, and every answer matches the document's own schemas."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    await batch(client, account, "companies", [{"name": "Seed", "employees": 3}])
    document = (await client.get("/rest/open-api/core", headers=account.headers)).json()
    base_url = str(client.base_url).rstrip("/") + "/rest"
    headers = account.headers
    schema = schemathesis.openapi.from_dict(document)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    wanted = ("/companies", "/people", "/opportunities", "/tasks", "/notes")
    operations = [op.ok() for op in schema.get_all_operations()
                  if any(op.ok().path in (w, f"{w}/{{id}}", f"/batch{w}") for w in wanted)]
    assert len(operations) == 30

    def run() -> int:
        calls = 0
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
                def exercise(case: Any) -> None:
                    nonlocal calls
                    calls += 1
                    case.call_and_validate(base_url=base_url, headers=headers, checks=checks)

                exercise()
        return calls

    with trio.fail_after(90):
        calls = await trio.to_thread.run_sync(run)
    assert calls >= 2 * len(operations)
