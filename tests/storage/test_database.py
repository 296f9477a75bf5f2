"""The storage handle over libpq on Trio: results, errors, cancellation, concurrency, group commit, closing."""

from __future__ import annotations

import uuid

import pytest
import trio
from twenty_storage.errors import (
    CheckViolationError,
    NotNullViolationError,
    StorageError,
    StorageUnavailableError,
    UndefinedObjectError,
    UniqueViolationError,
)
from twenty_storage.driver import Connection, ParameterError, PgError
from twenty_storage.pg import Database, open_storage
from twenty_storage.sql import ident

from .databases import dsn_for_database


async def _backend_alive(pg_dsn: str, pid: int) -> bool:
    async with open_storage(pg_dsn, min_size=1, max_size=1) as other:
        return bool(await other.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid))


def _insert(schema: str) -> str:
    return f"INSERT INTO {ident(schema, 'item')} (id, name) VALUES ($1, $2) RETURNING id"


async def _ids(db: Database, schema: str) -> list[int]:
    return [r["id"] for r in await db.fetch(f"SELECT id FROM {ident(schema, 'item')} ORDER BY id")]


# --- results ------------------------------------------------------------------------------------


async def test_results_of_each_call(db: Database, scratch: str) -> None:
    table = ident(scratch, "item")
    with trio.fail_after(10):
        status = await db.execute(f"INSERT INTO {table} (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        assert status == "INSERT 0 3"

        rows = await db.fetch(f"SELECT id, name FROM {table} WHERE id >= $1 ORDER BY id", 2)
        assert [(r["id"], r["name"]) for r in rows] == [(2, "b"), (3, "c")]
        assert [tuple(r) for r in rows] == [(2, "b"), (3, "c")]

        row = await db.fetchrow(f"SELECT id, name FROM {table} WHERE name = $1", "a")
        assert dict(row) == {"id": 1, "name": "a"}
        assert await db.fetchrow(f"SELECT id FROM {table} WHERE id = $1", 99) is None

        assert await db.fetchval("SELECT $1::text || '!'", "hi") == "hi!"
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 3
        assert await db.fetchval("SELECT NULL::int") is None
        assert await db.fetch("SELECT 1 WHERE false") == []


async def test_json_values_round_trip(db: Database) -> None:
    value = {"name": "Ada", "tags": ["a", "b"], "n": 1.5, "ok": True, "none": None}
    with trio.fail_after(10):
        assert await db.fetchval("SELECT $1::jsonb", value) == value
        assert await db.fetchval("SELECT $1::json", value) == value
        assert await db.fetchval("SELECT '[1, {\"a\": 2}]'::jsonb") == [1, {"a": 2}]


async def test_fetch_json_bytes_returns_the_json_text(db: Database) -> None:
    with trio.fail_after(10):
        assert await db.fetch_json_bytes("SELECT '{\"a\": [1, 2]}'::text") == b'{"a": [1, 2]}'
        assert await db.fetch_json_bytes("SELECT NULL::text") == b"null"
        assert await db.fetch_json_bytes("SELECT 'é'::text") == "é".encode()
        # JSON built by PostgreSQL (json/jsonb columns) comes back as the same JSON
        built = await db.fetch_json_bytes("SELECT json_build_object('id', $1::int, 'tags', json_build_array('x'))", 7)
        assert built == b'{"id" : 7, "tags" : ["x"]}'
        assert await db.fetch_json_bytes("SELECT jsonb_build_object('a', 1)") == b'{"a": 1}'
        assert await db.fetch_json_bytes("SELECT NULL::jsonb") == b"null"


async def test_transaction_commits_all_or_nothing(db: Database, scratch: str) -> None:
    insert = _insert(scratch)
    with trio.fail_after(10):
        results = await db.transaction([(insert, (1, "a")), (insert, (2, "b"))])
        assert [[r["id"] for r in rows] for rows in results] == [[1], [2]]
        with pytest.raises(UniqueViolationError):
            await db.transaction([(insert, (3, "c")), (insert, (4, "a"))])
        assert await _ids(db, scratch) == [1, 2]


# --- errors -------------------------------------------------------------------------------------


async def test_errors_are_mapped(db: Database, scratch: str) -> None:
    table = ident(scratch, "item")
    with trio.fail_after(10):
        await db.execute(f"INSERT INTO {table} (id, name) VALUES (1, 'a')")

        with pytest.raises(UniqueViolationError) as unique:
            await db.execute(f"INSERT INTO {table} (id, name) VALUES (2, 'a')")
        assert unique.value.constraint == "item_name_key"
        assert getattr(unique.value.__cause__, "sqlstate", None) == "23505"

        with pytest.raises(StorageError) as syntax:
            await db.fetch("SELEC 1")
        assert type(syntax.value) is StorageError
        assert getattr(syntax.value.__cause__, "sqlstate", None) == "42601"
        assert "syntax error" in syntax.value.message

        with pytest.raises(NotNullViolationError) as not_null:
            await db.execute(f"INSERT INTO {table} (id, name) VALUES (3, NULL)")
        assert not_null.value.column == "name"

        with pytest.raises(UndefinedObjectError):
            await db.fetch(f"SELECT * FROM {ident(scratch, 'no_such_table')}")
        with pytest.raises(CheckViolationError):
            await db.fetchval("SELECT 1 / $1::int", 0)

        # nothing is left half-done: the pool answers, the table holds the one row
        assert await _ids(db, scratch) == [1]


async def test_other_exceptions_cross_intact(db: Database) -> None:
    boom = ValueError("raised by the function given a connection")

    async def fail(_conn: object) -> None:
        raise boom

    with trio.fail_after(10):
        with pytest.raises(ValueError) as caught:  # noqa: PT011 - identity is checked below
            await db.with_connection(fail)
        assert caught.value is boom
        assert await db.fetchval("SELECT 2") == 2


async def test_unreachable_database_is_storage_unavailable(pg_dsn: str) -> None:
    dsn = dsn_for_database(pg_dsn, f"no_such_db_{uuid.uuid4().hex[:8]}")
    with trio.fail_after(10), pytest.raises(StorageUnavailableError, match="does not exist"):
        async with open_storage(dsn):
            pass  # pragma: no cover


# --- cancellation -------------------------------------------------------------------------------

SLEEPER = "SELECT pg_sleep(5) /* cancellation test */"


async def test_cancellation_mid_query_cancels_the_backend_query(pg_dsn: str) -> None:
    # One connection: the next call runs on the same backend only once the cancelled
    # query has ended there, so its answer tells whether PostgreSQL really stopped.
    async with open_storage(pg_dsn, min_size=1, max_size=1) as db:
        with trio.fail_after(10):
            pid = await db.fetchval("SELECT pg_backend_pid()")
            started = trio.current_time()
            with trio.move_on_after(0.2) as scope:
                await db.fetchval(SLEEPER)
            assert scope.cancelled_caught
            assert trio.current_time() - started < 1.0

            row = await db.fetchrow(
                "SELECT pg_backend_pid() AS pid, "
                "(SELECT count(*) FROM pg_stat_activity WHERE query = $1 AND state = 'active') AS running",
                SLEEPER,
            )
            # the same connection (not terminated), idle again well before pg_sleep(5) could end
            assert row["pid"] == pid
            assert row["running"] == 0
            assert trio.current_time() - started < 1.0


async def test_pool_works_after_cancellation(db: Database) -> None:
    with trio.fail_after(10):
        started = trio.current_time()
        with trio.move_on_after(0.2):
            await db.fetchval(SLEEPER)
        assert trio.current_time() - started < 1.0
        answers = [await db.fetchval("SELECT $1::int + 1", i) for i in range(20)]
        assert answers == list(range(1, 21))


async def test_racing_cancellations_never_cross_answers(pg_dsn: str) -> None:
    # deadlines that land before, during and after each round trip
    async with open_storage(pg_dsn, min_size=1, max_size=2) as db:
        with trio.fail_after(20):
            completed = 0
            for i in range(150):
                with trio.move_on_after((i % 15) * 0.0005):
                    assert await db.fetchval("SELECT $1::int", i) == i
                    completed += 1
            assert [await db.fetchval("SELECT $1::int", i) for i in range(10)] == list(range(10))
    assert completed < 150  # a zero deadline always cancels


# --- concurrency --------------------------------------------------------------------------------


async def test_many_concurrent_callers_share_the_pool(db: Database) -> None:
    answers: dict[int, int] = {}
    backends: set[int] = set()

    async def caller(i: int) -> None:
        row = await db.fetchrow("SELECT $1::int * 2 AS double, pg_backend_pid() AS pid FROM pg_sleep(0.01)", i)
        answers[i] = row["double"]
        backends.add(row["pid"])

    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            for i in range(200):
                nursery.start_soon(caller, i)
    assert answers == {i: 2 * i for i in range(200)}
    assert 1 < len(backends) <= 10


# --- group commit -------------------------------------------------------------------------------


async def test_run_batch_failing_job_fails_alone(db: Database, scratch: str) -> None:
    insert = _insert(scratch)
    jobs = [
        [(insert, (1, "a"))],
        [(insert, (2, "b")), (insert, (3, "a"))],  # its second statement fails: the whole job is undone
        [(insert, (4, "c")), (insert, (5, "d"))],
        [(f"SELECT * FROM {ident(scratch, 'missing')}", ())],
    ]
    with trio.fail_after(10):
        outcomes = await db.run_batch(jobs, lock_key=42)
        assert [[r["id"] for r in rows] for rows in outcomes[0]] == [[1]]
        assert isinstance(outcomes[1], UniqueViolationError)
        assert [[r["id"] for r in rows] for rows in outcomes[2]] == [[4], [5]]
        assert isinstance(outcomes[3], UndefinedObjectError)
        assert await _ids(db, scratch) == [1, 4, 5]


async def test_a_pipeline_runs_in_order_and_stops_at_its_first_failure(db: Database, scratch: str) -> None:
    insert = _insert(scratch)

    async def run(conn: Connection) -> None:
        rows = await conn.pipeline([("BEGIN", ()), (insert, (1, "a")), (insert, (2, "b")), ("COMMIT", ())])
        assert [r["id"] for r in rows[1] + rows[2]] == [1, 2]
        assert not conn.in_transaction

        with pytest.raises(PgError) as failed:
            await conn.pipeline([("BEGIN", ()), (insert, (3, "c")), (insert, (4, "a")), (insert, (5, "e")),
                                 ("COMMIT", ())])
        assert failed.value.statement_index == 2
        assert failed.value.sqlstate == "23505"
        assert conn.in_transaction  # failed: its owner rolls back, and the connection serves on
        await conn.execute("ROLLBACK")
        assert await conn.fetchval("SELECT count(*) FROM " + ident(scratch, "item") + " WHERE id >= 3") == 0
        with pytest.raises(ParameterError) as unencodable:
            await conn.pipeline([(insert, (6, "f")), (insert, (7, {"not": "text"}))])
        assert unencodable.value.statement_index == 1

    with trio.fail_after(10):
        await db.with_connection(run)
        assert await _ids(db, scratch) == [1, 2]


async def test_run_batch_lone_failing_job_raises(db: Database, scratch: str) -> None:
    insert = _insert(scratch)
    with trio.fail_after(10):
        await db.run_batch([[(insert, (1, "a"))]])
        with pytest.raises(UniqueViolationError):
            await db.run_batch([[(insert, (2, "b")), (insert, (3, "a"))]])
        assert await _ids(db, scratch) == [1]


# --- LISTEN / NOTIFY ----------------------------------------------------------------------------


async def test_notifications_arrive_on_a_trio_channel(db: Database) -> None:
    channel = f"listen_test_{uuid.uuid4().hex[:8]}"
    with trio.fail_after(10):
        async with db.listen(channel) as listener:
            await db.execute("SELECT pg_notify($1, $2)", channel, "one")
            await db.execute("SELECT pg_notify($1, $2)", channel, "two")
            assert await listener.notifications.receive() == "one"
            assert await listener.notifications.receive() == "two"


# --- shutdown -----------------------------------------------------------------------------------


async def test_clean_shutdown_closes_the_connections(pg_dsn: str) -> None:
    with trio.fail_after(10):
        async with open_storage(pg_dsn, min_size=1, max_size=1) as db:
            pid = await db.fetchval("SELECT pg_backend_pid()")
            closing = trio.current_time()
        assert trio.current_time() - closing < 2.0
        await trio.sleep(0.2)  # the backend notices the closed socket
        assert not await _backend_alive(pg_dsn, pid)


async def test_shutdown_while_a_query_runs_is_prompt(pg_dsn: str) -> None:
    started = trio.current_time()
    with trio.fail_after(10):
        with trio.move_on_after(0.2) as scope:
            async with open_storage(pg_dsn, min_size=1, max_size=1) as db:
                pid = await db.fetchval("SELECT pg_backend_pid()")
                await db.fetchval(SLEEPER)
        assert scope.cancelled_caught
        assert trio.current_time() - started < 2.0
        await trio.sleep(0.2)
        assert not await _backend_alive(pg_dsn, pid)


async def test_run_batch_job_with_unencodable_value_fails_alone(db: Database, scratch: str) -> None:
    insert = _insert(scratch)
    jobs = [[(insert, (1, "a"))], [(insert, ("not a number", "b"))], [(insert, (3, "c"))]]
    with trio.fail_after(10):
        outcomes = await db.run_batch(jobs)
        assert isinstance(outcomes[1], CheckViolationError)
        assert await _ids(db, scratch) == [1, 3]


async def test_a_slow_statement_times_out_alone(pg_dsn: str) -> None:
    # --db-timeout bounds every call; one slow statement fails its caller with 503 but does not make the
    # watchdog refuse everyone: its probe gets an answer, and the next call runs normally
    async with open_storage(pg_dsn, min_size=1, max_size=2, timeout_s=0.5) as db:
        started = trio.current_time()
        with pytest.raises(StorageUnavailableError, match="did not answer within 0.5 s"):
            await db.fetchval("SELECT pg_sleep(5)")
        assert trio.current_time() - started < 2
        assert await db.fetchval("SELECT 1") == 1  # while the watchdog probes, calls are not refused
        await trio.sleep(1.5)  # its probe (at most 1 s) has its answer by now
        assert not db.unresponsive
        assert await db.fetchval("SELECT 2") == 2
