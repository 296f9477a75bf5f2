"""Users, workspaces, refresh tokens, API keys and server settings in the ``core`` schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from .citus import SCHEMA_SHARDING
from .pg import Database, Statement
from .roles import standard_role_statements
from .sql import ident, name, sql, value


def workspace_schema_name(workspace_id: uuid.UUID) -> str:
    """The PostgreSQL schema that holds one workspace's tables."""
    return "workspace_" + workspace_id.hex[:16]


async def get_or_create_setting(db: Database, key: str, value: str) -> str:
    """The stored value of ``key``; ``value`` is stored first if there is none (first writer wins)."""
    return await db.fetchval(
        """WITH ins AS (INSERT INTO core.setting (key, value) VALUES ($1, $2)
                        ON CONFLICT (key) DO NOTHING RETURNING value)
           SELECT value FROM ins UNION ALL SELECT value FROM core.setting WHERE key = $1 LIMIT 1""",
        key,
        value,
    )


def create_workspace_statements(
    workspace_id: uuid.UUID, name: str, user_id: uuid.UUID | None, email: str | None,
    password_hash: str | None,
) -> list[Statement]:
    """Statements that create a workspace, its schema and (optionally) its owner.

    On a Citus coordinator the schema is created as a distributed schema: its tables will be placed whole on
    one worker, and every statement of a request, staying inside the schema, is routed there.
    """
    schema = workspace_schema_name(workspace_id)
    statements: list[Statement] = [
        ("INSERT INTO core.workspace (id, name, schema_name) VALUES ($1, $2, $3)",
         (workspace_id, name, schema)),
        *standard_role_statements(workspace_id),
        SCHEMA_SHARDING,
        (f"CREATE SCHEMA {ident(schema)}", ()),
    ]
    if user_id is not None:
        statements.append(
            (
                'INSERT INTO core."user" (id, email, password_hash, workspace_id) VALUES ($1, $2, $3, $4)',
                (user_id, email, password_hash, workspace_id),
            )
        )
    return statements


async def drop_workspace(db: Database, workspace_id: uuid.UUID) -> None:
    """Remove a workspace, its schema and every row that belongs to it."""
    schema = workspace_schema_name(workspace_id)
    await db.transaction(
        [
            (f"DROP SCHEMA IF EXISTS {ident(schema)} CASCADE", ()),
            ("DELETE FROM core.workspace WHERE id = $1", (workspace_id,)),
        ]
    )


async def get_workspace(db: Database, workspace_id: uuid.UUID) -> Any:
    """The live workspace row, or None."""
    return await db.fetchrow(
        "SELECT id, name, schema_name, metadata_version FROM core.workspace "
        "WHERE id = $1 AND deleted_at IS NULL",
        workspace_id,
    )


async def find_user_by_email(db: Database, email: str) -> Any:
    """The live user with this email (case-insensitive) in a live workspace, or None."""
    return await db.fetchrow(
        'SELECT u.id, u.email, u.password_hash, u.workspace_id FROM core."user" u '
        "JOIN core.workspace w ON w.id = u.workspace_id AND w.deleted_at IS NULL "
        "WHERE lower(u.email) = lower($1) AND u.deleted_at IS NULL",
        email,
    )


async def user_is_active(db: Database, user_id: uuid.UUID, workspace_id: uuid.UUID) -> bool:
    """Whether the user and its workspace both still exist."""
    return bool(
        await db.fetchval(
            'SELECT true FROM core."user" u JOIN core.workspace w ON w.id = u.workspace_id '
            "WHERE u.id = $1 AND w.id = $2 AND u.deleted_at IS NULL AND w.deleted_at IS NULL",
            user_id,
            workspace_id,
        )
    )


async def insert_refresh_token(
    db: Database, token_id: uuid.UUID, family_id: uuid.UUID, user_id: uuid.UUID, expires_at: datetime
) -> None:
    """Record a newly issued refresh token."""
    await db.execute(
        "INSERT INTO core.refresh_token (id, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)",
        token_id,
        family_id,
        user_id,
        expires_at,
    )


async def rotate_refresh_token(
    db: Database, token_id: uuid.UUID, new_id: uuid.UUID, expires_at: datetime
) -> Any:
    """Use a refresh token once: mark it used and issue its successor in the same family.

    Returns the (user_id, workspace_id) row on success. A token that was already used
    revokes its whole family (it was stolen or replayed) and returns None, as does an
    unknown, revoked or expired token. One statement, so two racing uses cannot both win.
    """
    rows = await db.transaction(
        [
            (
                """WITH used AS (
                       UPDATE core.refresh_token SET used_at = now()
                       WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
                       RETURNING family_id, user_id),
                   issued AS (
                       INSERT INTO core.refresh_token (id, family_id, user_id, expires_at)
                       SELECT $2, family_id, user_id, $3 FROM used RETURNING user_id)
                   SELECT u.id AS user_id, u.workspace_id FROM issued
                   JOIN core."user" u ON u.id = issued.user_id AND u.deleted_at IS NULL
                   JOIN core.workspace w ON w.id = u.workspace_id AND w.deleted_at IS NULL""",
                (token_id, new_id, expires_at),
            ),
            (
                """UPDATE core.refresh_token SET revoked_at = now()
                   WHERE revoked_at IS NULL AND family_id IN (
                       SELECT family_id FROM core.refresh_token WHERE id = $1 AND used_at IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM core.refresh_token WHERE id = $2))""",
                (token_id, new_id),
            ),
        ]
    )
    return rows[0][0] if rows[0] else None


async def insert_api_key(
    db: Database, key_id: uuid.UUID, workspace_id: uuid.UUID, name: str, expires_at: datetime | None
) -> Any:
    """Create an API key row; the row."""
    return await db.fetchrow(
        "INSERT INTO core.api_key (id, workspace_id, name, expires_at) VALUES ($1, $2, $3, $4) "
        "RETURNING id, name, expires_at, revoked_at, created_at, updated_at",
        key_id,
        workspace_id,
        name,
        expires_at,
    )


async def list_user_ids(db: Database, workspace_id: uuid.UUID) -> list[uuid.UUID]:
    """The ids of the workspace's live users."""
    rows = await db.fetch('SELECT id FROM core."user" WHERE workspace_id = $1 AND deleted_at IS NULL',
                          workspace_id)
    return [r["id"] for r in rows]


async def list_api_keys(db: Database, workspace_id: uuid.UUID) -> list[Any]:
    """The workspace's API keys, newest first."""
    return await db.fetch(
        "SELECT id, name, expires_at, revoked_at, created_at, updated_at FROM core.api_key "
        "WHERE workspace_id = $1 ORDER BY created_at DESC, id",
        workspace_id,
    )


async def revoke_api_key(db: Database, workspace_id: uuid.UUID, key_id: uuid.UUID) -> Any:
    """Revoke a key of this workspace; the row, or None when the workspace has no such key."""
    return await db.fetchrow(
        "UPDATE core.api_key SET revoked_at = coalesce(revoked_at, now()), updated_at = now() "
        "WHERE id = $1 AND workspace_id = $2 "
        "RETURNING id, name, expires_at, revoked_at, created_at, updated_at",
        key_id,
        workspace_id,
    )


async def api_key_is_valid(db: Database, workspace_id: uuid.UUID, key_id: uuid.UUID) -> bool:
    """Whether the key exists in this workspace, is not revoked and has not expired."""
    return bool(
        await db.fetchval(
            "SELECT true FROM core.api_key k JOIN core.workspace w ON w.id = k.workspace_id "
            "WHERE k.id = $1 AND k.workspace_id = $2 AND k.revoked_at IS NULL "
            "AND (k.expires_at IS NULL OR k.expires_at > now()) AND w.deleted_at IS NULL",
            key_id,
            workspace_id,
        )
    )


class Lease(NamedTuple):
    """Tokens leased from a deployment-wide rate-limit bucket, and the bucket's state after the lease."""

    granted: int
    remaining: float  # tokens left in the bucket (below zero while callers owe it)
    wait_s: float  # seconds until the bucket holds a whole token again (0 when it does)


async def lease_rate_tokens(db: Database, bucket: str, per_minute: int, wanted: int, owed: int) -> Lease:
    """Refill ``bucket``, take the ``owed`` tokens already spent and up to ``wanted`` more; one round trip."""
    row = await db.fetchrow("SELECT granted, remaining, wait_s FROM core.lease_rate_tokens($1, $2, $3, $4)",
                            bucket, per_minute, wanted, owed)
    assert row is not None  # a function with OUT parameters answers one row
    return Lease(int(row["granted"]), float(row["remaining"]), float(row["wait_s"]))


async def forget_rate_buckets(db: Database, idle_s: float) -> int:
    """Delete buckets untouched for ``idle_s`` (at least a minute: such a bucket is full, as if it had no
    row); how many."""
    status = await db.execute(
        "DELETE FROM core.rate_bucket WHERE refilled_at < now() - make_interval(secs => $1)",
        max(60.0, idle_s))
    return int(status.rsplit(" ", 1)[-1] or 0)


async def notify(db: Database, channel: str, payload: str) -> None:
    """NOTIFY other server processes (metadata or key changes)."""
    await db.execute("SELECT pg_notify($1, $2)", channel, payload)


async def ping(db: Database) -> int:
    """1, when the database answers."""
    return await db.fetchval("SELECT 1")


async def workspace_profile(db: Database, workspace_id: uuid.UUID) -> Any:
    """The live workspace's name, metadata version, creation time and number of live users; None if gone."""
    return await db.fetchrow(
        "SELECT w.id, w.name, w.metadata_version, w.created_at, (SELECT count(*) FROM core.\"user\" u "
        "WHERE u.workspace_id = w.id AND u.deleted_at IS NULL) AS members "
        "FROM core.workspace w WHERE w.id = $1 AND w.deleted_at IS NULL",
        workspace_id,
    )


async def user_profile(db: Database, workspace_id: uuid.UUID, schema: str, user_id: uuid.UUID) -> Any:
    """A live user of the workspace, with its workspaceMember row's id and name when it has one; or None."""
    text, params = sql(
        'SELECT u.id, u.email, u.created_at, m.id AS member_id, m."nameFirstName" AS first_name, '
        'm."nameLastName" AS last_name, m."userEmail" AS member_email FROM core."user" u '
        "LEFT JOIN LATERAL (SELECT * FROM ", name(schema, "workspaceMember"), ' m WHERE m."userId" = u.id '
        'AND m."deletedAt" IS NULL ORDER BY m."createdAt", m.id LIMIT 1) m ON true '
        "WHERE u.id = ", value(user_id), " AND u.workspace_id = ", value(workspace_id),
        " AND u.deleted_at IS NULL").compile()
    return await db.fetchrow(text, *params)
