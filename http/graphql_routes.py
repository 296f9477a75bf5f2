"""``/graphql`` and ``/metadata``: decode, authenticate, hand over to the GraphQL engines."""

from __future__ import annotations

from quart import Response, g
from quart_trio import QuartTrio

from twenty_actors.graphql.core_endpoint import run_core_request
from twenty_actors.graphql.metadata_endpoint import run_metadata_request
from twenty_actors.services import Services

from .errors import bytes_response


def register(app: QuartTrio, services: Services) -> None:
    """Add the GraphQL routes."""
    from .app import read_json_body

    @app.post("/metadata")
    async def metadata() -> Response:
        principal = g.principal  # authenticated (and rate limited) by the app's before_request
        status, body = await run_metadata_request(services, principal, await read_json_body())
        return bytes_response(body, status)

    @app.post("/graphql")
    async def graphql() -> Response:
        principal = g.principal
        status, body = await run_core_request(services.registry, principal, await read_json_body())
        return bytes_response(body, status)
