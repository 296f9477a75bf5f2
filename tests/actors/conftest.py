"""Actor fixtures: a migrated Database on the session's PostgreSQL, and fresh workspaces in it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trio
import trio.testing

from twenty_storage import accounts
from twenty_storage.migrations import apply_migrations
from twenty_storage.pg import Database, open_storage


@pytest.fixture
async def db(pg_dsn: str) -> AsyncIterator[Database]:
    """Storage on the session's database, with the core schema migrated."""
    async with open_storage(pg_dsn) as database:
        await apply_migrations(database)
        yield database


@pytest.fixture
async def new_workspace(db: Database) -> AsyncIterator[Callable[[], Awaitable[uuid.UUID]]]:
    """Creates workspaces (a core.workspace row and its schema); all dropped after the test."""
    created: list[uuid.UUID] = []

    async def create() -> uuid.UUID:
        workspace_id = uuid.uuid4()
        await db.transaction(accounts.create_workspace_statements(workspace_id, "Test", None, None, None))
        created.append(workspace_id)
        return workspace_id

    yield create
    for workspace_id in created:
        await accounts.drop_workspace(db, workspace_id)


@pytest.fixture
def patient_autojump_clock() -> trio.testing.MockClock:
    """Virtual time that jumps ahead only after 0.25 s of real time with every task blocked.

    Database calls wait on PostgreSQL's socket, which Trio's clock cannot see; with the plain
    ``autojump_clock`` every such wait would look like idleness and jump the clock.
    """
    return trio.testing.MockClock(autojump_threshold=0.25)
