"""Migrations of the core schema: idempotent, and serialised across processes by an advisory lock."""

from __future__ import annotations

from typing import Any

import trio

from twenty_storage.migrations import MIGRATION_LOCK_KEY, MIGRATIONS, apply_migrations
from twenty_storage.pg import Database, open_storage

from .databases import fresh_database

ALL_VERSIONS = [version for version, _, _ in MIGRATIONS]

SCHEMA_SNAPSHOT = """
SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
       || ' ' || coalesce(column_default, '') AS item
  FROM information_schema.columns WHERE table_schema = 'core'
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'core'
UNION ALL
SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'core'
ORDER BY 1
"""

# a bigint advisory key shows in pg_locks as (classid = high 32 bits, objid = low 32 bits, objsubid = 1)
WAITING_FOR_MIGRATION_LOCK = """
SELECT count(*) FROM pg_locks
 WHERE locktype = 'advisory' AND NOT granted AND classid = $1::bigint::oid AND objid = $2::bigint::oid
   AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


async def _snapshot(db: Database) -> tuple[list[str], list[Any]]:
    schema = [r["item"] for r in await db.fetch(SCHEMA_SNAPSHOT)]
    applied = [tuple(r) for r in await db.fetch("SELECT version, name, applied_at FROM core.migration ORDER BY 1")]
    return schema, applied


async def test_applying_twice_changes_nothing(pg_dsn: str) -> None:
    with trio.fail_after(30):
        async with fresh_database(pg_dsn) as dsn, open_storage(dsn, max_size=2) as db:
            assert await apply_migrations(db) == ALL_VERSIONS
            first = await _snapshot(db)
            assert [version for version, _, _ in first[1]] == ALL_VERSIONS
            assert any(item.startswith("column workspace.") for item in first[0])

            assert await apply_migrations(db) == []
            assert await _snapshot(db) == first


async def test_concurrent_servers_do_not_both_migrate(pg_dsn: str) -> None:
    results: dict[str, list[int]] = {}

    async def migrate(name: str, db: Database) -> None:
        results[name] = await apply_migrations(db)

    with trio.fail_after(30):
        async with (
            fresh_database(pg_dsn) as dsn,
            open_storage(dsn, min_size=1, max_size=1) as holder,
            open_storage(dsn, min_size=1, max_size=2) as first,
            open_storage(dsn, min_size=1, max_size=2) as second,
        ):
            # Hold the migration lock (a session lock on holder's only connection) so that both
            # servers are certainly inside apply_migrations at the same time before either runs.
            await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(migrate, "first", first)
                nursery.start_soon(migrate, "second", second)
                high, low = MIGRATION_LOCK_KEY >> 32, MIGRATION_LOCK_KEY & 0xFFFFFFFF
                while await holder.fetchval(WAITING_FOR_MIGRATION_LOCK, high, low) < 2:
                    pass  # each check is a round trip to PostgreSQL; fail_after bounds the wait
                assert results == {}
                assert await holder.fetchval("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)

            assert sorted(results.values()) == [[], ALL_VERSIONS]
            assert await first.fetchval("SELECT count(*) FROM core.migration") == len(ALL_VERSIONS)
