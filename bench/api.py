"""Set-up calls (sign-up, seeding, metadata) over a small pool of keep-alive connections."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

import msgspec
import trio

from .http1 import Connection, HttpError, RequestTemplate, Target, build_request


class ApiError(Exception):
    """The server refused a set-up call (the bench cannot go on without it)."""

    def __init__(self, message: str, status: int = 0, body: bytes = b"") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


_json = msgspec.json.Encoder()
_decode = msgspec.json.decode


class Api:
    """JSON calls to one server with one bearer token, over at most ``size`` connections."""

    def __init__(self, target: Target, token: str | None = None, size: int = 8, timeout: float = 300) -> None:
        self.target = target
        self.token = token
        self.timeout = timeout
        self._free: list[Connection] = []
        self._limit = trio.Semaphore(size)

    def headers(self, token: str | None = None) -> dict[str, str]:
        out = {"Content-Type": "application/json"}
        token = token if token is not None else self.token
        if token:
            out["Authorization"] = f"Bearer {token}"
        return out

    def with_token(self, token: str) -> Api:
        return Api(self.target, token, size=8, timeout=self.timeout)

    @asynccontextmanager
    async def _conn(self):  # type: ignore[no-untyped-def]
        async with self._limit:
            conn = self._free.pop() if self._free else Connection(self.target)
            try:
                yield conn
            finally:
                self._free.append(conn)

    async def raw(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, bytes]:
        data = None if body is None else (body if isinstance(body, bytes) else _json.encode(body))
        headers = self.headers(token)
        if data is None:
            headers.pop("Content-Type")
        request = build_request(self.target, method, path, data, headers)
        async with self._conn() as conn:
            for attempt in range(3):
                try:
                    with trio.fail_after(self.timeout):
                        return await conn.request(request)
                except HttpError:
                    if attempt == 2:
                        raise
                    await trio.sleep(0.2)
        raise AssertionError("unreachable")

    async def json(
        self, method: str, path: str, body: Any = None, *, ok: tuple[int, ...] = (200, 201)
    ) -> Any:
        status, data = await self.raw(method, path, body)
        if status not in ok:
            raise ApiError(f"{method} {path} answered {status}: {data[:300]!r}", status, data)
        return _decode(data) if data else None

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, path: str = "/graphql"
    ) -> Any:
        """The ``data`` of a GraphQL answer; ApiError when it has errors."""
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        status, data = await self.raw("POST", path, body)
        answer = _decode(data) if data[:1] == b"{" else None
        if status != 200 or answer is None or answer.get("errors"):
            raise ApiError(f"{path} answered {status}: {data[:400]!r}", status, data)
        return answer["data"]

    async def aclose(self) -> None:
        for conn in self._free:
            await conn.aclose()
        self._free.clear()


async def sign_up(api: Api, email: str, password: str, workspace: str) -> dict[str, Any]:
    """A new user and workspace; the sign-up answer (accessToken, workspaceId, ...)."""
    return await api.json(
        "POST",
        "/auth/signup",
        {"email": email, "password": password, "workspaceName": workspace},
        ok=(201, 200),
    )


def graphql_template(target: Target, token: str | None, path: str = "/graphql") -> RequestTemplate:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return RequestTemplate(target, "POST", path, headers)


def graphql_request(
    target: Target,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
    path: str = "/graphql",
) -> bytes:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return graphql_template(target, token, path).with_body(_json.encode(body))


async def probe(api: Api, method: str, path: str) -> int:
    """The status a path answers (0 when the connection fails)."""
    try:
        status, _ = await api.raw(method, path)
    except HttpError:
        return 0
    return status
