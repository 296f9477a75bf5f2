"""The storage handle: a pool of PostgreSQL connections, bounded calls, a watchdog, group commit, LISTEN.

Trio code calls ``await db.fetchval(...)`` and friends; each call borrows a connection of the pool
(``driver.py``: libpq driven by Trio, in this thread), runs, and gives it back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import trio

from . import metrics
from .driver import Connection, ConnectionLostError, ParameterError, PgError, Pool, Row, conninfo
from .errors import StorageError, StorageUnavailableError, from_pg
from .metrics import CallMetrics
from .sql import ident

log = logging.getLogger("twenty.storage")

T = TypeVar("T")

Statement = tuple[str, Sequence[object]]

_SETTINGS = {"timezone": "UTC", "application_name": "twenty-actors"}
_FAILURES = (PgError, ConnectionLostError, ParameterError)


class Listener:
    """A LISTEN subscription whose notifications arrive on a Trio channel."""

    def __init__(self, receive: trio.MemoryReceiveChannel[str]) -> None:
        self.notifications = receive


class _BatchFailedError(Exception):
    """A job of a batch run without savepoints failed: the transaction is rolled back, run it again with them."""


class Database:
    """The storage handle: a pool of connections to PostgreSQL.

    Every call is bounded by ``timeout_s``: a PostgreSQL that stops answering (hung, or cut off by the
    network) costs a caller that long at most, and then ``StorageUnavailableError``. A timeout wakes the
    watchdog, which tries a fresh connection; while that fails, calls fail at once instead of each
    waiting out its timeout, until the watchdog gets an answer again. A merely slow statement costs only
    its own caller: the watchdog's probe answers, and nothing else is refused.
    """

    def __init__(self, pool: Pool, dsn: str, timeout_s: float) -> None:
        self._pool = pool
        self.dsn = dsn
        self.timeout_s = timeout_s
        self.unresponsive = False  # the watchdog could not get an answer: fail at once
        self._suspect = trio.Event()  # set when a call timed out: the watchdog probes

    async def _call(self, fn: Callable[[Connection], Awaitable[T]], calls: CallMetrics) -> T:
        """``fn`` with a pooled connection, bounded by ``timeout_s``; driver failures as StorageError."""
        if self.unresponsive:
            calls.refused()
            raise StorageUnavailableError("PostgreSQL is not answering")
        started = time.perf_counter()
        # move_on_after without the generator it is written as: this runs for every statement
        with trio.CancelScope(deadline=trio.current_time() + self.timeout_s):
            try:
                conn = await self._pool.acquire()
            except ConnectionLostError as exc:
                calls.answered(started, ok=False)
                raise from_pg(exc) from exc
            try:
                result = await fn(conn)
            except _FAILURES as exc:
                calls.answered(started, ok=False)
                raise from_pg(exc) from exc
            finally:
                self._pool.release(conn)
            calls.answered(started, ok=True)
            return result
        # the pool has the statement cancelled on the server, in the background
        calls.timeout.inc()
        log.warning("PostgreSQL did not answer within %g s; the statement is cancelled", self.timeout_s)
        self._suspect.set()
        raise StorageUnavailableError(f"PostgreSQL did not answer within {self.timeout_s:g} s")

    async def watch(self, *, probe_every_s: float = 0.5) -> None:
        """Run forever: after a call timed out, probe with a fresh connection until PostgreSQL answers."""
        while True:
            await self._suspect.wait()
            self._suspect = trio.Event()
            while not await self._answers(probe_every_s * 2):
                if not self.unresponsive:
                    self.unresponsive = True
                    metrics.UNRESPONSIVE.set(1)
                    log.error("PostgreSQL does not answer; refusing every call until it does")
                await trio.sleep(probe_every_s)
            if self.unresponsive:
                self.unresponsive = False
                metrics.UNRESPONSIVE.set(0)
                log.warning("PostgreSQL answers again")

    async def _answers(self, within_s: float) -> bool:
        """Whether a new connection gets an answer to ``SELECT 1`` within ``within_s``."""
        with trio.move_on_after(within_s):
            try:
                conn = await Connection.connect(conninfo(self.dsn, **_SETTINGS), timeout_s=within_s)
            except ConnectionLostError:
                return False
            try:
                await conn.fetchval("SELECT 1")
            except _FAILURES:
                return False
            finally:
                conn.close()
            return True
        return False

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        """Rows of one statement."""
        return await self._call(lambda conn: conn.fetch(sql, *args), metrics.FETCH)

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        """The first row of one statement, or None."""
        return await self._call(lambda conn: conn.fetchrow(sql, *args), metrics.FETCHROW)

    async def fetchval(self, sql: str, *args: object) -> Any:
        """The first column of the first row of one statement, or None."""
        return await self._call(lambda conn: conn.fetchval(sql, *args), metrics.FETCHVAL)

    async def execute(self, sql: str, *args: object) -> str:
        """Run one statement; its status text."""
        return await self._call(lambda conn: conn.execute(sql, *args), metrics.EXECUTE)

    async def fetch_json_bytes(self, sql: str, *args: object) -> bytes:
        """The single JSON column of one statement, as the UTF-8 bytes PostgreSQL sent (never decoded)."""
        return await self._call(lambda conn: conn.fetch_json(sql, *args), metrics.FETCH_JSON)

    async def transaction(self, statements: Sequence[Statement]) -> list[list[Row]]:
        """Run statements in one transaction; the rows of each."""

        async def run(conn: Connection) -> list[list[Row]]:
            async with conn.transaction():
                return [await conn.fetch(sql, *args) for sql, args in statements]

        return await self._call(run, metrics.TRANSACTION)

    async def run_batch(
        self, jobs: Sequence[Sequence[Statement]], *, lock_key: int | None = None,
        notify: tuple[str, str] | None = None,
    ) -> list[list[list[Row]] | StorageError]:
        """Group commit: every job in one transaction; a job that fails fails alone.

        The jobs run straight through first, with no savepoints (three round trips a job fewer). Only
        when one of them fails is the transaction rolled back and the batch run again with a savepoint
        per job, so that the failing job is answered with its error and the others commit together.
        ``lock_key`` takes a transaction-level advisory lock first (serialising writers of one
        workspace across server processes).
        """
        try:
            return await self._call(lambda conn: _run_batch(conn, jobs, lock_key, notify, savepoints=False),
                                   metrics.BATCH)
        except _BatchFailedError:
            return await self._call(lambda conn: _run_batch(conn, jobs, lock_key, notify, savepoints=True),
                                   metrics.BATCH)

    async def with_connection(self, fn: Callable[[Connection], Awaitable[T]]) -> T:
        """Run ``fn(conn)`` with one pooled connection (storage-internal use)."""
        return await self._call(fn, metrics.CONNECTION)

    @asynccontextmanager
    async def listen(self, channel: str, *, buffer: int = 1000) -> AsyncIterator[Listener]:
        """LISTEN on ``channel`` with a dedicated connection; payloads arrive on a Trio channel.

        When the connection is lost, the channel ends (the caller re-subscribes).
        """
        send, receive = trio.open_memory_channel[str](buffer)
        try:
            conn = await Connection.connect(conninfo(self.dsn, **_SETTINGS), timeout_s=self.timeout_s)
        except ConnectionLostError as exc:
            raise from_pg(exc) from exc

        async def pump() -> None:
            with send:
                async for payload in conn.notifications():
                    try:
                        send.send_nowait(payload)
                    except trio.WouldBlock:
                        pass  # a full buffer means the listener reloads everything anyway

        try:
            try:
                with trio.fail_after(self.timeout_s):
                    await conn.execute("LISTEN " + ident(channel))
            except (trio.TooSlowError, *_FAILURES) as exc:
                raise from_pg(exc) from exc
            async with trio.open_nursery() as nursery:
                nursery.start_soon(pump)
                yield Listener(receive)
                nursery.cancel_scope.cancel()
        finally:
            conn.close()
            send.close()


async def _run_batch(
    conn: Connection, jobs: Sequence[Sequence[Statement]], lock_key: int | None,
    notify: tuple[str, str] | None, *, savepoints: bool,
) -> list[list[list[Row]] | StorageError]:
    if not savepoints:
        return await _run_batch_pipelined(conn, jobs, lock_key, notify)
    outcomes: list[list[list[Row]] | StorageError] = []
    async with conn.transaction():
        if lock_key is not None:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key)
        for job in jobs:
            try:
                async with conn.transaction():
                    rows = [await conn.fetch(sql, *args) for sql, args in job]
            except (PgError, ParameterError) as exc:
                outcomes.append(from_pg(exc))
            else:
                outcomes.append(rows)
        if notify is not None:  # delivered to listeners only if the transaction commits
            await conn.execute("SELECT pg_notify($1, $2)", *notify)
    return outcomes


async def _run_batch_pipelined(
    conn: Connection, jobs: Sequence[Sequence[Statement]], lock_key: int | None, notify: tuple[str, str] | None,
) -> list[list[list[Row]] | StorageError]:
    """The whole transaction in one round trip: BEGIN, the lock, every job, the notification, COMMIT."""
    statements: list[Statement] = [("BEGIN", ())]
    if lock_key is not None:
        statements.append(("SELECT pg_advisory_xact_lock($1)", (lock_key,)))
    spans = []
    for job in jobs:
        start = len(statements)
        statements.extend(job)
        spans.append(range(start, len(statements)))
    if notify is not None:  # delivered to listeners only if the transaction commits
        statements.append(("SELECT pg_notify($1, $2)", notify))
    statements.append(("COMMIT", ()))
    try:
        rows = await conn.pipeline(statements)
    except (PgError, ParameterError) as exc:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        failed = exc.statement_index
        # a lone job's failure is its answer; in a batch, the others must not be lost
        if len(jobs) > 1 and any(failed in span for span in spans):
            raise _BatchFailedError from exc
        raise
    return [rows[span.start:span.stop] for span in spans]


@asynccontextmanager
async def open_storage(
    dsn: str, *, min_size: int = 2, max_size: int = 10, timeout_s: float = 10.0
) -> AsyncIterator[Database]:
    """Open the pool and start the watchdog; close them on exit.

    ``timeout_s`` bounds every call (see Database).
    """
    pool = Pool(conninfo(dsn, **_SETTINGS), min_size=min_size, max_size=max_size, connect_timeout_s=timeout_s)
    try:
        try:
            await pool.open()
        except ConnectionLostError as exc:
            raise StorageUnavailableError(f"cannot connect to PostgreSQL: {exc}") from exc
        async with trio.open_nursery() as nursery:
            pool.nursery = nursery
            db = Database(pool, dsn, timeout_s)
            nursery.start_soon(db.watch)
            nursery.start_soon(pool.keep_published)
            yield db
            nursery.cancel_scope.cancel()
    finally:
        pool.close()
