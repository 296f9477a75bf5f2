"""Webhooks stored before operations were a list keep receiving what they received, after the migration."""

from __future__ import annotations

import uuid

import trio
from twenty_storage.migrations import MIGRATIONS, apply_migrations
from twenty_storage.pg import open_storage

from ..storage.databases import fresh_database

_LIST = 4  # the migration that keeps operations as a list, with their patterns


async def test_a_single_operation_becomes_a_list_with_its_pattern(pg_dsn: str) -> None:
    with trio.fail_after(60):
        async with fresh_database(pg_dsn) as dsn, open_storage(dsn, max_size=2) as db:
            # the core schema as it was before the migration, with one webhook of each form
            await db.execute("CREATE SCHEMA core")
            await db.execute("CREATE TABLE core.migration (version integer PRIMARY KEY, name text NOT NULL, "
                             "applied_at timestamptz NOT NULL DEFAULT now())")
            for version, name, statements in MIGRATIONS:
                if version >= _LIST:
                    break
                for statement in statements:
                    await db.execute(statement)
                await db.execute("INSERT INTO core.migration (version, name) VALUES ($1, $2)", version, name)
            workspace = uuid.uuid4()
            await db.execute("INSERT INTO core.workspace (id, name, schema_name) VALUES ($1, 'w', $2)",
                             workspace, "workspace_" + workspace.hex[:16])
            old = {"create": ("*", "created"), "company.*": ("company", "*"), "*.updated": ("*", "updated")}
            ids = {}
            for operation, (object_pattern, action_pattern) in old.items():
                ids[operation] = uuid.uuid4()
                await db.execute(
                    "INSERT INTO core.webhook (id, workspace_id, target_url, operation, object_pattern, "
                    "action_pattern, secret) VALUES ($1, $2, 'http://127.0.0.1:9/x', $3, $4, $5, 'secret-value')",
                    ids[operation], workspace, operation, object_pattern, action_pattern)

            assert await apply_migrations(db) == [v for v, _, _ in MIGRATIONS if v >= _LIST]

            rows = {r["id"]: r for r in await db.fetch("SELECT id, operations, patterns FROM core.webhook")}
            assert {op: (rows[i]["operations"], rows[i]["patterns"]) for op, i in ids.items()} == {
                "create": (["create"], ["*.created"]),
                "company.*": (["company.*"], ["company.*"]),
                "*.updated": (["*.updated"], ["*.updated"]),
            }
            columns = {r["column_name"] for r in await db.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' "
                "AND table_name = 'webhook'")}
            assert {"operations", "patterns"} <= columns
            assert not {"operation", "object_pattern", "action_pattern"} & columns
