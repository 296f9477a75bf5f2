"""asyncpg on its own uvloop thread, reached from Trio through one small bridge.

This is the only module of the project that touches asyncio. Trio code calls
``await db.fetchval(...)`` and friends; each call is one hop to the asyncio thread
(acquire a connection, run, release, all over there) and one hop back.

Cancellation: if the Trio task is cancelled before the asyncio side finished, the
asyncio future is cancelled (asyncpg cancels the query and returns the connection
to its pool) and the Trio task resumes at once. If the result is already on its way,
it is delivered and the cancellation fires at the next checkpoint.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
import msgspec
import trio

from .errors import StorageError, StorageUnavailableError, from_pg

T = TypeVar("T")

Statement = tuple[str, Sequence[object]]


class AsyncioThread:
    """One asyncio (uvloop when available) event loop running in a dedicated thread."""

    def __init__(self) -> None:
        try:
            import uvloop

            self._loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        except ImportError:  # pragma: no cover - platforms without uvloop
            self._loop = asyncio.SelectorEventLoop()
        self._thread = threading.Thread(target=self._run_loop, name="twenty-asyncpg", daemon=True)
        self._token: trio.lowlevel.TrioToken | None = None

    def start(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        self._thread.start()

    def _run_loop(self) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    async def stop(self) -> None:
        """Stop the loop and join its thread."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            await trio.to_thread.run_sync(self._thread.join)

    def call_soon(self, fn: Callable[[], object]) -> None:
        """Run a plain callable on the loop thread, without waiting."""
        self._loop.call_soon_threadsafe(fn)

    def wake_trio(self, fn: Callable[[], object]) -> None:
        """From the loop thread: run ``fn`` in the Trio thread soon."""
        assert self._token is not None
        self._token.run_sync_soon(fn)

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` on the loop thread; return or raise its outcome in this Trio task."""
        assert self._token is not None
        token = self._token
        task = trio.lowlevel.current_task()
        coro = awaitable if asyncio.iscoroutine(awaitable) else _await(awaitable)
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        abandoned = False

        def wake() -> None:
            if not abandoned:
                trio.lowlevel.reschedule(task)

        def abort(_raise_cancel: object) -> trio.lowlevel.Abort:
            nonlocal abandoned
            # cancel() fails only when the loop thread is completing the future, in which
            # case wake() is on its way; when it succeeds, wake() becomes a no-op.
            if fut.cancel():
                abandoned = True
                return trio.lowlevel.Abort.SUCCEEDED
            return trio.lowlevel.Abort.FAILED

        fut.add_done_callback(lambda _f: token.run_sync_soon(wake))
        await trio.lowlevel.wait_task_rescheduled(abort)
        return fut.result()


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _discard(awaitable: Awaitable[object]) -> None:
    """Drop a coroutine that will not run (without Python warning that it was never awaited)."""
    if asyncio.iscoroutine(awaitable):
        awaitable.close()


async def _no_reset(_conn: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release: we never leave session state behind."""


def _decode_json(data: str) -> object:
    return msgspec.json.decode(data)


def _encode_json(value: object) -> str:
    return msgspec.json.encode(value).decode()


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=_encode_json, decoder=_decode_json, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=_encode_json, decoder=_decode_json, schema="pg_catalog")


class Listener:
    """A LISTEN subscription whose notifications arrive on a Trio channel."""

    def __init__(self, receive: trio.MemoryReceiveChannel[str]) -> None:
        self.notifications = receive


class _BatchFailedError(Exception):
    """A job of a batch run without savepoints failed: the transaction is rolled back, run it again with them."""


class Database:
    """The storage handle: a pool of asyncpg connections behind the bridge.

    Every call is bounded by ``timeout_s``: a PostgreSQL that stops answering (hung, or cut off by the
    network) costs a caller that long at most, and then ``StorageUnavailableError``. A timeout wakes the
    watchdog, which tries a fresh connection; while that fails, calls fail at once instead of each
    waiting out its timeout, until the watchdog gets an answer again. A merely slow statement costs only
    its own caller: the watchdog's probe answers, and nothing else is refused.
    """

    def __init__(self, bridge: AsyncioThread, pool: asyncpg.Pool, dsn: str, timeout_s: float) -> None:
        self._bridge = bridge
        self._pool = pool
        self.dsn = dsn
        self.timeout_s = timeout_s
        self.unresponsive = False  # the watchdog could not get an answer: fail at once
        self._suspect = trio.Event()  # set when a call timed out: the watchdog probes

    async def _call(self, coro: Awaitable[T]) -> T:
        if self.unresponsive:
            _discard(coro)
            raise StorageUnavailableError("PostgreSQL is not answering")
        with trio.move_on_after(self.timeout_s):
            try:
                return await self._bridge.run(coro)
            except StorageError:
                raise
            except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                raise from_pg(exc) from exc
        # the bridge cancelled the statement on the asyncio side; asyncpg cleans the connection up there
        self._suspect.set()
        raise StorageUnavailableError(f"PostgreSQL did not answer within {self.timeout_s:g} s")

    async def watch(self, *, probe_every_s: float = 0.5) -> None:
        """Run forever: after a call timed out, probe with a fresh connection until PostgreSQL answers."""
        while True:
            await self._suspect.wait()
            self._suspect = trio.Event()
            while not await self._answers(probe_every_s * 2):
                self.unresponsive = True
                await trio.sleep(probe_every_s)
            self.unresponsive = False

    async def _answers(self, within_s: float) -> bool:
        """Whether a new connection gets an answer to ``SELECT 1`` within ``within_s``."""

        async def probe() -> None:
            conn = await asyncpg.connect(self.dsn, timeout=within_s)
            try:
                await conn.fetchval("SELECT 1", timeout=within_s)
            finally:
                conn.terminate()

        with trio.move_on_after(within_s):
            try:
                await self._bridge.run(probe())
            except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                return False
            return True
        return False

    async def fetch(self, sql: str, *args: object) -> list[Any]:
        """Rows of one statement, as asyncpg Records."""
        return await self._call(self._pool.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: object) -> Any:
        """The first row of one statement, or None."""
        return await self._call(self._pool.fetchrow(sql, *args))

    async def fetchval(self, sql: str, *args: object) -> Any:
        """The first column of the first row of one statement, or None."""
        return await self._call(self._pool.fetchval(sql, *args))

    async def execute(self, sql: str, *args: object) -> str:
        """Run one statement; its status text."""
        return await self._call(self._pool.execute(sql, *args))

    async def fetch_json_bytes(self, sql: str, *args: object) -> bytes:
        """The single text/json column of one statement, as UTF-8 bytes.

        A ``text`` column (cast the JSON with ``::text``) is passed through, never decoded in
        Python; a ``json``/``jsonb`` column arrives decoded by the pool's codec and is re-encoded.
        """
        return await self._call(self._fetch_raw(sql, args))

    async def _fetch_raw(self, sql: str, args: Sequence[object]) -> bytes:
        async with self._pool.acquire() as conn:
            value = await conn.fetchval(sql, *args)
        if value is None:
            return b"null"
        return value.encode() if isinstance(value, str) else msgspec.json.encode(value)

    async def transaction(self, statements: Sequence[Statement]) -> list[list[Any]]:
        """Run statements in one transaction; the rows of each."""
        return await self._call(self._transaction(statements))

    async def _transaction(self, statements: Sequence[Statement]) -> list[list[Any]]:
        async with self._pool.acquire() as conn, conn.transaction():
            return [await conn.fetch(sql, *args) for sql, args in statements]

    async def run_batch(
        self, jobs: Sequence[Sequence[Statement]], *, lock_key: int | None = None,
        notify: tuple[str, str] | None = None,
    ) -> list[list[list[Any]] | StorageError]:
        """Group commit: every job in one transaction; a job that fails fails alone.

        The jobs run straight through first, with no savepoints (three round trips a job fewer). Only
        when one of them fails is the transaction rolled back and the batch run again with a savepoint
        per job, so that the failing job is answered with its error and the others commit together.
        ``lock_key`` takes a transaction-level advisory lock first (serialising writers of one
        workspace across server processes).
        """
        try:
            return await self._call(self._run_batch(jobs, lock_key, notify, savepoints=False))
        except _BatchFailedError:
            return await self._call(self._run_batch(jobs, lock_key, notify, savepoints=True))

    async def _run_batch(
        self, jobs: Sequence[Sequence[Statement]], lock_key: int | None, notify: tuple[str, str] | None, *,
        savepoints: bool,
    ) -> list[list[list[Any]] | StorageError]:
        outcomes: list[list[list[Any]] | StorageError] = []
        async with self._pool.acquire() as conn, conn.transaction():
            if lock_key is not None:
                await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key)
            for job in jobs:
                if not savepoints:
                    try:
                        outcomes.append([await conn.fetch(sql, *args) for sql, args in job])
                    except asyncpg.PostgresError as exc:
                        # a lone job's failure is its answer; in a batch, the others must not be lost
                        if len(jobs) == 1:
                            raise
                        raise _BatchFailedError from exc
                    continue
                savepoint = conn.transaction()
                await savepoint.start()
                try:
                    rows = [await conn.fetch(sql, *args) for sql, args in job]
                except asyncpg.PostgresError as exc:
                    await savepoint.rollback()
                    outcomes.append(from_pg(exc))
                else:
                    await savepoint.commit()
                    outcomes.append(rows)
            if notify is not None:  # delivered to listeners only if the transaction commits
                await conn.execute("SELECT pg_notify($1, $2)", *notify)
        return outcomes

    async def with_connection(self, fn: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run ``fn(conn)`` on the loop thread with one pooled connection (storage-internal use)."""

        async def go() -> T:
            async with self._pool.acquire() as conn:
                return await fn(conn)

        return await self._call(go())

    @asynccontextmanager
    async def listen(self, channel: str, *, buffer: int = 1000) -> AsyncIterator[Listener]:
        """LISTEN on ``channel`` with a dedicated connection; payloads arrive on a Trio channel.

        When the connection is lost, the channel ends (the caller re-subscribes).
        """
        send, receive = trio.open_memory_channel[str](buffer)
        bridge = self._bridge

        def deliver(payload: str) -> None:
            try:
                send.send_nowait(payload)
            except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
                pass  # a full buffer means the listener reloads everything anyway

        def close_channel() -> None:
            send.close()

        def on_notify(_conn: object, _pid: int, _channel: str, payload: str) -> None:
            bridge.wake_trio(lambda: deliver(payload))

        def on_terminate(_conn: object) -> None:
            bridge.wake_trio(close_channel)

        async def connect() -> asyncpg.Connection:
            conn = await asyncpg.connect(self.dsn, timeout=self.timeout_s)
            conn.add_termination_listener(on_terminate)
            await conn.add_listener(channel, on_notify)
            return conn

        conn = await self._call(connect())
        try:
            yield Listener(receive)
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(2):
                try:
                    await self._bridge.run(conn.close(timeout=1))
                except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                    pass  # the connection is gone already
            send.close()


async def _create_pool(dsn: str, min_size: int, max_size: int, timeout_s: float) -> asyncpg.Pool:
    # created on the loop thread: asyncpg binds the pool to the running loop
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout_s,  # to connect
        reset=_no_reset,
        init=_init_connection,
        server_settings={"timezone": "UTC", "application_name": "twenty-actors"},
        command_timeout=60,
    )


@asynccontextmanager
async def open_storage(
    dsn: str, *, min_size: int = 2, max_size: int = 10, timeout_s: float = 10.0
) -> AsyncIterator[Database]:
    """Start the asyncpg thread, its pool and the watchdog; close them on exit.

    ``timeout_s`` bounds every call (see Database).
    """
    bridge = AsyncioThread()
    bridge.start()
    try:
        try:
            with trio.fail_after(timeout_s * 2):
                pool = await bridge.run(_create_pool(dsn, min_size, max_size, timeout_s))
        except (asyncpg.PostgresError, OSError, TimeoutError, trio.TooSlowError) as exc:
            raise StorageUnavailableError(f"cannot connect to PostgreSQL: {exc}") from exc
        try:
            async with trio.open_nursery() as nursery:
                db = Database(bridge, pool, dsn, timeout_s)
                nursery.start_soon(db.watch)
                yield db
                nursery.cancel_scope.cancel()
        finally:
            with trio.CancelScope(shield=True):
                with trio.move_on_after(5) as scope:
                    await bridge.run(pool.close())
                if scope.cancelled_caught:
                    bridge.call_soon(pool.terminate)
    finally:
        with trio.CancelScope(shield=True):
            await bridge.stop()
