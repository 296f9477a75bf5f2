"""Storage fixtures: a Database on the session's PostgreSQL, and a scratch schema per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from twenty_storage.pg import Database, open_storage
from twenty_storage.sql import ident


@pytest.fixture
async def db(pg_dsn: str) -> AsyncIterator[Database]:
    """The bridge and a pool of 10 connections on the session's database."""
    async with open_storage(pg_dsn) as database:
        yield database


@pytest.fixture
async def scratch(db: Database) -> AsyncIterator[str]:
    """A schema of its own with one table ``item (id int PRIMARY KEY, name text UNIQUE)``; dropped afterwards."""
    schema = f"bridge_test_{uuid.uuid4().hex[:12]}"
    await db.execute(f"CREATE SCHEMA {ident(schema)}")
    await db.execute(f"CREATE TABLE {ident(schema, 'item')} (id int PRIMARY KEY, name text NOT NULL UNIQUE)")
    try:
        yield schema
    finally:
        await db.execute(f"DROP SCHEMA {ident(schema)} CASCADE")
