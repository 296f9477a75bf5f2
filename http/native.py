"""Our own HTTP/1.1 server on Trio: one task per connection, httptools (llhttp) for parsing.

Hypercorn's per-request machinery (a task, channels and timers per request, h11) costs ~300 µs a
request on Trio; this loop costs a few tens. Each connection reads, parses and answers its requests in
order (keep-alive and pipelining), reads a body only when the pipeline asks for it, and upgrades ``/ws``
to a websocket with trio-websocket, the bytes already read put back in front of the stream.

A connection reads and writes its non-blocking socket directly, and waits (with a timeout) only when
the socket is not ready: under load the next request is usually there already and the answer fits the
socket's buffer, so a request costs one recv and one send, with no schedule point and no cancel scope
of its own (trio's socket stream checkpoints after every recv and send: two more trips through the
scheduler a request). Every ``YIELD_EVERY`` requests a connection yields anyway, so that a client
pipelining requests that touch no database cannot keep the others waiting.

Limits, each answered on the wire before the connection closes:

- a request head (request line and headers) over 32 KiB, or over 100 headers: 431;
- framing llhttp refuses (``Content-Length`` with ``Transfer-Encoding``, a duplicate or invalid
  ``Content-Length``, a bad chunk): 400 — never read as one thing and passed on as another;
- a head not complete ``header_timeout_s`` after its first byte, or a body that sends nothing for
  ``body_timeout_s``: 408 (slowloris);
- a keep-alive connection idle for ``keep_alive_timeout_s`` is closed; at most ``max_connections``
  connections at once, the others wait in the listen backlog.

A stopping server stops accepting, closes idle connections at once, answers what is in progress (with
``Connection: close``) and after ``graceful_timeout_s`` cancels what is left.
"""

from __future__ import annotations

import errno
import logging
import socket as stdlib_socket
import time
from collections import deque
from email.utils import formatdate
from http import HTTPStatus
from typing import final

import httptools
import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, wrap_server_stream

from twenty_actors.errors import PayloadTooLargeError, RequestTimeoutError, TwentyError, ValidationError
from twenty_actors.services import Services

from .feeds import serve_feed
from .pipeline import BodyReader, Pipeline, Request, Response, add_header

log = logging.getLogger("twenty.http")

MAX_HEAD_BYTES = 32 * 1024
MAX_HEADERS = 100
RECEIVE_BYTES = 64 * 1024
SEND_TIMEOUT_S = 30.0  # a client that reads nothing of its answer for this long is cut off
YIELD_EVERY = 16  # requests a connection answers before it lets the others run, whatever happened
WS_MAX_MESSAGE = 1024 * 1024
_ACCEPT_CAPACITY_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ENOBUFS}
_ACCEPT_GONE_ERRNOS = {errno.ECONNABORTED, errno.EPROTO, errno.EPERM}  # the client left before we accepted
_REASONS = {s.value: s.phrase.encode() for s in HTTPStatus}


class _Date:
    """The ``Date`` header, formatted once a second."""

    second = 0
    value = b""

    @classmethod
    def now(cls) -> bytes:
        second = int(time.time())
        if second != cls.second:
            cls.second, cls.value = second, formatdate(second, usegmt=True).encode()
        return cls.value


@final
class _Message:
    """One request as the parser delivers it: head, body chunks not yet taken, and how it ended."""

    __slots__ = ("chunks", "complete", "error", "head_bytes", "head_done", "headers", "keep_alive", "method",
                 "started", "upgrade", "url", "version")

    def __init__(self) -> None:
        self.url = b""
        self.headers: dict[str, str] = {}
        self.head_bytes = 0
        self.head_done = False
        self.method = ""
        self.version = "1.1"
        self.keep_alive = True
        self.upgrade = False
        self.chunks: deque[bytes] = deque()
        self.complete = False
        self.error: TwentyError | None = None
        self.started = trio.current_time()


class _HeadTooLargeError(TwentyError):
    code = "REQUEST_HEADER_FIELDS_TOO_LARGE"
    graphql_code = "BAD_REQUEST"
    http_status = 431


@final
class _Connection:
    """One client connection: the parser's callbacks fill ``_messages``; :meth:`serve` answers them."""

    def __init__(self, server: NativeServer, sock: stdlib_socket.socket, address: object) -> None:
        self.server = server
        self.sock = sock
        self.parser = httptools.HttpRequestParser(self)
        self._messages: deque[_Message] = deque()
        self._parsing: _Message | None = None
        self._head_error: TwentyError | None = None
        self._upgrade_rest: bytes | None = None  # bytes after an upgrade request's head
        self.broken = False  # the parser stopped: nothing more can be read as HTTP
        self.idle: trio.CancelScope | None = None  # set while waiting for the next request
        self.peer = str(address[0]) if isinstance(address, tuple) else None

    # ---- parser callbacks (called inside feed_data)

    def on_message_begin(self) -> None:
        self._parsing = _Message()
        self._messages.append(self._parsing)

    def on_url(self, url: bytes) -> None:
        message = self._parsing
        assert message is not None
        message.url += url
        self._count_head(message, len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        message = self._parsing
        assert message is not None
        self._count_head(message, len(name) + len(value) + 4)
        if len(message.headers) >= MAX_HEADERS:
            self._head_error = _HeadTooLargeError(f"More than {MAX_HEADERS} request headers")
            raise self._head_error
        add_header(message.headers, name.decode("latin-1"), value.decode("latin-1"))

    def _count_head(self, message: _Message, size: int) -> None:
        message.head_bytes += size
        if message.head_bytes > MAX_HEAD_BYTES:
            self._head_error = _HeadTooLargeError(f"Request line and headers are larger than {MAX_HEAD_BYTES} bytes")
            raise self._head_error

    def on_headers_complete(self) -> None:
        message = self._parsing
        assert message is not None
        parser = self.parser
        message.method = parser.get_method().decode("latin-1")
        message.version = parser.get_http_version()
        message.keep_alive = parser.should_keep_alive()
        message.upgrade = parser.should_upgrade()
        message.head_done = True

    def on_body(self, body: bytes) -> None:
        message = self._parsing
        assert message is not None
        message.chunks.append(body)

    def on_message_complete(self) -> None:
        message = self._parsing
        assert message is not None
        message.complete = True
        self._parsing = None

    # ---- reading

    def _feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            self._upgrade_rest = data[exc.args[0]:] if exc.args else b""
            self.broken = True
            if self._parsing is not None:
                self._parsing.complete = True
                self._parsing = None
        except httptools.HttpParserError as exc:
            self.broken = True
            error = self._head_error or ValidationError(f"Malformed HTTP request: {exc}")
            message = self._parsing
            if message is None:
                message = _Message()
                self._messages.append(message)
            message.error = error

    def _receive_now(self) -> bytes | None:
        """What the client sent already (b"" once it closed); None when nothing is there yet."""
        try:
            return self.sock.recv(RECEIVE_BYTES)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    async def _receive(self) -> bytes:
        """The next bytes the client sends (b"" once it closed), waiting for them."""
        while (data := self._receive_now()) is None:
            await trio.lowlevel.wait_readable(self.sock)
        return data

    async def _next_message(self, first: bool) -> _Message | None:
        """The next request whose head is complete (or which failed); None: close quietly."""
        settings = self.server.settings
        while True:
            if self._messages:
                message = self._messages[0]
                if message.head_done or message.error is not None:
                    return message
                with trio.CancelScope(deadline=message.started + settings.header_timeout_s):
                    data = await self._receive()
                    if not data:
                        return None
                    self._feed(data)
                    continue
                message.error = RequestTimeoutError("Timed out waiting for the request head")
                self.broken = True
                continue
            if self.broken or self.server.stopping.is_set():
                return None
            # idle: between requests (or before the first); a stopping server cancels the wait
            data = self._receive_now()
            if data is None:
                timeout = settings.header_timeout_s if first else settings.keep_alive_timeout_s
                data = b""
                with trio.CancelScope(deadline=trio.current_time() + timeout) as self.idle:
                    data = await self._receive()
                self.idle = None
            if not data:
                return None
            self._feed(data)

    def _body_reader(self, message: _Message) -> BodyReader:
        async def read(limit: int) -> bytes:
            if message.headers.get("expect", "").lower() == "100-continue" and message.version == "1.1" \
                    and not message.chunks and not message.complete:
                await self._send(b"HTTP/1.1 100 Continue\r\n\r\n")
            parts: list[bytes] = []
            size = 0
            timeout = self.server.settings.body_timeout_s
            while True:
                while message.chunks:
                    chunk = message.chunks.popleft()
                    size += len(chunk)
                    if size > limit:
                        raise PayloadTooLargeError(f"Request body is larger than {limit} bytes")
                    parts.append(chunk)
                if message.error is not None:
                    raise message.error
                if message.complete:
                    return b"".join(parts)
                with trio.CancelScope(deadline=trio.current_time() + timeout):
                    data = await self._receive()
                    if not data:
                        self.broken = True
                        raise ValidationError("The client closed the connection before sending the whole body")
                    self._feed(data)
                    continue
                self.broken = True
                raise RequestTimeoutError("Timed out reading the request body")

        return read

    # ---- writing

    async def _send(self, data: bytes) -> bool:
        """Send all of ``data``; False when the client is gone or read nothing for ``SEND_TIMEOUT_S``."""
        sock = self.sock
        try:
            sent = sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            return False
        if sent == len(data):
            return True
        rest = memoryview(data)[sent:]
        with trio.CancelScope(deadline=trio.current_time() + SEND_TIMEOUT_S):
            while rest:
                await trio.lowlevel.wait_writable(sock)
                try:
                    rest = rest[sock.send(rest):]
                except BlockingIOError:
                    continue
                except OSError:
                    return False
            return True
        return False

    def _encode(self, message: _Message | None, response: Response, keep: bool) -> bytes:
        status = response.status
        body = response.body
        head = [b"HTTP/1.1 ", str(status).encode(), b" ", _REASONS.get(status, b""), b"\r\ndate: ", _Date.now(),
                b"\r\ncontent-length: ", str(len(body)).encode(), b"\r\n"]
        if response.content_type is not None:
            head += (b"content-type: ", response.content_type.encode(), b"\r\n")
        for name, value in response.headers:
            head += (name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n")
        if not keep:
            head.append(b"connection: close\r\n")
        elif message is not None and message.version == "1.0":
            head.append(b"connection: keep-alive\r\n")
        head.append(b"\r\n")
        if message is None or message.method != "HEAD":
            head.append(body)
        return b"".join(head)

    # ---- the connection's life

    async def serve(self) -> None:
        first = True
        answered = 0
        while True:
            message = await self._next_message(first)
            first = False
            if message is None:
                return
            answered += 1
            if answered % YIELD_EVERY == 0:
                await trio.lowlevel.checkpoint()
            if message.error is not None:
                request = Request(message.method or "GET", "/", b"", {}, reader=_no_body, peer=self.peer)
                refusal = self.server.pipeline.refuse(request, message.error)
                await self._send(self._encode(None, refusal, keep=False))
                return
            path, _, query = message.url.partition(b"?")
            request = Request(message.method, path.decode("latin-1"), query, message.headers,
                              reader=self._body_reader(message), peer=self.peer,
                              host=message.headers.get("host", self.server.host))
            if message.upgrade and self._upgrade_rest is not None and request.path == "/ws" \
                    and message.headers.get("upgrade", "").lower() == "websocket" and message.method == "GET":
                await self._websocket(message)
                return
            response = await self.server.pipeline.handle(request)
            keep = (message.keep_alive and not response.close and not self.broken and message.complete
                    and not self.server.stopping.is_set())
            if not await self._send(self._encode(message, response, keep)) or not keep:
                return
            self._messages.popleft()

    async def _websocket(self, message: _Message) -> None:
        head = [message.method.encode(), b" ", message.url, b" HTTP/1.1\r\n"]
        for name, value in message.headers.items():
            head += (name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n")
        head.append(b"\r\n")
        socket_stream = trio.SocketStream(trio.socket.from_stdlib_socket(self.sock))
        stream = _Replayed(socket_stream, b"".join(head), self._upgrade_rest or b"")
        async with trio.open_nursery() as nursery:
            request = await wrap_server_stream(nursery, stream, max_message_size=WS_MAX_MESSAGE)
            connection = await request.accept()
            stream.accepted.set()
            try:
                await serve_feed(self.server.services, _TrioWebSocket(connection))
            except* ConnectionClosed:
                pass
            finally:
                await connection.aclose()
            nursery.cancel_scope.cancel()


async def _no_body(_limit: int) -> bytes:
    return b""


@final
class _Replayed(trio.abc.Stream):
    """The connection's stream with the bytes already read put back in front of it.

    The request head comes first. Bytes that followed it (frames a client sent without waiting for the
    101) come only once the websocket is accepted: given with the head, they would be taken for part of
    the handshake, and trio-websocket would not look at them until the client sent something more.
    """

    def __init__(self, stream: trio.SocketStream, head: bytes, rest: bytes) -> None:
        self._stream = stream
        self._head = head
        self._rest = rest
        self.accepted = trio.Event()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        if self._head:
            data, self._head = self._take(self._head, max_bytes)
        elif self._rest:
            await self.accepted.wait()
            data, self._rest = self._take(self._rest, max_bytes)
        else:
            return await self._stream.receive_some(max_bytes)
        await trio.lowlevel.checkpoint()
        return data

    @staticmethod
    def _take(buffer: bytes, max_bytes: int | None) -> tuple[bytes, bytes]:
        size = len(buffer) if max_bytes is None else max_bytes
        return buffer[:size], buffer[size:]

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self._stream.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self._stream.wait_send_all_might_not_block()

    async def aclose(self) -> None:
        await self._stream.aclose()


@final
class _TrioWebSocket:
    """A trio-websocket connection as the change feed wants it."""

    def __init__(self, connection: WebSocketConnection) -> None:
        self._connection = connection

    async def receive(self) -> str | bytes:
        return await self._connection.get_message()

    async def send(self, message: str) -> None:
        await self._connection.send_message(message)

    async def close(self, code: int, reason: str) -> None:
        await self._connection.aclose(code, reason)


def open_listeners(host: str, port: int, *, reuse_port: bool) -> list[stdlib_socket.socket]:
    """Listening sockets on ``host:port`` (every address it resolves to), sharing the port when asked."""
    listeners = []
    for family, kind, proto, _, address in stdlib_socket.getaddrinfo(host, port, type=stdlib_socket.SOCK_STREAM,
                                                                      flags=stdlib_socket.AI_PASSIVE):
        sock = stdlib_socket.socket(family, kind, proto)
        try:
            sock.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_REUSEPORT, 1)
            if family == stdlib_socket.AF_INET6:
                sock.setsockopt(stdlib_socket.IPPROTO_IPV6, stdlib_socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(1024)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        listeners.append(sock)
        if port == 0:
            break  # one address: a second one would get another port
    return listeners


@final
class NativeServer:
    """Accepts connections on its listeners and serves each with a :class:`_Connection`."""

    def __init__(self, services: Services, pipeline: Pipeline, listeners: list[stdlib_socket.socket]) -> None:
        self.services = services
        self.settings = services.settings
        self.stopping = services.stopping
        self.pipeline = pipeline
        self.listeners = listeners
        self.host = ""
        self._slots = trio.Semaphore(self.settings.max_connections)
        self._connections: set[_Connection] = set()
        self._all_closed = trio.Event()

    def urls(self) -> list[str]:
        out = []
        for listener in self.listeners:
            host, port, *_ = listener.getsockname()
            out.append(f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}")
        return out

    async def run(self, *, task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED) -> None:
        """Serve until the services stop, then drain."""
        urls = self.urls()
        self.host = urls[0].split("://", 1)[1]
        async with trio.open_nursery() as connections:
            async with trio.open_nursery() as accepting:
                for listener in self.listeners:
                    accepting.start_soon(self._accept, listener, connections)
                task_status.started(urls)
                await self.stopping.wait()
                accepting.cancel_scope.cancel()
            for listener in self.listeners:
                listener.close()
            for connection in list(self._connections):
                if connection.idle is not None:
                    connection.idle.cancel()
            if self._connections:
                with trio.move_on_after(self.settings.graceful_timeout_s):
                    await self._all_closed.wait()
            connections.cancel_scope.cancel()

    async def _accept(self, listener: stdlib_socket.socket, nursery: trio.Nursery) -> None:
        while True:
            await self._slots.acquire()
            served = False  # from here the connection's task releases the slot
            try:
                while True:
                    try:
                        sock, address = listener.accept()
                        break
                    except BlockingIOError:
                        await trio.lowlevel.wait_readable(listener)
                    except OSError as exc:
                        if exc.errno not in _ACCEPT_GONE_ERRNOS:
                            raise
                try:
                    sock.setblocking(False)
                    if sock.family in (stdlib_socket.AF_INET, stdlib_socket.AF_INET6):
                        sock.setsockopt(stdlib_socket.IPPROTO_TCP, stdlib_socket.TCP_NODELAY, 1)
                except OSError:
                    sock.close()
                    raise
                nursery.start_soon(self._serve, sock, address)
                served = True
            except OSError as exc:
                if exc.errno not in _ACCEPT_CAPACITY_ERRNOS:
                    raise
                log.error("accept failed (%s); retrying in 100 ms", exc)
                await trio.sleep(0.1)
            finally:
                if not served:
                    self._slots.release()

    async def _serve(self, sock: stdlib_socket.socket, address: object) -> None:
        connection = _Connection(self, sock, address)
        self._connections.add(connection)
        try:
            await connection.serve()
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        finally:
            self._connections.discard(connection)
            self._slots.release()
            trio.lowlevel.notify_closing(sock)
            sock.close()
            if not self._connections and self.stopping.is_set():
                self._all_closed.set()


async def serve_native(services: Services, pipeline: Pipeline, host: str, port: int, *,
                       task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED) -> None:
    """Listen on ``host:port`` and serve until the services stop."""
    listeners = open_listeners(host, port, reuse_port=services.settings.reuse_port)
    await NativeServer(services, pipeline, listeners).run(task_status=task_status)
