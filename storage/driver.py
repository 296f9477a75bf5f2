"""PostgreSQL over libpq, driven by Trio: connections, prepared statements, a pool, values in and out.

libpq (the client library of PostgreSQL, shipped inside psycopg's binary wheel and reached through
``psycopg.pq``) speaks the protocol in C, in non-blocking mode; this module only waits on the
connection's socket with ``trio.lowlevel.wait_readable``/``wait_writable``. There is no second thread
and no second event loop: a query costs about 12 µs of CPU in this process, where asyncpg on its own
thread behind a bridge cost about 95 µs, most of it in crossing threads (measured in README).

Values in: every statement is prepared once per connection and described, so each parameter is sent as
text in the form PostgreSQL declared for it (JSON for ``json``/``jsonb``, array literals for arrays).
Values out: rows are decoded by psycopg's C loaders from the text format, JSON with msgspec, into
:class:`Row` (by position or by column name). A read whose single column is JSON text is handed over as
the bytes PostgreSQL sent (:meth:`Connection.fetch_json`), never decoded here.

Cancellation: a Trio task cancelled while its statement runs goes on at once; its connection is marked
interrupted, and the pool recovers it in the background (a cancel request to PostgreSQL, libpq's
non-blocking one, then the rest of the answer read and dropped) or, failing that within 2 s, closes it.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, time
from typing import Any

import msgspec
import psycopg
import trio
from psycopg import postgres, pq
from psycopg.adapt import AdaptersMap, Transformer
from psycopg.conninfo import make_conninfo
from psycopg.types.json import set_json_loads

from .metrics import POOL_IDLE, POOL_IN_USE, publish_later

_ExecStatus = pq.ExecStatus
_Field = pq.DiagnosticField
_OK = (_ExecStatus.COMMAND_OK, _ExecStatus.TUPLES_OK, _ExecStatus.EMPTY_QUERY)
_IDLE = pq.TransactionStatus.IDLE

STATEMENT_CACHE_SIZE = 256  # prepared statements kept per connection (the oldest is closed first)

_ADAPTERS = AdaptersMap(postgres.adapters)
set_json_loads(msgspec.json.decode, _ADAPTERS)
_JSON_OIDS = frozenset({postgres.types["json"].oid, postgres.types["jsonb"].oid})
_BOOL_OID = postgres.types["bool"].oid
_BYTEA_OID = postgres.types["bytea"].oid
_ELEMENT_OF = {info.array_oid: info.oid for info in postgres.types if info.array_oid}


class PgError(Exception):
    """An error PostgreSQL reported, with its SQLSTATE and fields."""

    statement_index: int | None = None  # which statement of a pipeline failed

    def __init__(self, result: pq.abc.PGresult) -> None:
        def field(code: pq.DiagnosticField) -> str | None:
            value = result.error_field(code)
            return value.decode(errors="replace") if value is not None else None

        self.sqlstate = field(_Field.SQLSTATE)
        self.message = field(_Field.MESSAGE_PRIMARY) or result.error_message.decode(errors="replace").strip()
        self.detail = field(_Field.MESSAGE_DETAIL)
        self.constraint_name = field(_Field.CONSTRAINT_NAME)
        self.column_name = field(_Field.COLUMN_NAME)
        self.table_name = field(_Field.TABLE_NAME)
        super().__init__(self.message)


class ConnectionLostError(OSError):
    """The connection to PostgreSQL failed, or could not be made."""


class ParameterError(TypeError):
    """A value cannot be sent as the type PostgreSQL declared for its parameter."""

    statement_index: int | None = None  # which statement of a pipeline it was for


# --- rows ----------------------------------------------------------------------------------------


class Row:
    """One row: ``row[0]`` or ``row["name"]``; iterates over its values."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        position = self._index.get(key)
        return default if position is None else self._values[position]

    def keys(self) -> Iterator[str]:
        return iter(self._index)

    def values(self) -> Iterator[Any]:
        return iter(self._values)

    def items(self) -> Iterator[tuple[str, Any]]:
        return zip(self._index, self._values, strict=True)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return tuple(self._values) == tuple(other._values)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<Row " + " ".join(f"{k}={v!r}" for k, v in self.items()) + ">"


def _rows(result: pq.abc.PGresult) -> list[Row]:
    if result.status != _ExecStatus.TUPLES_OK or not result.ntuples:
        return []
    index = {result.fname(i).decode(): i for i in range(result.nfields)}  # type: ignore[union-attr]
    transformer = Transformer(_ADAPTERS)
    transformer.set_pgresult(result)
    return transformer.load_rows(0, result.ntuples, lambda values: Row(values, index))


# --- values in -----------------------------------------------------------------------------------

Encoder = Callable[[Any], bytes]


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def _bool(value: Any) -> bytes:
    if not isinstance(value, bool):
        raise ParameterError(f"expected a boolean, got {type(value).__name__}")
    return b"t" if value else b"f"


def _bytea(value: Any) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise ParameterError(f"expected bytes, got {type(value).__name__}")
    return b"\\x" + bytes(value).hex().encode()


def _scalar(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (dict, list, tuple, set, bytes, bytearray)):
        raise ParameterError(f"a {type(value).__name__} cannot be sent as a scalar value")
    if isinstance(value, (datetime, date, time)):
        return value.isoformat().encode()
    if isinstance(value, bool):
        return b"t" if value else b"f"
    return str(value).encode()


def _quote_element(encoded: bytes) -> bytes:
    return b'"' + encoded.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def _array_of(element: Encoder) -> Encoder:
    def encode(value: Any) -> bytes:
        if not isinstance(value, (list, tuple)):
            raise ParameterError(f"expected a list, got {type(value).__name__}")
        parts = []
        for item in value:
            if item is None:
                parts.append(b"NULL")
            elif isinstance(item, (list, tuple)) and element is not _json:
                parts.append(encode(item))  # a dimension more
            else:
                parts.append(_quote_element(element(item)))
        return b"{" + b",".join(parts) + b"}"

    return encode


def encoder_for(oid: int) -> Encoder:
    """How a value is sent for a parameter PostgreSQL declared of type ``oid`` (text format)."""
    if oid in _JSON_OIDS:
        return _json
    if oid in _ELEMENT_OF:
        return _array_of(encoder_for(_ELEMENT_OF[oid]))
    if oid == _BOOL_OID:
        return _bool
    if oid == _BYTEA_OID:
        return _bytea
    return _scalar


class _Statement:
    __slots__ = ("encoders", "name")

    def __init__(self, name: bytes, encoders: list[Encoder]) -> None:
        self.name = name
        self.encoders = encoders

    def encode(self, args: Sequence[object]) -> list[bytes | None]:
        if len(args) != len(self.encoders):
            raise ParameterError(f"the statement takes {len(self.encoders)} parameters, {len(args)} given")
        pairs = zip(self.encoders, args, strict=True)
        return [None if value is None else encode(value) for encode, value in pairs]


# --- connections ---------------------------------------------------------------------------------


def conninfo(dsn: str, **settings: str) -> str:
    """libpq's connection string for ``dsn`` (a URL or key=value string) with server settings applied."""
    options = " ".join(f"-c {name}={value}" for name, value in settings.items() if name != "application_name")
    extra = {"options": options} if options else {}
    if "application_name" in settings:
        extra["application_name"] = settings["application_name"]
    return make_conninfo(dsn, **extra)


class Connection:
    """One libpq connection in non-blocking mode, used by one Trio task at a time."""

    _names = itertools.count(1)

    def __init__(self, pgconn: pq.abc.PGconn) -> None:
        self._pg = pgconn
        self._statements: OrderedDict[str, _Statement] = OrderedDict()
        self.closed = False
        self.interrupted = False  # a statement did not finish: see recover()

    @classmethod
    async def connect(cls, info: str, *, timeout_s: float) -> Connection:
        """Open a connection (libpq's non-blocking connect), within ``timeout_s``."""
        pg = pq.PGconn.connect_start(info.encode())
        connected = False
        try:
            with trio.fail_after(timeout_s):
                while True:
                    status = pg.connect_poll()
                    if status == pq.PollingStatus.OK:
                        break
                    if status == pq.PollingStatus.READING:
                        await trio.lowlevel.wait_readable(pg.socket)
                    elif status == pq.PollingStatus.WRITING:
                        await trio.lowlevel.wait_writable(pg.socket)
                    else:
                        raise ConnectionLostError(pg.get_error_message().strip() or "connection failed")
            pg.nonblocking = 1
            pg.notice_handler = _ignore_notice
            connected = True
        except trio.TooSlowError:
            raise ConnectionLostError(f"no connection within {timeout_s:g} s") from None
        finally:
            if not connected:
                pg.finish()
        return cls(pg)

    @property
    def idle(self) -> bool:
        """Open, and not inside a transaction: fit to go back to a pool."""
        return not self.closed and not self.interrupted and self._pg.transaction_status == _IDLE

    @property
    def in_transaction(self) -> bool:
        """Open, and inside a transaction block (a failed one included)."""
        return not self.closed and not self.interrupted and self._pg.transaction_status != _IDLE

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._pg.finish()

    # one exchange: send, then read every result, with cancellation handled

    async def _exchange(self, send: Callable[[], object], *, pipelined: bool = False) -> list[pq.abc.PGresult]:
        """Send, then read every result. In pipeline mode: one result per statement, up to the sync."""
        if self.closed or self.interrupted:
            raise ConnectionLostError("the connection is closed")
        pg = self._pg
        finished = False
        try:
            send()
            fd = pg.socket
            # a pipeline is a group commit's few kilobytes: it fits the socket's buffer, so writing it all
            # before reading cannot wait on a server that waits for us to read
            while pg.flush():
                await trio.lowlevel.wait_writable(fd)
            results: list[pq.abc.PGresult] = []
            while True:
                if pg.is_busy():
                    await trio.lowlevel.wait_readable(fd)
                    pg.consume_input()
                    continue
                result = pg.get_result()
                if result is None:
                    if pipelined:
                        continue  # the end of one statement's results
                    finished = True
                    return results
                if result.status == _ExecStatus.PIPELINE_SYNC:
                    pg.exit_pipeline_mode()
                    finished = True
                    return results
                results.append(result)
        except psycopg.Error as exc:
            raise ConnectionLostError(str(exc).strip() or "connection lost") from exc
        finally:
            if not finished:
                self.interrupted = True  # its owner recovers it (Pool.release) or closes it

    async def recover(self) -> None:
        """After an interrupted statement: make the connection fit for the next one, or close it.

        PostgreSQL is asked to cancel the statement, and what it still sends is read and dropped; if that
        does not happen within 2 s (a server that does not answer), the connection is closed.
        """
        pg = self._pg
        kept = False
        if not self.closed and pg.status == pq.ConnStatus.OK and pg.pipeline_status == pq.PipelineStatus.OFF:
            with trio.move_on_after(2):
                try:
                    await self._cancel()
                    fd = pg.socket
                    while pg.flush():
                        await trio.lowlevel.wait_writable(fd)
                    while True:
                        if pg.is_busy():
                            await trio.lowlevel.wait_readable(fd)
                            pg.consume_input()
                        elif pg.get_result() is None:
                            break
                    kept = pg.status == pq.ConnStatus.OK
                except psycopg.Error:
                    pass  # the server is gone: closing the connection is all there is to do
        self.interrupted = not kept
        if not kept:
            self.close()

    async def _cancel(self) -> None:
        """Send PostgreSQL a cancel request for this connection's statement (libpq's non-blocking cancel)."""
        cancel = self._pg.cancel_conn()
        try:
            cancel.start()
            while True:
                status = cancel.poll()
                if status == pq.PollingStatus.READING:
                    await trio.lowlevel.wait_readable(cancel.socket)
                elif status == pq.PollingStatus.WRITING:
                    await trio.lowlevel.wait_writable(cancel.socket)
                else:
                    return
        finally:
            cancel.finish()

    async def _checked(self, send: Callable[[], object]) -> list[pq.abc.PGresult]:
        results = await self._exchange(send)
        for result in results:
            if result.status not in _OK and result.status != _ExecStatus.COPY_OUT:
                raise PgError(result)
        return results

    async def _statement(self, sql: str) -> _Statement:
        statement = self._statements.get(sql)
        if statement is not None:
            self._statements.move_to_end(sql)
            return statement
        name = f"s{next(self._names)}".encode()
        await self._checked(lambda: self._pg.send_prepare(name, sql.encode()))
        (described,) = await self._checked(lambda: self._pg.send_describe_prepared(name))
        statement = _Statement(name, [encoder_for(described.param_type(i)) for i in range(described.nparams)])
        self._statements[sql] = statement
        if len(self._statements) > STATEMENT_CACHE_SIZE:
            _, oldest = self._statements.popitem(last=False)
            await self._checked(lambda: self._pg.send_close_prepared(oldest.name))
        return statement

    async def _prepared(self, sql: str, args: Sequence[object]) -> pq.abc.PGresult:
        statement = await self._statement(sql)
        values = statement.encode(args)
        try:
            (result,) = await self._checked(lambda: self._pg.send_query_prepared(statement.name, values))
        except PgError as exc:
            # DDL changed what a cached statement returns: prepare it again (outside a transaction only,
            # where nothing else is lost by the failure)
            if exc.sqlstate != "0A000" or not self.idle:
                raise
            self._statements.pop(sql, None)
            await self._checked(lambda: self._pg.send_close_prepared(statement.name))
            statement = await self._statement(sql)
            (result,) = await self._checked(lambda: self._pg.send_query_prepared(statement.name, values))
        return result

    # the API: asyncpg's names, so that storage code reads the same over a pool or one connection

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        return _rows(await self._prepared(sql, args))

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: object) -> Any:
        row = await self.fetchrow(sql, *args)
        return row[0] if row is not None else None

    async def execute(self, sql: str, *args: object) -> str:
        """Run a statement; its status text. Without arguments, ``sql`` may hold several statements."""
        if args:
            result = await self._prepared(sql, args)
        else:
            results = await self._checked(lambda: self._pg.send_query(sql.encode()))
            if not results:
                return ""
            result = results[-1]
        return (result.command_status or b"").decode()

    async def fetch_json(self, sql: str, *args: object) -> bytes:
        """The one column of the one row of ``sql`` (JSON, as text), as the bytes PostgreSQL sent."""
        result = await self._prepared(sql, args)
        if not result.ntuples:
            return b"null"
        value = result.get_value(0, 0)
        return b"null" if value is None else bytes(value)

    async def pipeline(self, statements: Sequence[tuple[str, Sequence[object]]]) -> list[list[Row]]:
        """Run ``statements`` in one round trip (libpq's pipeline mode); the rows of each.

        A failure raises, with ``statement_index`` set on the exception; the statements after it did not
        run. Statements not prepared on this connection yet are prepared first, one round trip each.
        """
        sent: list[tuple[bytes, list[bytes | None]]] = []
        for index, (sql, args) in enumerate(statements):
            try:
                statement = await self._statement(sql)
                sent.append((statement.name, statement.encode(args)))
            except (PgError, ParameterError) as exc:
                exc.statement_index = index
                raise
        pg = self._pg

        def send() -> None:
            pg.enter_pipeline_mode()
            for name, values in sent:
                pg.send_query_prepared(name, values)
            pg.pipeline_sync()

        results = await self._exchange(send, pipelined=True)
        for index, result in enumerate(results):
            if result.status not in _OK:
                error = PgError(result)
                error.statement_index = index
                raise error
        return [_rows(result) for result in results]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """BEGIN … COMMIT, or ROLLBACK when the block raises (a SAVEPOINT when already in one)."""
        nested = self._pg.transaction_status != _IDLE
        savepoint = f"sp{next(self._names)}" if nested else ""
        await self.execute(f"SAVEPOINT {savepoint}" if nested else "BEGIN")
        try:
            yield
        except trio.Cancelled:
            self.close()  # a cancelled task cannot wait for a ROLLBACK; closing the connection rolls back
            raise
        except Exception:
            if not self.closed and not self.interrupted:
                await self.execute(f"ROLLBACK TO SAVEPOINT {savepoint}" if nested else "ROLLBACK")
            raise
        await self.execute(f"RELEASE SAVEPOINT {savepoint}" if nested else "COMMIT")

    async def notifications(self) -> AsyncIterator[str]:
        """Payloads of NOTIFY on the channels this connection LISTENs to; ends when the connection fails."""
        pg = self._pg
        while True:
            try:
                await trio.lowlevel.wait_readable(pg.socket)
                pg.consume_input()
            except psycopg.Error:
                self.close()
                return
            while (notify := pg.notifies()) is not None:
                yield notify.extra.decode()
            if pg.status != pq.ConnStatus.OK:
                self.close()
                return


def _ignore_notice(_result: object) -> None:
    """NOTICEs (``schema … already exists, skipping``) are not errors; libpq would print them."""


# --- the pool ------------------------------------------------------------------------------------


class Pool:
    """Up to ``max_size`` connections, the most recently used first; a closed one is replaced.

    A connection given back with its statement interrupted (its task was cancelled) is recovered in the
    background, in the ``nursery`` its owner gives the pool, keeping its place in the pool until then: the
    cancelled task goes on at once, as it would if PostgreSQL had answered. Without a nursery, it is closed.
    """

    def __init__(self, info: str, *, min_size: int, max_size: int, connect_timeout_s: float) -> None:
        self._info = info
        self.nursery: trio.Nursery | None = None
        self._min_size = min_size
        self._max_size = max_size
        self._slots = trio.Semaphore(max_size)
        self._idle: list[Connection] = []
        self._connect_timeout_s = connect_timeout_s
        self._closing = False
        self._in_use = self._idle_count = 0  # as last published (metrics.py)

    async def open(self) -> None:
        """Open the first ``min_size`` connections."""
        for _ in range(self._min_size):
            self._idle.append(await Connection.connect(self._info, timeout_s=self._connect_timeout_s))
        self.publish()
        publish_later(self)

    async def keep_published(self, every_s: float = 1.0) -> None:
        """Publish the pool's use every ``every_s`` (and before each scrape): never per statement."""
        while True:
            await trio.sleep(every_s)
            self.publish()

    def publish(self) -> None:
        """Publish the pool's use: the changes since the last time, so that several pools add up."""
        in_use = self._max_size - self._slots.value
        if in_use != self._in_use:
            POOL_IN_USE.inc(in_use - self._in_use)
            self._in_use = in_use
        idle = len(self._idle)
        if idle != self._idle_count:
            POOL_IDLE.inc(idle - self._idle_count)
            self._idle_count = idle

    async def acquire(self) -> Connection:
        try:
            # Semaphore.acquire() is a schedule point even when a slot is free: a statement's wait for
            # its answer is one already
            self._slots.acquire_nowait()
        except trio.WouldBlock:
            await self._slots.acquire()
        if self._idle:
            return self._idle.pop()
        conn = None
        try:
            conn = await Connection.connect(self._info, timeout_s=self._connect_timeout_s)
        finally:
            if conn is None:
                self._slots.release()
        return conn

    def release(self, conn: Connection) -> None:
        if conn.interrupted and not conn.closed and not self._closing and self.nursery is not None:
            self.nursery.start_soon(self._recover, conn)
            return
        if conn.idle and not self._closing:
            self._idle.append(conn)
        else:
            conn.close()
        self._slots.release()

    async def _recover(self, conn: Connection) -> None:
        try:
            await conn.recover()
        finally:
            if conn.interrupted:  # not recovered (the pool is closing): nothing more to try
                conn.close()
            self.release(conn)

    def close(self) -> None:
        """Close the idle connections; those in use are closed as they come back."""
        self._closing = True
        while self._idle:
            self._idle.pop().close()
        self.publish()


