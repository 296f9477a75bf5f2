"""Webhooks and their deliveries in ``core``: the outbox that the event log feeds."""

from __future__ import annotations

import uuid
from typing import Any

from .ddl import EVENT_TABLE
from .pg import Database
from .sql import join, name, raw, sql, value

_COLUMNS = "id, target_url, operations, description, created_at, updated_at"
_DELIVERY_COLUMNS = ("id, webhook_id, event_id, event, record_id, status, attempts, last_error, last_status_code, "
                     "next_attempt_at, created_at, updated_at")


async def create_webhook(db: Database, schema: str, workspace_id: uuid.UUID, webhook_id: uuid.UUID,
                         target_url: str, operations: list[str], patterns: list[str], description: str | None,
                         secret: str) -> Any:
    """A webhook that receives events committed from now on.

    ``operations`` are kept as given; ``patterns`` (``object.action``, ``*`` for any) decide which events
    it receives.
    """
    values = join([value(webhook_id), value(workspace_id), value(target_url), value(operations, "text[]"),
                   value(patterns, "text[]"), value(description), value(secret)])
    # INSERT … SELECT rather than a subquery inside VALUES: Citus refuses the latter when the event log
    # is a distributed table
    text, params = sql("INSERT INTO core.webhook (id, workspace_id, target_url, operations, patterns, "
                       "description, secret, dispatched_seq) SELECT ", values,
                       ", coalesce(max(seq), 0) FROM ", name(schema, EVENT_TABLE), " RETURNING ",
                       _COLUMNS).compile()
    return await db.fetchrow(text, *params)


async def list_webhooks(db: Database, workspace_id: uuid.UUID) -> list[Any]:
    """The workspace's webhooks, oldest first."""
    text, params = sql("SELECT ", _COLUMNS, " FROM core.webhook WHERE workspace_id = ", value(workspace_id),
                       " ORDER BY created_at, id").compile()
    return await db.fetch(text, *params)


async def count_webhooks(db: Database, workspace_id: uuid.UUID) -> int:
    """How many webhooks the workspace has."""
    return int(await db.fetchval("SELECT count(*) FROM core.webhook WHERE workspace_id = $1", workspace_id))


async def update_webhook(db: Database, workspace_id: uuid.UUID, webhook_id: uuid.UUID, changes: dict[str, Any]) -> Any:
    """Change target, operations (with their patterns), description or secret; None when not found."""
    casts = {"operations": "text[]", "patterns": "text[]"}
    allowed = ("target_url", "operations", "patterns", "description", "secret")
    sets = [sql(name(c), " = ", value(changes[c], casts.get(c))) for c in allowed if c in changes]
    text, params = sql("UPDATE core.webhook SET ", join([*sets, raw("updated_at = now()")]), " WHERE id = ",
                       value(webhook_id), " AND workspace_id = ", value(workspace_id), " RETURNING ",
                       _COLUMNS).compile()
    return await db.fetchrow(text, *params)


async def delete_webhook(db: Database, workspace_id: uuid.UUID, webhook_id: uuid.UUID) -> Any:
    """Delete a webhook (its deliveries go with it); None when not found."""
    text, params = sql("DELETE FROM core.webhook WHERE id = ", value(webhook_id), " AND workspace_id = ",
                       value(workspace_id), " RETURNING ", _COLUMNS).compile()
    return await db.fetchrow(text, *params)


async def dispatch(db: Database, schema: str, workspace_id: uuid.UUID, limit: int = 1000) -> tuple[int, int]:
    """Turn new events into deliveries for every matching webhook; (deliveries made, events read).

    An event ``company.created`` matches a webhook with one of the patterns ``company.created``,
    ``*.created``, ``company.*`` or ``*.*``. The payload has API.md's keys (event, workspaceId,
    objectName, recordId, data, timestamp) with eventId, and Twenty's beside them (eventName, record,
    objectMetadata, webhookId, eventDate, targetUrl; updatedFields for updates). The webhooks' cursors
    move in the same statement, and (webhook, event) is unique, so each event is delivered once per
    webhook even if two processes dispatch at the same time.
    """
    text, _ = sql("""WITH hooks AS (SELECT * FROM core.webhook WHERE workspace_id = $1 ORDER BY id FOR UPDATE),
            ev AS (SELECT e.*,
                          to_char(e."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
                   FROM """, name(schema, EVENT_TABLE), """ e
                   WHERE e.seq > (SELECT min(dispatched_seq) FROM hooks) ORDER BY e.seq LIMIT $2),
            made AS (
                INSERT INTO core.webhook_delivery (id, webhook_id, workspace_id, event_seq, event_id, event,
                                                   record_id, payload)
                SELECT gen_random_uuid(), h.id, $1, e.seq, $1::text || ':' || e.seq, e.event, e."recordId",
                       jsonb_build_object('event', e.event, 'workspaceId', $1::text, 'objectName', e."objectName",
                           'recordId', e."recordId", 'data', e.data, 'timestamp', e.at,
                           'eventId', $1::text || ':' || e.seq,
                           'eventName', e.event, 'record', coalesce(e.data, e.before, '{}'::jsonb),
                           'objectMetadata', jsonb_build_object(
                               'id', (SELECT o.id FROM core.object_metadata o
                                      WHERE o.workspace_id = $1 AND o.name_singular = e."objectName"),
                               'nameSingular', e."objectName"),
                           'webhookId', h.id, 'eventDate', e.at, 'targetUrl', h.target_url)
                       || CASE WHEN e.before IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('updatedFields',
                              (SELECT coalesce(jsonb_agg(k ORDER BY k), '[]'::jsonb)
                               FROM jsonb_object_keys(e.data) k
                               WHERE k <> 'updatedAt' AND e.data -> k IS DISTINCT FROM e.before -> k)) END
                FROM ev e JOIN hooks h ON e.seq > h.dispatched_seq
                     AND h.patterns && ARRAY[e.event, '*.' || split_part(e.event, '.', 2),
                                             e."objectName" || '.*', '*.*']
                ON CONFLICT (webhook_id, event_seq) DO NOTHING
                RETURNING 1),
            moved AS (
                UPDATE core.webhook h SET dispatched_seq = (SELECT max(seq) FROM ev)
                WHERE h.id IN (SELECT id FROM hooks) AND (SELECT max(seq) FROM ev) > h.dispatched_seq
                RETURNING 1)
            SELECT (SELECT count(*) FROM made) AS made, (SELECT count(*) FROM ev) AS read,
                   (SELECT count(*) FROM moved) AS moved""").compile()  # $1 and $2 numbered in our source
    row = await db.fetchrow(text, workspace_id, limit)
    return int(row["made"]), int(row["read"])


async def claim_due(db: Database, limit: int, lease_s: float) -> list[Any]:
    """Claim deliveries that are due (or whose sender died), oldest first, one per (webhook, record)
    at a time so each record's events arrive in order. ``FOR UPDATE SKIP LOCKED`` lets processes share."""
    return await db.fetch(
        """UPDATE core.webhook_delivery d
           SET status = 'sending', attempts = d.attempts + 1, lease_until = now() + make_interval(secs => $2),
               updated_at = now()
           FROM core.webhook w
           WHERE w.id = d.webhook_id AND d.id IN (
               SELECT c.id FROM core.webhook_delivery c
               WHERE ((c.status = 'pending' AND c.next_attempt_at <= now())
                      OR (c.status = 'sending' AND c.lease_until < now()))
                 AND NOT EXISTS (SELECT 1 FROM core.webhook_delivery p
                                 WHERE p.webhook_id = c.webhook_id AND p.record_id = c.record_id
                                   AND p.event_seq < c.event_seq AND p.status IN ('pending', 'sending'))
               ORDER BY c.next_attempt_at, c.event_seq
               LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING d.id, d.webhook_id, d.attempts, d.payload::text AS body, w.target_url, w.secret""",
        limit, lease_s)


async def finish_delivery(db: Database, delivery_id: uuid.UUID, *, ok: bool, status_code: int | None,
                          error: str | None, retry_in_s: float | None) -> None:
    """Record an attempt: succeeded, retry later (``retry_in_s``), or failed for good (None)."""
    status = "succeeded" if ok else ("pending" if retry_in_s is not None else "failed")
    await db.execute(
        """UPDATE core.webhook_delivery SET status = $2, last_status_code = $3, last_error = $4,
               next_attempt_at = now() + make_interval(secs => $5), lease_until = NULL, updated_at = now()
           WHERE id = $1""",
        delivery_id, status, status_code, error[:500] if error else None, retry_in_s or 0.0)


async def list_deliveries(db: Database, workspace_id: uuid.UUID, webhook_id: uuid.UUID, limit: int = 200) -> list[Any]:
    """A webhook's deliveries, newest first."""
    text, params = sql("SELECT ", _DELIVERY_COLUMNS, " FROM core.webhook_delivery WHERE workspace_id = ",
                       value(workspace_id), " AND webhook_id = ", value(webhook_id),
                       " ORDER BY event_seq DESC LIMIT ", value(limit)).compile()
    return await db.fetch(text, *params)


async def retry_delivery(db: Database, workspace_id: uuid.UUID, delivery_id: uuid.UUID) -> Any:
    """Put a failed delivery back in the queue; None when the workspace has no such failed delivery."""
    text, params = sql("UPDATE core.webhook_delivery SET status = 'pending', attempts = 0, "
                       "next_attempt_at = now(), updated_at = now() WHERE id = ", value(delivery_id), " AND workspace_id = ",
                       value(workspace_id), " AND status = 'failed' RETURNING ", _DELIVERY_COLUMNS).compile()
    return await db.fetchrow(text, *params)


async def next_due_in(db: Database) -> tuple[float | None, int]:
    """Seconds until the next pending delivery (or expiring lease) is due (None when there is none), and
    how many deliveries are not done (pending or being sent)."""
    row = await db.fetchrow(
        """SELECT extract(epoch FROM min(CASE WHEN status = 'pending' THEN next_attempt_at ELSE lease_until END)
                                   - now()) AS due, count(*) AS waiting
           FROM core.webhook_delivery WHERE status IN ('pending', 'sending')""")
    assert row is not None  # an aggregate answers one row
    due = None if row["due"] is None else max(0.0, float(row["due"]))
    return due, int(row["waiting"])
