"""``/rest``: every active object by its plural name, plus the OpenAPI documents (API.md "REST API")."""

from __future__ import annotations

from quart import Response, g, request
from quart_trio import QuartTrio

from twenty_actors import rest
from twenty_actors.auth import Principal
from twenty_actors.services import Services

from .errors import bytes_response, json_response


def _server_url() -> str:
    return request.host_url.rstrip("/")


def register(app: QuartTrio, services: Services) -> None:
    """Add the /rest routes."""
    from .app import read_json_body

    registry = services.registry

    async def principal(*, token_param: bool = False) -> Principal:
        # the app's before_request authenticated the caller (the header, or ?token= for the OpenAPI
        # document as API.md shows) and took a rate-limit token: one authentication per request
        who: Principal = g.principal
        return who

    @app.get("/rest/open-api/core")
    async def open_api_core() -> Response:
        who = await principal(token_param=True)
        return bytes_response(await rest.core_document(registry, who, _server_url()))

    @app.get("/rest/open-api/metadata")
    async def open_api_metadata() -> Response:
        who = await principal(token_param=True)
        return bytes_response(await rest.metadata_document(registry, who, _server_url()))

    @app.get("/rest/<plural>")
    async def list_records(plural: str) -> Response:
        who = await principal()
        return bytes_response(await rest.list_records(registry, who, plural, request.query_string))

    @app.post("/rest/<plural>")
    async def create_record(plural: str) -> Response:
        who = await principal()
        return bytes_response(await rest.create_record(registry, who, plural, await read_json_body()), 201)

    @app.post("/rest/batch/<plural>")
    async def create_records(plural: str) -> Response:
        who = await principal()
        return bytes_response(await rest.create_records(registry, who, plural, await read_json_body()), 201)

    @app.get("/rest/<plural>/<record_id>")
    async def get_record(plural: str, record_id: str) -> Response:
        return bytes_response(await rest.get_record(registry, await principal(), plural, record_id,
                                                     request.query_string))

    @app.route("/rest/<plural>/<record_id>", methods=["PATCH", "PUT"])
    async def update_record(plural: str, record_id: str) -> Response:
        who = await principal()
        body = await read_json_body()
        return bytes_response(await rest.update_record(registry, who, plural, record_id, body))

    @app.delete("/rest/<plural>/<record_id>")
    async def delete_record(plural: str, record_id: str) -> Response:
        return json_response(await rest.delete_record(registry, await principal(), plural, record_id,
                                                      request.query_string))
