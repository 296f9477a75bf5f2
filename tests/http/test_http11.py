"""HTTP/1.1 as a public server must speak it, checked black-box over raw sockets.

Every request here is written byte by byte and every answer parsed by the small reader below, so the
tests see exactly what is on the wire: keep-alive and pipelining, chunked bodies, ``Expect:
100-continue``, ``HEAD``, HTTP/1.0, framing errors that must not be smuggled through, size limits,
slow clients, idle connections, the connection cap, and the ``Date`` header and error envelopes on
every answer. The timeouts and limits are made small by ``conftest.py``.
"""

from __future__ import annotations

import email.utils
import json
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import trio

from twenty_actors.settings import Settings

from ..conftest import Account, Server

VOLATILE = {"date", "x-ratelimit-remaining", "x-ratelimit-reset", "x-request-id"}  # differ between equal requests


# ---------------------------------------------------------------------------------------------------------
# a raw HTTP/1.1 client: requests as bytes, answers parsed here


@dataclass
class Response:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    raw: bytes = b""  # the answer exactly as it came on the wire
    head_raw: bytes = field(default=b"", repr=False)

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name: str) -> str | None:
        values = self.values(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {self.headers}"
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)

    def comparable(self) -> tuple[str, int, list[tuple[str, str]], bytes]:
        """Status, headers and body without the values that may change between two equal requests."""
        headers = sorted((k.lower(), "" if k.lower() in VOLATILE else v) for k, v in self.headers)
        request_id = self.header("X-Request-Id")  # named in error bodies too
        body = self.body.replace(request_id.encode(), b"") if request_id else self.body
        return self.version, self.status, headers, body


class Closed(Exception):
    """The server closed the connection before a whole answer came."""


class Conn:
    """One client connection, with the bytes received but not yet parsed."""

    def __init__(self, stream: trio.SocketStream, host: str) -> None:
        self.stream = stream
        self.host = host
        self.buffer = bytearray()
        self.eof = False

    @classmethod
    async def open(cls, server: Server, *, rcvbuf: int | None = None) -> Conn:
        parts = urlsplit(server.url)
        assert parts.hostname and parts.port
        if rcvbuf is None:
            stream = await trio.open_tcp_stream(parts.hostname, parts.port)
        else:  # a small receive window, set before connecting, so that a client that never reads fills up fast
            sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            await sock.connect((parts.hostname, parts.port))
            stream = trio.SocketStream(sock)
        return cls(stream, parts.netloc)

    async def aclose(self) -> None:
        await self.stream.aclose()

    async def send(self, data: bytes, *, may_break: bool = False) -> None:
        """Send bytes; with ``may_break``, a server that closed meanwhile is no failure (it may, after an error)."""
        try:
            await self.stream.send_all(data)
        except trio.BrokenResourceError:
            if not may_break:
                raise

    async def _fill(self) -> bool:
        """Receive more bytes into the buffer; False at end of stream (a reset counts as the end)."""
        if self.eof:
            return False
        try:
            data = await self.stream.receive_some(65536)
        except trio.BrokenResourceError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def _take(self, n: int) -> bytes:
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    async def _until(self, marker: bytes) -> bytes:
        while (index := self.buffer.find(marker)) < 0:
            if not await self._fill():
                raise Closed(f"closed while waiting for {marker!r}; got {bytes(self.buffer)[:200]!r}")
        return self._take(index + len(marker))

    async def _exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if not await self._fill():
                raise Closed(f"closed after {len(self.buffer)} of {n} body bytes")
        return self._take(n)

    async def read_head(self) -> Response:
        """The status line and headers of the next answer (informational ones included)."""
        head = await self._until(b"\r\n\r\n")
        lines = head[:-4].decode("latin-1").split("\r\n")
        version, status, *reason = lines[0].split(" ", 2)
        assert version in ("HTTP/1.1", "HTTP/1.0"), lines[0]
        assert len(status) == 3 and status.isdigit(), lines[0]
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            assert sep and name and name == name.strip(), f"bad header line {line!r}"
            headers.append((name, value.strip(" \t")))
        return Response(version, int(status), reason[0] if reason else "", headers, raw=head, head_raw=head)

    async def read_response(self, *, head: bool = False, informational: bool = False) -> Response:
        """The next whole answer: head and body. ``head``: the answer to a HEAD request (no body).

        Informational answers (1xx) are returned only when ``informational`` asks for them; otherwise a 1xx
        is a failure (the server sent one nobody asked for). Every final answer must carry a valid ``Date``.
        """
        response = await self.read_head()
        if 100 <= response.status < 200:
            assert informational, f"unexpected informational answer {response.raw!r}"
            assert response.status == 101 or response.header("Content-Length") is None
            return response
        check_date(response)
        length = response.header("Content-Length")
        encoding = (response.header("Transfer-Encoding") or "").lower()
        raw = bytearray(response.raw)
        if head or response.status in (204, 304):
            pass
        elif encoding:
            assert length is None, "an answer with both Content-Length and Transfer-Encoding"
            assert encoding == "chunked", encoding
            body = bytearray()
            while True:
                size_line = await self._until(b"\r\n")
                raw += size_line
                size = int(size_line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while (trailer := await self._until(b"\r\n")) != b"\r\n":
                        raw += trailer
                    raw += trailer
                    break
                chunk = await self._exactly(size + 2)
                assert chunk.endswith(b"\r\n"), chunk[-10:]
                raw += chunk
                body += chunk[:-2]
            response.body = bytes(body)
        elif length is not None:
            assert length.isdigit(), length
            response.body = await self._exactly(int(length))
            raw += response.body
        else:  # delimited by the end of the connection
            while await self._fill():
                pass
            response.body = self._take(len(self.buffer))
            raw += response.body
        response.raw = bytes(raw)
        return response

    async def wait_closed(self, within: float) -> bytes:
        """Wait until the server closes the connection; what it sent meanwhile. Fails if it stays open."""
        with trio.move_on_after(within):
            while await self._fill():
                pass
            return self._take(len(self.buffer))
        raise AssertionError(f"the connection is still open after {within} s (got {bytes(self.buffer)[:200]!r})")

    async def quiet_for(self, seconds: float) -> None:
        """Nothing more arrives for a while, and the connection stays open."""
        with trio.move_on_after(seconds):
            await self._fill()
        assert not self.buffer, f"unexpected bytes: {bytes(self.buffer)[:200]!r}"
        assert not self.eof, "the server closed the connection"


def request(conn: Conn, method: str, path: str, headers: list[tuple[str, str]] | dict[str, str] | None = None,
            body: bytes | None = None, *, version: str = "HTTP/1.1", host: bool = True) -> bytes:
    """A request as bytes: Host first, then the headers given, then Content-Length if a body is given."""
    items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    lines = [f"{method} {path} {version}"]
    if host:
        lines.append(f"Host: {conn.host}")
    lines += [f"{k}: {v}" for k, v in items]
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in items):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def chunked(*parts: bytes) -> bytes:
    """A chunked body of these chunks, ended by the last chunk."""
    return b"".join(b"%X\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def check_date(response: Response) -> None:
    """A ``Date`` header in the IMF-fixdate form, near the current time."""
    date = response.header("Date")
    assert date is not None, f"no Date header on {response.status}: {response.headers}"
    assert date.endswith(" GMT"), date
    when = email.utils.parsedate_to_datetime(date)
    assert abs((when - datetime.now(UTC)).total_seconds()) < 120, date


def check_rest_error(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    """API.md's REST error envelope: ``{"error": {"message", "code", "statusCode"}}``."""
    assert response.status == status, (response.status, response.raw[:500])
    assert (response.header("Content-Type") or "").startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["message"], str) and error["message"], body
    assert isinstance(error["code"], str) and error["code"], body
    assert error["statusCode"] == status, body
    if code is not None:
        assert error["code"] == code, body
    return error


def check_graphql_error(response: Response, status: int) -> dict[str, Any]:
    """The GraphQL error shape: ``{"errors": [{"message", "extensions": {"code"}}], "data": null}``."""
    assert response.status == status, (response.status, response.raw[:500])
    assert (response.header("Content-Type") or "").startswith("application/json"), response.headers
    body = response.json()
    assert "error" not in body, body
    assert isinstance(body["errors"], list) and body["errors"], body
    first = body["errors"][0]
    assert isinstance(first["message"], str) and first["message"], body
    assert isinstance(first["extensions"]["code"], str), body
    assert body.get("data") is None, body
    return first


def auth(account: Account, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.access_token}", **more}


def json_headers(account: Account) -> dict[str, str]:
    return auth(account, **{"Content-Type": "application/json"})


def closes(response: Response) -> bool:
    return "close" in (response.header("Connection") or "").lower()


async def company_names(client: httpx.AsyncClient, account: Account) -> set[str]:
    answer = await client.get("/rest/companies?limit=200", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return {c["name"] for c in answer.json()["data"]}


async def create_company(client: httpx.AsyncClient, account: Account, name: str) -> str:
    answer = await client.post("/rest/companies", json={"name": name}, headers=account.headers)
    assert answer.status_code == 201, answer.text
    company_id: str = answer.json()["data"]["id"]
    return company_id


# ---------------------------------------------------------------------------------------------------------
# keep-alive, pipelining, chunked bodies, 100-continue, HEAD, HTTP/1.0


async def test_keep_alive_serves_requests_one_after_another(server: Server) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)
        for _ in range(3):
            await conn.send(request(conn, "GET", "/healthz"))
            response = await conn.read_response()
            assert response.status == 200 and response.version == "HTTP/1.1"
            assert response.json() == {"status": "ok"}
            assert not closes(response)
        # Connection: close is the client's way to end it: answered, then closed
        await conn.send(request(conn, "GET", "/healthz", {"Connection": "close"}))
        response = await conn.read_response()
        assert response.status == 200
        assert await conn.wait_closed(1.0) == b""


async def test_pipelined_requests_answered_in_order_as_if_sent_alone(
        server: Server, client: httpx.AsyncClient, account: Account) -> None:
    first = await create_company(client, account, "Pipe First")
    second = await create_company(client, account, "Pipe Second")
    with trio.fail_after(15):
        conn = await Conn.open(server)
        created_body = json.dumps({"name": "Pipe Posted"}).encode()
        requests = [
            request(conn, "GET", f"/rest/companies/{first}", auth(account)),
            request(conn, "POST", "/rest/companies", json_headers(account), created_body),
            request(conn, "GET", f"/rest/companies/{second}", auth(account)),
            request(conn, "GET", "/no/such/route"),
            request(conn, "GET", "/healthz"),
        ]
        await conn.send(b"".join(requests))  # all at once, in one write
        answers = [await conn.read_response() for _ in requests]
        assert [a.status for a in answers] == [200, 201, 200, 404, 200], [a.raw[:200] for a in answers]
        assert answers[0].json()["data"]["name"] == "Pipe First"
        assert answers[1].json()["data"]["name"] == "Pipe Posted"
        assert answers[2].json()["data"]["name"] == "Pipe Second"
        check_rest_error(answers[3], 404, "NOT_FOUND")
        await conn.quiet_for(0.2)  # exactly five answers, and the connection is still usable
        await conn.send(request(conn, "GET", "/healthz"))
        assert (await conn.read_response()).status == 200
        await conn.aclose()
        # the same requests, each alone on a fresh connection, get the same bytes (but for the clock)
        for index in (0, 2, 3, 4):
            alone = await Conn.open(server)
            await alone.send(requests[index])
            answer = await alone.read_response()
            assert answer.comparable() == answers[index].comparable(), (answer.raw, answers[index].raw)
            await alone.aclose()
    assert "Pipe Posted" in await company_names(client, account)


async def test_chunked_request_body_creates_the_record(
        server: Server, client: httpx.AsyncClient, account: Account) -> None:
    name = f"Chunked {uuid.uuid4().hex[:8]}"
    payload = json.dumps({"name": name, "employees": 42}).encode()
    parts = [payload[:5], payload[5:17], payload[17:]]
    with trio.fail_after(10):
        conn = await Conn.open(server)
        headers = {**json_headers(account), "Transfer-Encoding": "chunked"}
        await conn.send(request(conn, "POST", "/rest/companies", headers, chunked(*parts)))
        created = await conn.read_response()
        assert created.status == 201, created.raw
        data = created.json()["data"]
        assert (data["name"], data["employees"]) == (name, 42)
        # the connection stays in step after the chunked body: the next request on it is answered
        await conn.send(request(conn, "GET", f"/rest/companies/{data['id']}", auth(account)))
        again = await conn.read_response()
        assert again.status == 200 and again.json()["data"]["name"] == name
        # chunk extensions and a trailer are part of the syntax too
        other = f"Chunked ext {uuid.uuid4().hex[:8]}".encode()
        body = b'5;note=x\r\n{"nam\r\n%X\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n' % (
            len(b'e": "' + other + b'"}'), b'e": "' + other + b'"}')
        await conn.send(request(conn, "POST", "/rest/companies", headers, body))
        assert (await conn.read_response()).status == 201
        await conn.aclose()
    response = await client.get(f"/rest/companies/{data['id']}", headers=account.headers)
    assert response.status_code == 200 and response.json()["data"]["name"] == name
    assert other.decode() in await company_names(client, account)


async def test_expect_100_continue(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    name = f"Continued {uuid.uuid4().hex[:8]}"
    body = json.dumps({"name": name}).encode()
    with trio.fail_after(10):
        conn = await Conn.open(server)
        headers = {**json_headers(account), "Expect": "100-continue", "Content-Length": str(len(body))}
        await conn.send(request(conn, "POST", "/rest/companies", headers))  # the head alone
        with trio.move_on_after(3) as waited:
            interim = await conn.read_response(informational=True)
        assert not waited.cancelled_caught, "no 100 Continue while the client waits to send its body"
        assert interim.status == 100, interim.raw
        assert interim.raw.startswith(b"HTTP/1.1 100 "), interim.raw  # (the reason phrase is optional)
        await conn.send(body)
        final = await conn.read_response()
        assert final.status == 201, final.raw
        assert final.json()["data"]["name"] == name
        await conn.aclose()
    assert name in await company_names(client, account)


async def test_head_answers_like_get_without_the_body(server: Server, account: Account) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)
        for path, headers in (("/healthz", {}), ("/rest/companies?limit=5", auth(account))):
            await conn.send(request(conn, "GET", path, headers))
            got = await conn.read_response()
            await conn.send(request(conn, "HEAD", path, headers))
            head = await conn.read_response(head=True)
            assert head.status == got.status, (path, head.raw)
            assert head.header("Content-Length") == str(len(got.body)), (path, head.raw, len(got.body))
            assert head.comparable()[:3] == got.comparable()[:3], (head.raw, got.head_raw)
            await conn.quiet_for(0.3)  # no body bytes after the head
        await conn.send(request(conn, "GET", "/healthz"))
        assert (await conn.read_response()).json() == {"status": "ok"}
        await conn.aclose()


async def test_http10_closes_after_the_answer(server: Server) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)
        await conn.send(request(conn, "GET", "/healthz", version="HTTP/1.0"))
        response = await conn.read_response()
        assert response.status == 200 and response.json() == {"status": "ok"}
        assert response.header("Transfer-Encoding") is None  # an HTTP/1.0 client cannot read chunked
        assert "keep-alive" not in (response.header("Connection") or "").lower()
        assert await conn.wait_closed(1.0) == b""  # (the keep-alive timeout is 5 s: this is not it)


async def test_http10_keep_alive_when_asked(server: Server) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)
        for _ in range(2):
            await conn.send(request(conn, "GET", "/healthz", {"Connection": "keep-alive"}, version="HTTP/1.0"))
            response = await conn.read_response()
            assert response.status == 200 and response.json() == {"status": "ok"}
            assert response.header("Transfer-Encoding") is None
            assert (response.header("Connection") or "").lower() == "keep-alive", response.headers
            await conn.quiet_for(0.3)
        # the last one does not ask: answered, then closed
        await conn.send(request(conn, "GET", "/healthz", version="HTTP/1.0"))
        assert (await conn.read_response()).status == 200
        assert await conn.wait_closed(1.0) == b""


# ---------------------------------------------------------------------------------------------------------
# framing errors: 400 and close, nothing smuggled through


async def expect_400_and_close(conn: Conn) -> Response:
    response = await conn.read_response()
    check_rest_error(response, 400)
    assert await conn.wait_closed(1.0) == b"", "more after the 400: the rest was read as another request"
    return response


@pytest.mark.parametrize("te_first", [False, True], ids=["cl-then-te", "te-then-cl"])
async def test_content_length_and_transfer_encoding_is_refused(
        server: Server, client: httpx.AsyncClient, account: Account, te_first: bool) -> None:
    name = f"Smuggled {uuid.uuid4().hex[:8]}"
    body = chunked(json.dumps({"name": name}).encode())
    framing = [("Content-Length", "4"), ("Transfer-Encoding", "chunked")]
    if te_first:
        framing.reverse()
    with trio.fail_after(10):
        conn = await Conn.open(server)
        smuggled = request(conn, "GET", "/no/such/route")
        await conn.send(request(conn, "POST", "/rest/companies", [*json_headers(account).items(), *framing],
                                body + smuggled), may_break=True)
        await expect_400_and_close(conn)
    assert name not in await company_names(client, account)


async def test_duplicate_content_length_is_refused(
        server: Server, client: httpx.AsyncClient, account: Account) -> None:
    name = f"Twice {uuid.uuid4().hex[:8]}"
    body = json.dumps({"name": name}).encode()
    with trio.fail_after(10):
        conn = await Conn.open(server)
        headers = [*json_headers(account).items(), ("Content-Length", str(len(body))),
                   ("Content-Length", str(len(body) + 7))]
        await conn.send(request(conn, "POST", "/rest/companies", headers, body + b"GET / HTTP/1.1\r\n"),
                        may_break=True)
        await expect_400_and_close(conn)
    assert name not in await company_names(client, account)


@pytest.mark.parametrize("length", ["abc", "-1", "0x10", "1e2"])
async def test_invalid_content_length_is_refused(server: Server, account: Account, length: str) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)
        headers = [*json_headers(account).items(), ("Content-Length", length)]
        await conn.send(request(conn, "POST", "/rest/companies", headers, b'{"name": "Invalid length"}'),
                        may_break=True)
        await expect_400_and_close(conn)


async def test_bad_chunk_size_is_refused(server: Server, client: httpx.AsyncClient, account: Account) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)
        headers = {**json_headers(account), "Transfer-Encoding": "chunked"}
        body = b'zz\r\n{"name": "Bad chunk"}\r\n0\r\n\r\n'
        await conn.send(request(conn, "POST", "/rest/companies", headers, body), may_break=True)
        await expect_400_and_close(conn)
    assert "Bad chunk" not in await company_names(client, account)


# ---------------------------------------------------------------------------------------------------------
# size limits: 431 for heads, 413 for bodies


async def test_head_over_32_kib_gets_431(server: Server) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)  # 24 KiB of headers are fine
        await conn.send(request(conn, "GET", "/healthz", [(f"X-Pad-{i}", "a" * 1000) for i in range(24)]))
        assert (await conn.read_response()).status == 200
        await conn.aclose()
        conn = await Conn.open(server)  # 40 KiB are not
        await conn.send(request(conn, "GET", "/healthz", [(f"X-Pad-{i}", "a" * 1000) for i in range(40)]),
                        may_break=True)
        check_rest_error(await conn.read_response(), 431)
        assert await conn.wait_closed(1.0) == b""
        conn = await Conn.open(server)  # one header of 40 KiB neither
        await conn.send(request(conn, "GET", "/healthz", {"X-Big": "b" * 40_000}), may_break=True)
        check_rest_error(await conn.read_response(), 431)
        assert await conn.wait_closed(1.0) == b""


async def test_more_than_100_headers_gets_431(server: Server) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)  # 60 are fine
        await conn.send(request(conn, "GET", "/healthz", [(f"X-H-{i}", str(i)) for i in range(60)]))
        assert (await conn.read_response()).status == 200
        await conn.aclose()
        conn = await Conn.open(server)
        await conn.send(request(conn, "GET", "/healthz", [(f"X-H-{i}", str(i)) for i in range(150)]),
                        may_break=True)
        check_rest_error(await conn.read_response(), 431)
        assert await conn.wait_closed(1.0) == b""


async def test_body_over_the_limit_gets_413_before_it_is_read(
        server: Server, client: httpx.AsyncClient, account: Account, settings: Settings) -> None:
    assert settings.max_body_bytes == 64 * 1024
    with trio.fail_after(10):
        for path, envelope in (("/rest/companies", check_rest_error), ("/graphql", check_graphql_error)):
            conn = await Conn.open(server)
            headers = {**json_headers(account), "Content-Length": str(100 * settings.max_body_bytes)}
            # the head and a first KiB only: the answer must not wait for the other 6.4 MB
            await conn.send(request(conn, "POST", path, headers) + b'{"name": "' + b"x" * 1024)
            started = time.monotonic()
            response = await conn.read_response()
            assert time.monotonic() - started < 1.0, "the 413 waited for the body"
            envelope(response, 413)
            assert await conn.wait_closed(1.0) == b""
    # the same limit for a chunked body that has no declared length
    with trio.fail_after(10):
        conn = await Conn.open(server)
        headers = {**json_headers(account), "Transfer-Encoding": "chunked"}
        await conn.send(request(conn, "POST", "/rest/companies", headers,
                                b"".join(b"%X\r\n%s\r\n" % (8192, b"y" * 8192) for _ in range(10))), may_break=True)
        check_rest_error(await conn.read_response(), 413)
        assert await conn.wait_closed(1.0) == b""
    assert (await client.get("/healthz")).status_code == 200  # and the server is fine


# ---------------------------------------------------------------------------------------------------------
# slow and idle clients


async def test_slowloris_head_gets_408_and_close(server: Server, settings: Settings) -> None:
    limit = settings.header_timeout_s
    with trio.fail_after(limit + 5):
        conn = await Conn.open(server)
        started = time.monotonic()

        async def trickle() -> None:  # a header byte every 0.2 s: always sending, never done
            await conn.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", may_break=True)
            while True:
                await trio.sleep(0.2)
                await conn.send(b"a", may_break=True)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(trickle)
            response = await conn.read_response()
            elapsed = time.monotonic() - started
            nursery.cancel_scope.cancel()
        check_rest_error(response, 408)
        assert limit - 0.3 < elapsed < limit + 1.5, elapsed
        assert await conn.wait_closed(1.0) == b""


async def test_stalled_body_gets_408_and_close(
        server: Server, client: httpx.AsyncClient, account: Account, settings: Settings) -> None:
    limit = settings.body_timeout_s
    with trio.fail_after(limit + 3):
        conn = await Conn.open(server)
        headers = {**json_headers(account), "Content-Length": "100"}
        await conn.send(request(conn, "POST", "/rest/companies", headers) + b'{"name": "Stall')
        started = time.monotonic()
        response = await conn.read_response()
        elapsed = time.monotonic() - started
        check_rest_error(response, 408)
        assert limit - 0.3 < elapsed < limit + 1.5, elapsed
        assert await conn.wait_closed(1.0) == b""
    assert "Stall" not in await company_names(client, account)


async def test_slow_but_steady_body_is_read(
        server: Server, client: httpx.AsyncClient, account: Account, settings: Settings) -> None:
    # the body timeout is for a body that sends nothing, not for the whole body
    name = f"Steady {uuid.uuid4().hex[:8]}"
    body = json.dumps({"name": name}).encode()
    pieces = [body[i * len(body) // 10:(i + 1) * len(body) // 10] for i in range(10)]
    gap = 0.25
    assert gap * (len(pieces) - 1) > settings.body_timeout_s + 0.5
    with trio.fail_after(15):
        conn = await Conn.open(server)
        await conn.send(request(conn, "POST", "/rest/companies", {**json_headers(account),
                                                                  "Content-Length": str(len(body))}))
        for index, piece in enumerate(pieces):
            if index:
                await trio.sleep(gap)
            await conn.send(piece)
        response = await conn.read_response()
        assert response.status == 201, response.raw
    assert name in await company_names(client, account)


@pytest.mark.settings(keep_alive_timeout_s=1.0)
async def test_idle_keep_alive_connection_is_closed(server: Server, settings: Settings) -> None:
    limit = settings.keep_alive_timeout_s
    with trio.fail_after(10):
        conn = await Conn.open(server)
        await conn.send(request(conn, "GET", "/healthz"))
        assert (await conn.read_response()).status == 200
        await trio.sleep(limit / 2)  # idle, but not for long: still open
        await conn.send(request(conn, "GET", "/healthz"))
        assert (await conn.read_response()).status == 200
        started = time.monotonic()
        rest = await conn.wait_closed(limit + 1.5)
        elapsed = time.monotonic() - started
        assert limit - 0.3 < elapsed, f"closed after {elapsed:.2f} s of idleness, before the timeout"
        assert rest == b"" or rest.startswith(b"HTTP/1.1 408 "), rest


@pytest.mark.settings(max_connections=4)
async def test_connections_over_the_cap_wait_until_one_closes(server: Server) -> None:
    with trio.fail_after(15):
        conns = []
        for _ in range(4):
            conn = await Conn.open(server)
            await conn.send(request(conn, "GET", "/healthz"))
            assert (await conn.read_response()).status == 200
            conns.append(conn)
        extra = await Conn.open(server)  # accepted by the kernel's backlog, not by the server
        await extra.send(request(extra, "GET", "/healthz"))
        with trio.move_on_after(1.0) as waited:
            await extra.read_response()
        assert waited.cancelled_caught, "a connection over the cap was served"
        assert not extra.buffer
        for conn in conns[1:]:  # the ones in are still served
            await conn.send(request(conn, "GET", "/healthz"))
            assert (await conn.read_response()).status == 200
        await conns[0].aclose()
        with trio.fail_after(2):
            response = await extra.read_response()
        assert response.status == 200 and response.json() == {"status": "ok"}
        for conn in [*conns[1:], extra]:
            await conn.aclose()


async def test_client_that_stops_reading_blocks_only_itself(server: Server, account: Account) -> None:
    with trio.fail_after(20):
        stuck = await Conn.open(server, rcvbuf=4096)
        # big answers, asked for many times over and never read
        one = request(stuck, "GET", "/rest/open-api/core", auth(account))
        sent = 0

        async def flood() -> None:
            nonlocal sent
            while True:
                await stuck.send(one * 50, may_break=True)
                sent += 50

        async with trio.open_nursery() as nursery:
            nursery.start_soon(flood)
            await trio.sleep(1.5)
            assert sent < 10_000, "the server kept reading requests it could not answer"
            other = await Conn.open(server)
            for _ in range(5):
                started = time.monotonic()
                await other.send(request(other, "GET", "/rest/companies?limit=1", auth(account)))
                response = await other.read_response()
                assert response.status == 200
                assert time.monotonic() - started < 1.0, "another connection waited behind the stuck one"
            await other.aclose()
            nursery.cancel_scope.cancel()
        await stuck.aclose()


# ---------------------------------------------------------------------------------------------------------
# Date and error envelopes on every answer


async def test_errors_carry_date_and_the_documented_envelope(server: Server, account: Account) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)
        await conn.send(request(conn, "GET", "/no/such/route"))
        check_rest_error(await conn.read_response(), 404, "NOT_FOUND")  # read_response checks Date on each
        await conn.send(request(conn, "GET", f"/rest/companies/{uuid.uuid4()}", auth(account)))
        check_rest_error(await conn.read_response(), 404, "NOT_FOUND")
        await conn.send(request(conn, "POST", "/rest/companies", json_headers(account), b"{not json"))
        check_rest_error(await conn.read_response(), 400, "VALIDATION_ERROR")
        await conn.send(request(conn, "POST", "/graphql", json_headers(account), b"{not json"))
        check_graphql_error(await conn.read_response(), 400)
        await conn.send(request(conn, "GET", "/rest/companies"))
        check_rest_error(await conn.read_response(), 401, "UNAUTHORIZED")
        await conn.send(request(conn, "POST", "/metadata", {"Content-Type": "application/json"}, b"{}"))
        check_graphql_error(await conn.read_response(), 401)
        await conn.aclose()


async def test_405_names_the_allowed_methods(server: Server, account: Account) -> None:
    with trio.fail_after(10):
        conn = await Conn.open(server)
        await conn.send(request(conn, "DELETE", "/healthz"))
        response = await conn.read_response()
        check_rest_error(response, 405)
        allowed = {m.strip() for m in (response.header("Allow") or "").split(",")}
        assert "GET" in allowed and "DELETE" not in allowed, response.headers
        for path in ("/graphql", "/metadata"):
            await conn.send(request(conn, "GET", path, auth(account)))
            response = await conn.read_response()
            check_graphql_error(response, 405)
            allowed = {m.strip() for m in (response.header("Allow") or "").split(",")}
            assert "POST" in allowed and "GET" not in allowed, response.headers
        await conn.aclose()
