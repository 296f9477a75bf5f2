"""``/auth``: sign-up, login and refresh (DESIGN.md "Auth")."""

from __future__ import annotations

from typing import Any

import msgspec
from quart import Response, request
from quart_trio import QuartTrio

from twenty_actors.errors import MALFORMED_JSON, ForbiddenError, ValidationError
from twenty_actors.services import Services

from .errors import json_response


def decode_object(body: bytes) -> dict[str, Any]:
    """A JSON object body; ValidationError otherwise."""
    try:
        value = msgspec.json.decode(body)
    except MALFORMED_JSON:
        raise ValidationError("Malformed JSON body") from None
    if not isinstance(value, dict):
        raise ValidationError("Body must be a JSON object")
    return value


def register(app: QuartTrio, services: Services) -> None:
    """Add the /auth routes."""
    from .app import read_json_body

    auth = services.auth

    @app.post("/auth/signup")
    async def signup() -> Response:
        if not services.settings.signup:
            raise ForbiddenError("Sign-up is disabled on this server")
        body = decode_object(await read_json_body())
        result = await auth.signup(body.get("email"), body.get("password"), body.get("workspaceName"),
                                   extra_statements=services.new_workspace_statements)
        return json_response(result, 201)

    @app.post("/auth/login")
    async def login() -> Response:
        body = decode_object(await read_json_body())
        # the peer's address, never a forwarded header: a client could write any address there
        return json_response(await auth.login(body.get("email"), body.get("password"), request.remote_addr))

    @app.post("/auth/refresh")
    async def refresh() -> Response:
        body = decode_object(await read_json_body())
        return json_response(await auth.refresh(body.get("refreshToken")))
