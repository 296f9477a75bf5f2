"""A real HTTP receiver on a loopback port (trio + h11) that records what webhooks POST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import h11
import trio


class Receiver:
    """Records requests; answers with the next status of ``statuses`` (then 200), optionally slowly."""

    def __init__(self, statuses: list[int] | None = None, delay_s: float = 0.0) -> None:
        self.statuses = list(statuses or [])
        self.delay_s = delay_s
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.arrived = trio.Event()
        self.url = ""

    async def wait_for(self, count: int, timeout: float = 15) -> None:
        with trio.fail_after(timeout):
            while len(self.requests) < count:
                await self.arrived.wait()
                self.arrived = trio.Event()

    async def _serve(self, stream: trio.SocketStream) -> None:
        try:
            await self._serve_connection(stream)
        except trio.BrokenResourceError:
            pass  # the sender went away (a server stopping): nothing to answer

    async def _serve_connection(self, stream: trio.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER)
        headers: dict[str, str] = {}
        body = b""
        async with stream:
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    data = await stream.receive_some(65536)
                    if not data:
                        return
                    conn.receive_data(data)
                    continue
                if isinstance(event, h11.Request):
                    headers = {k.decode().lower(): v.decode() for k, v in event.headers}
                    body = b""
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    status = self.statuses.pop(0) if self.statuses else 200
                    if self.delay_s:
                        await trio.sleep(self.delay_s)
                    await stream.send_all(conn.send(h11.Response(status_code=status,
                                                                 headers=[("content-length", "2")])))
                    await stream.send_all(conn.send(h11.Data(data=b"ok")) + conn.send(h11.EndOfMessage()))
                    # recorded once answered, so a test that stops the receiver never cuts an answer short
                    self.requests.append((headers, body))
                    self.arrived.set()
                    if conn.our_state is h11.MUST_CLOSE:
                        return
                    conn.start_next_cycle()
                elif isinstance(event, h11.ConnectionClosed):
                    return


@asynccontextmanager
async def open_receiver(statuses: list[int] | None = None, delay_s: float = 0.0) -> AsyncIterator[Receiver]:
    receiver = Receiver(statuses, delay_s)
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, receiver._serve, 0, host="127.0.0.1"))
        port = listeners[0].socket.getsockname()[1]
        receiver.url = f"http://127.0.0.1:{port}/hook"
        yield receiver
        nursery.cancel_scope.cancel()
