"""Every HTTP route and its handler: health, metrics, auth, GraphQL, metadata, REST, OpenAPI, pages.

Handlers get a :class:`Call` whose caller is authenticated, rate limited and admitted, and whose JSON
body is read, by the pipeline (``pipeline.py``); they only run the request. ``/ws`` is answered here
only when a plain HTTP request (no websocket upgrade) asks for it; the feed itself is ``feeds.py``. The
pages a browser gets (the index, GraphiQL, the API docs) and their files are ``pages.py``.
"""

from __future__ import annotations

from typing import Any

import msgspec
import trio

from twenty_actors import rest
from twenty_actors.errors import (
    MALFORMED_JSON,
    ForbiddenError,
    TwentyError,
    UnauthorizedError,
    ValidationError,
)
from twenty_actors.graphql.core_endpoint import run_core_request
from twenty_actors.graphql.metadata_endpoint import run_metadata_request

from . import metrics
from .pages import Pages
from .pipeline import Call, Request, Response, Route, RouteTable, error_response, json_response

_encode = msgspec.json.Encoder().encode


class UpgradeRequiredError(TwentyError):
    """``/ws`` asked for without a websocket upgrade."""

    code = "UPGRADE_REQUIRED"
    graphql_code = "BAD_REQUEST"
    http_status = 426


def decode_object(body: bytes) -> dict[str, Any]:
    """A JSON object body.

    Raises:
        ValidationError: the body is not JSON, or not an object.
    """
    try:
        value = msgspec.json.decode(body)
    except MALFORMED_JSON:
        raise ValidationError("Malformed JSON body") from None
    if not isinstance(value, dict):
        raise ValidationError("Body must be a JSON object")
    return value


def server_url(request: Request) -> str:
    """The base URL the client addressed, for the OpenAPI documents' ``servers``."""
    return f"{request.scheme}://{request.host}"


async def healthz(call: Call) -> Response:
    services = call.services
    if services.stopping.is_set():
        return json_response({"status": "stopping"}, 503, [("Retry-After", "1")])
    if await services.healthy():
        return json_response({"status": "ok"})
    return json_response({"status": "unavailable"}, 503, [("Retry-After", "1")])


async def metrics_page(call: Call) -> Response:
    """Every metric in Prometheus's text format; behind a bearer token when ``--metrics-token`` is set."""
    token = call.services.settings.metrics_token
    if token and not metrics.authorized(call.request.headers.get("authorization"), token):
        raise UnauthorizedError("/metrics needs the metrics token: Authorization: Bearer <token>")
    # off the event loop: under --workers it reads every worker's files
    return Response(200, await trio.to_thread.run_sync(metrics.exposition), content_type=metrics.CONTENT_TYPE)


async def websocket_only(call: Call) -> Response:
    refusal = UpgradeRequiredError("/ws is a websocket: connect with Upgrade: websocket")
    response = error_response(call.request, refusal)
    response.headers.append(("Upgrade", "websocket"))  # a 426 names the protocol to switch to
    return response


async def signup(call: Call) -> Response:
    services = call.services
    if not services.settings.signup:
        raise ForbiddenError("Sign-up is disabled on this server")
    body = decode_object(call.body)
    result = await services.auth.signup(body.get("email"), body.get("password"), body.get("workspaceName"),
                                        extra_statements=services.new_workspace_statements)
    return json_response(result, 201)


async def login(call: Call) -> Response:
    body = decode_object(call.body)
    # the peer's address, never a forwarded header: a client could write any address there
    peer = call.request.peer
    return json_response(await call.services.auth.login(body.get("email"), body.get("password"), peer))


async def refresh(call: Call) -> Response:
    body = decode_object(call.body)
    return json_response(await call.services.auth.refresh(body.get("refreshToken")))


async def graphql(call: Call) -> Response:
    status, body = await run_core_request(call.caller, call.body)
    return Response(status, body)


async def metadata(call: Call) -> Response:
    status, body = await run_metadata_request(call.services, call.caller.principal, call.body)
    return Response(status, body)


async def open_api_core(call: Call) -> Response:
    return Response(200, rest.core_document(call.caller, server_url(call.request), twenty=_twenty(call)))


async def open_api_metadata(call: Call) -> Response:
    document = rest.metadata_document(call.caller, server_url(call.request))
    return Response(200, document)


def _twenty(call: Call) -> bool:
    """Whether the REST records API answers in Twenty's envelopes (``--compat twenty``)."""
    return call.services.settings.twenty


async def list_records(call: Call) -> Response:
    (plural,) = call.params
    answer = await rest.list_records(call.caller, plural, call.request.query, twenty=_twenty(call))
    return Response(200, answer)


async def create_record(call: Call) -> Response:
    (plural,) = call.params
    return Response(201, await rest.create_record(call.caller, plural, call.body, call.request.query,
                                                  twenty=_twenty(call)))


async def create_records(call: Call) -> Response:
    (plural,) = call.params
    return Response(201, await rest.create_records(call.caller, plural, call.body, call.request.query,
                                                   twenty=_twenty(call)))


async def get_record(call: Call) -> Response:
    plural, record_id = call.params
    body = await rest.get_record(call.caller, plural, record_id, call.request.query, twenty=_twenty(call))
    return Response(200, body)


async def update_record(call: Call) -> Response:
    plural, record_id = call.params
    return Response(200, await rest.update_record(call.caller, plural, record_id, call.body,
                                                  twenty=_twenty(call)))


async def delete_record(call: Call) -> Response:
    plural, record_id = call.params
    deleted = await rest.delete_record(call.caller, plural, record_id, call.request.query,
                                       twenty=_twenty(call))
    return Response(200, _encode(deleted))


async def update_records(call: Call) -> Response:
    (plural,) = call.params
    answer = await rest.write_records(call.caller, plural, "update", call.request.query, call.body,
                                      twenty=_twenty(call))
    return Response(200, answer)


async def delete_records(call: Call) -> Response:
    (plural,) = call.params
    return Response(200, await rest.write_records(call.caller, plural, "delete", call.request.query,
                                                  twenty=_twenty(call)))


async def restore_record(call: Call) -> Response:
    plural, record_id = call.params
    return Response(200, await rest.restore_record(call.caller, plural, record_id, call.request.query,
                                                   twenty=_twenty(call)))


async def restore_records(call: Call) -> Response:
    (plural,) = call.params
    return Response(200, await rest.write_records(call.caller, plural, "restore", call.request.query,
                                                  twenty=_twenty(call)))


async def list_metadata(call: Call) -> Response:
    (collection,) = call.params
    return Response(200, await rest.list_metadata(call.caller, collection, call.request.query))


async def get_metadata(call: Call) -> Response:
    collection, node_id = call.params
    return Response(200, await rest.get_metadata(call.caller, collection, node_id, call.request.query))


async def create_metadata(call: Call) -> Response:
    (collection,) = call.params
    schema = call.services.metadata_documents.schema
    return Response(201, await rest.create_metadata(call.caller, schema, collection, call.request.query,
                                                    call.body))


async def update_metadata(call: Call) -> Response:
    collection, node_id = call.params
    schema = call.services.metadata_documents.schema
    return Response(200, await rest.update_metadata(call.caller, schema, collection, node_id,
                                                    call.request.query, call.body))


async def metadata_without_id(call: Call) -> Response:
    (collection,) = call.params
    verb = "update" if call.request.method in ("PATCH", "PUT") else "delete"
    message = f"To {verb} one, name it: {call.request.method} /rest/metadata/{collection[:64]}/{{id}}"
    raise ValidationError(message, details=[{"field": "id", "message": "is missing from the path"}])


async def delete_metadata(call: Call) -> Response:
    collection, node_id = call.params
    return Response(200, await rest.delete_metadata(call.caller, collection, node_id, call.request.query))


def build_routes() -> RouteTable:
    """The route table of the server (API.md)."""
    table = RouteTable()
    pages = Pages()
    table.add("GET", "/", Route(pages.index))
    table.add_page("/", Route(pages.index_page))
    table.add_page("/graphql", Route(pages.graphiql_page))
    table.add_page("/metadata", Route(pages.graphiql_page))
    table.add_page("/rest/docs", Route(pages.docs_page))
    table.add("GET", "/assets/{}/{}", Route(pages.static_file))
    table.add("GET", "/healthz", Route(healthz))
    table.add("GET", "/metrics", Route(metrics_page))
    table.add("GET", "/ws", Route(websocket_only))
    table.add("POST", "/auth/signup", Route(signup, json_body=True))
    table.add("POST", "/auth/login", Route(login, json_body=True))
    table.add("POST", "/auth/refresh", Route(refresh, json_body=True))
    table.add("POST", "/graphql", Route(graphql, api="graphql", json_body=True))
    table.add("POST", "/metadata", Route(metadata, api="metadata", json_body=True))
    table.add("GET", "/rest/open-api/core", Route(open_api_core, api="rest", token_param=True))
    table.add("GET", "/rest/open-api/metadata", Route(open_api_metadata, api="rest", token_param=True))
    # the metadata over REST (Twenty's shapes), before /rest/{}/{}: /rest/metadata/objects is no record
    table.add("GET", "/rest/metadata/{}", Route(list_metadata, api="metadata"))
    table.add("POST", "/rest/metadata/{}", Route(create_metadata, api="metadata", json_body=True))
    table.add("PATCH PUT DELETE", "/rest/metadata/{}", Route(metadata_without_id, api="metadata"))
    table.add("GET", "/rest/metadata/{}/{}", Route(get_metadata, api="metadata"))
    table.add("PATCH PUT", "/rest/metadata/{}/{}", Route(update_metadata, api="metadata", json_body=True))
    table.add("DELETE", "/rest/metadata/{}/{}", Route(delete_metadata, api="metadata"))
    table.add("POST", "/rest/batch/{}", Route(create_records, api="rest", json_body=True))
    # before /rest/{}/{}: PATCH /rest/restore/companies restores, it does not update a record "companies"
    table.add("PATCH", "/rest/restore/{}/{}", Route(restore_record, api="rest"))
    table.add("PATCH", "/rest/restore/{}", Route(restore_records, api="rest"))
    table.add("GET", "/rest/{}", Route(list_records, api="rest"))
    table.add("POST", "/rest/{}", Route(create_record, api="rest", json_body=True))
    table.add("PATCH", "/rest/{}", Route(update_records, api="rest", json_body=True))
    table.add("DELETE", "/rest/{}", Route(delete_records, api="rest"))
    table.add("GET", "/rest/{}/{}", Route(get_record, api="rest"))
    table.add("PATCH PUT", "/rest/{}/{}", Route(update_record, api="rest", json_body=True))
    table.add("DELETE", "/rest/{}/{}", Route(delete_record, api="rest"))
    return table
