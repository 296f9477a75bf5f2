"""A small HTTP/1.1 client over Trio: one keep-alive connection per task, raw bytes in and out.

The load generator must cost far less CPU than the server it measures, so this client does the
least it can: requests are prebuilt byte strings, and a response is read by finding the end of its
head, reading ``Content-Length`` (or decoding ``chunked``) and slicing the body. No header dict, no
URL parsing per request. A connection that fails is reopened on the next request.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import trio

_MAX_HEAD = 64 * 1024
_READ = 65536


class HttpError(Exception):
    """The connection failed or the server answered something that is not HTTP/1.1."""


@dataclass(frozen=True)
class Target:
    """Where the server is: host, port and the Host header."""

    host: str
    port: int
    base_path: str = ""

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http":
            raise ValueError(f"only http:// URLs are supported, not {url!r}")
        return cls(parts.hostname or "127.0.0.1", parts.port or 80, parts.path.rstrip("/"))

    @property
    def host_header(self) -> str:
        return f"{self.host}:{self.port}"


def build_request(
    target: Target, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> bytes:
    """The bytes of one request; keep-alive is HTTP/1.1's default."""
    lines = [f"{method} {target.base_path}{path} HTTP/1.1", f"Host: {target.host_header}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + body if body is not None else head


class RequestTemplate:
    """The fixed head of a request whose body changes: only Content-Length and the body are added."""

    def __init__(self, target: Target, method: str, path: str, headers: dict[str, str] | None = None) -> None:
        lines = [f"{method} {target.base_path}{path} HTTP/1.1", f"Host: {target.host_header}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")

    def with_body(self, body: bytes) -> bytes:
        return b"%s%d\r\n\r\n%s" % (self._head, len(body), body)


class Connection:
    """One keep-alive HTTP/1.1 connection; ``request`` sends raw bytes and returns (status, body)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._stream: trio.SocketStream | None = None
        self._buf = bytearray()
        self.opened = 0  # how many times a TCP connection was opened

    async def _connect(self) -> trio.SocketStream:
        stream = await trio.open_tcp_stream(self.target.host, self.target.port)
        self._stream = stream
        self._buf.clear()
        self.opened += 1
        return stream

    async def aclose(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            with trio.move_on_after(1):
                await stream.aclose()

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send one prebuilt request and read its response.

        Raises:
            HttpError: the connection broke or the answer was not HTTP; the connection is closed.
        """
        try:
            stream = self._stream or await self._connect()
            await stream.send_all(raw)
            return await self._read_response(stream)
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError, HttpError) as exc:
            await self.aclose()
            raise HttpError(str(exc) or type(exc).__name__) from exc
        except BaseException:
            # cancelled mid-request: the connection is in an unknown state
            await _abort(self)
            raise

    async def _fill(self, stream: trio.SocketStream) -> None:
        data = await stream.receive_some(_READ)
        if not data:
            raise HttpError("connection closed by the server")
        self._buf += data

    async def _read_response(self, stream: trio.SocketStream) -> tuple[int, bytes]:
        buf = self._buf
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(buf) > _MAX_HEAD:
                raise HttpError("response head too large")
            await self._fill(stream)
        head = bytes(buf[:end])
        del buf[: end + 4]
        if not head.startswith(b"HTTP/1."):
            raise HttpError(f"not an HTTP response: {head[:40]!r}")
        try:
            status = int(head[9:12])
        except ValueError:
            raise HttpError(f"bad status line: {head[:40]!r}") from None
        lower = head.lower()
        close = b"\r\nconnection: close" in lower
        length = -1
        i = lower.find(b"\r\ncontent-length:")
        if i >= 0:
            j = lower.find(b"\r\n", i + 2)
            length = int(lower[i + 17 : j if j >= 0 else None])
        elif b"\r\ntransfer-encoding: chunked" in lower:
            body = await self._read_chunked(stream)
            if close:
                await self.aclose()
            return status, body
        elif status in (204, 304) or 100 <= status < 200:
            length = 0
        if length < 0:  # body until the connection closes
            try:
                while True:
                    await self._fill(stream)
            except HttpError:
                pass
            body = bytes(buf)
            buf.clear()
            await self.aclose()
            return status, body
        while len(buf) < length:
            await self._fill(stream)
        body = bytes(buf[:length])
        del buf[:length]
        if close:
            await self.aclose()
        return status, body

    async def _read_chunked(self, stream: trio.SocketStream) -> bytes:
        buf = self._buf
        out = bytearray()
        while True:
            while (end := buf.find(b"\r\n")) < 0:
                await self._fill(stream)
            size = int(bytes(buf[:end]).split(b";", 1)[0], 16)
            del buf[: end + 2]
            while len(buf) < size + 2:
                await self._fill(stream)
            out += buf[:size]
            del buf[: size + 2]
            if size == 0:
                # trailers (rare): skip to the blank line; the final CRLF was consumed above
                return bytes(out)


async def _abort(conn: Connection) -> None:
    stream, conn._stream = conn._stream, None
    if stream is not None:
        with trio.CancelScope(shield=True):
            await trio.aclose_forcefully(stream)
