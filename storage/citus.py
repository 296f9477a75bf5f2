"""Citus: whether the database is a Citus coordinator, where workspaces live, and moving them.

With Citus's schema-based sharding, each workspace schema is a *distributed schema*: its tables are
placed whole on one worker node, colocated, and a statement that stays inside the schema is routed to
that node. The ``core`` schema stays on the coordinator. A workspace schema becomes distributed when it
is created (``create_workspace_statements`` turns ``citus.enable_schema_based_sharding`` on for its
transaction; on plain PostgreSQL that setting is an unused placeholder, so the statements are the same).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from .pg import Database, Statement

SCHEMA_SHARDING: Statement = ("SELECT set_config('citus.enable_schema_based_sharding', 'on', true)", ())


class Placement(msgspec.Struct, frozen=True, kw_only=True):
    """Where one distributed schema's tables are: the worker node's host and port, and its size."""

    schema: str
    host: str
    port: int
    size_bytes: int


class NodeInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A node of the cluster as the coordinator knows it."""

    node_id: int
    host: str
    port: int
    role: str  # "coordinator" or "worker"
    active: bool


async def citus_version(db: Database) -> str | None:
    """Citus's version when its extension is in this database (a coordinator or a worker); else None."""
    return await db.fetchval("SELECT extversion FROM pg_extension WHERE extname = 'citus'")


async def create_extension(db: Database) -> str:
    """CREATE EXTENSION citus (when it is not there yet); its version."""
    await db.execute("CREATE EXTENSION IF NOT EXISTS citus")
    return str(await citus_version(db))


async def register_nodes(db: Database, coordinator: tuple[str, int],
                         workers: Sequence[tuple[str, int]]) -> None:
    """On the coordinator: name it, and add each worker that is not in the cluster yet."""
    await db.execute("SELECT citus_set_coordinator_host($1, $2)", *coordinator)
    rows = await db.fetch("SELECT nodename, nodeport FROM pg_dist_node")
    known = {(r["nodename"], r["nodeport"]) for r in rows}
    for host, port in workers:
        if (host, port) not in known:
            await db.execute("SELECT citus_add_node($1, $2)", host, port)


async def nodes(db: Database) -> list[NodeInfo]:
    """The coordinator and the workers, as the coordinator's metadata lists them."""
    rows = await db.fetch("SELECT nodeid, nodename, nodeport, groupid, isactive FROM pg_dist_node "
                          "ORDER BY groupid, nodeid")
    return [NodeInfo(node_id=r["nodeid"], host=r["nodename"], port=r["nodeport"],
                     role="coordinator" if r["groupid"] == 0 else "worker", active=r["isactive"])
            for r in rows]


async def placements(db: Database, schemas: Sequence[str] | None = None) -> dict[str, Placement]:
    """Where each distributed schema (or each of ``schemas``) is placed, and its size."""
    rows = await db.fetch(
        """SELECT n.nspname::text AS schema, s.nodename AS host, s.nodeport AS port,
                  sum(s.shard_size)::bigint AS size
           FROM citus_shards s
           JOIN pg_class c ON c.oid = s.table_name
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE s.citus_table_type = 'schema' AND ($1::text[] IS NULL OR n.nspname::text = ANY($1::text[]))
           GROUP BY 1, 2, 3""",
        None if schemas is None else list(schemas))
    return {r["schema"]: Placement(schema=r["schema"], host=r["host"], port=r["port"],
                                   size_bytes=int(r["size"] or 0)) for r in rows}


async def move_schema(db: Database, schema: str, host: str, port: int, *, block_writes: bool = False) -> None:
    """Move a distributed schema (a workspace) to another worker with ``citus_schema_move``.

    The default (``auto``) moves it with logical replication, every table having a primary key: reads and
    writes go on while its data is copied, and writes pause only for the switch-over. ``block_writes``
    copies it with writes blocked instead.
    """
    mode = "block_writes" if block_writes else "auto"
    await db.execute("SELECT citus_schema_move($1::regnamespace, $2, $3, $4::citus.shard_transfer_mode)",
                     schema, host, port, mode)
