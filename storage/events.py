"""Reading a workspace's event log (the `_event` table) for change feeds and webhooks."""

from __future__ import annotations

from .ddl import EVENT_TABLE
from .pg import Database
from .sql import join, name, sql, value

_EVENT_JSON = """json_build_object('seq', e.seq, 'event', e.event, 'objectName', e."objectName",
    'recordId', e."recordId", 'data', e.data,
    'timestamp', to_char(e."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))"""


async def max_seq(db: Database, schema: str) -> int:
    """The newest event's seq (0 when there is none)."""
    text, params = sql("SELECT coalesce(max(seq), 0) FROM ", name(schema, EVENT_TABLE)).compile()
    return int(await db.fetchval(text, *params))


async def events_after(db: Database, schema: str, after: int, limit: int = 1000) -> list[tuple[int, str, str, bytes]]:
    """Events with seq > after, oldest first: (seq, objectName, action, JSON bytes of the event)."""
    text, params = sql("SELECT e.seq, e.\"objectName\", split_part(e.event, '.', 2) AS action, ", _EVENT_JSON,
                       "::text AS body FROM ", name(schema, EVENT_TABLE), " e WHERE e.seq > ", value(after),
                       " ORDER BY e.seq LIMIT ", value(limit)).compile()
    rows = await db.fetch(text, *params)
    return [(r["seq"], r["objectName"], r["action"], r["body"].encode()) for r in rows]


def replay_sql(schema: str) -> str:
    """SQL for a page of past events: $1 after, $2 up to (inclusive), $3 objects or NULL, $4 actions or NULL,
    $5 limit; answers a JSON array text."""
    # the caller binds the parameters: they are numbered here, in our source
    text, _ = join([
        sql("SELECT coalesce(json_agg(", _EVENT_JSON, " ORDER BY e.seq), '[]'::json)::text FROM ("),
        sql("SELECT * FROM ", name(schema, EVENT_TABLE), " e WHERE e.seq > $1 AND e.seq <= $2 "),
        sql("AND ($3::text[] IS NULL OR e.\"objectName\" = ANY($3::text[])) "),
        sql("AND ($4::text[] IS NULL OR split_part(e.event, '.', 2) = ANY($4::text[])) "),
        sql("ORDER BY e.seq LIMIT $5) e"),
    ], "").compile()
    return text
