"""Scratch databases on the test server, for tests that need a database nobody has migrated."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import trio

from twenty_storage.pg import open_storage
from twenty_storage.sql import ident


def dsn_for_database(dsn: str, name: str) -> str:
    """The same server and credentials as ``dsn``, database ``name``."""
    return urlunsplit(urlsplit(dsn)._replace(path="/" + name))


@asynccontextmanager
async def fresh_database(dsn: str) -> AsyncIterator[str]:
    """CREATE DATABASE with a unique name; yields its DSN; DROP DATABASE afterwards."""
    name = f"twenty_test_{uuid.uuid4().hex[:12]}"
    async with open_storage(dsn, min_size=1, max_size=1) as admin:
        await admin.execute(f"CREATE DATABASE {ident(name)}")
        try:
            yield dsn_for_database(dsn, name)
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(10):
                await admin.execute(f"DROP DATABASE IF EXISTS {ident(name)} WITH (FORCE)")
