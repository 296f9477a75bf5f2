"""Everything a running server holds, opened and closed in one place."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from typing import Any, final

import trio

from twenty_storage import accounts, citus
from twenty_storage.embedded import open_embedded_postgres
from twenty_storage.errors import StorageError
from twenty_storage.migrations import apply_migrations
from twenty_storage.pg import Database, open_storage

from .admission import FairGate
from .auth import Auth
from .graphql.metadata_api import build_metadata_schema
from .graphql.request import DocumentCache
from .memory import LongLived
from .metadata.model import load_workspace_model
from .metadata.provisioning import new_workspace_statements
from .registry import Registry, open_registry
from .webhooks.sender import SenderSettings, run_webhook_sender
from .workspace.actor import EVENTS_CHANNEL, ActorSettings
from .workspace.ratelimit import RateLimits, open_shared_buckets
from .settings import Settings

log = logging.getLogger("twenty.services")

NOTIFY_CHANNEL = "twenty_workspace"


@final
class Services:
    """The server's parts: storage, the actor registry, auth, and the static GraphQL schemas."""

    def __init__(self, settings: Settings, db: Database, registry: Registry, auth: Auth) -> None:
        self.settings = settings
        self.db = db
        self.registry = registry
        self.auth = auth
        self.metadata_documents = DocumentCache(build_metadata_schema())
        self.admission = registry.gate  # who runs now: see FairGate
        # set when the server starts to stop: new requests get 503, websockets close, /healthz fails
        self.stopping = trio.Event()

    def new_workspace_statements(self, workspace_id: uuid.UUID, user_id: uuid.UUID, email: str) -> list[Any]:
        """Statements that give a new workspace its standard objects (run with its creation)."""
        return new_workspace_statements(workspace_id, user_id, email)

    async def healthy(self) -> bool:
        """Whether the database answers."""
        try:
            with trio.move_on_after(2):
                return bool(await accounts.ping(self.db))
        except StorageError:
            return False
        return False


async def run_listener(db: Database, channel: str, on_payload: Callable[[uuid.UUID], Awaitable[None] | None],
                       on_resubscribed: Callable[[], Awaitable[None]] | None = None, *,
                       task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
    """LISTEN on ``channel`` for workspace ids; re-subscribe with capped backoff when the connection drops."""
    backoff = 0.1
    started = False
    while True:
        try:
            async with db.listen(channel) as listener:
                backoff = 0.1
                if started:
                    if on_resubscribed is not None:
                        await on_resubscribed()
                else:
                    task_status.started()
                    started = True
                async for payload in listener.notifications:
                    try:
                        workspace_id = uuid.UUID(payload)
                    except ValueError:
                        log.warning("ignoring malformed notification %r on %s", payload, channel)
                        continue
                    outcome = on_payload(workspace_id)
                    if outcome is not None:
                        await outcome
        except StorageError as exc:
            log.warning("LISTEN %s failed (%s); retrying in %.1f s", channel, exc, backoff)
        if not started:
            task_status.started()
            started = True
        await trio.sleep(backoff)
        backoff = min(backoff * 2, 10.0)


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    """Start (embedded) PostgreSQL, storage, migrations, the registry and the LISTEN task."""
    async with AsyncExitStack() as stack:
        dsn = settings.database_url
        if dsn is None:
            dsn = await stack.enter_async_context(open_embedded_postgres(settings.data_dir))
        db = await stack.enter_async_context(open_storage(dsn, max_size=settings.pool_size,
                                                                 timeout_s=settings.db_timeout_s))
        applied = await apply_migrations(db)
        if applied:
            log.info("applied migrations %s", applied)
        citus_version = await citus.citus_version(db)
        if citus_version is not None:
            log.info("the database is a Citus %s coordinator: each workspace is a distributed schema",
                     citus_version)
        secret = settings.secret or await accounts.get_or_create_setting(db, "jwt_secret", secrets.token_hex(32))
        nursery = await stack.enter_async_context(trio.open_nursery())
        long_lived = LongLived()
        # every process leases its callers' tokens from buckets in PostgreSQL: a limit holds deployment-wide
        shared_buckets = await stack.enter_async_context(open_shared_buckets(db))
        actor_settings = ActorSettings(rate_limits=RateLimits(settings.rate_limits, shared_buckets),
                                       cross_process_events=settings.cross_process_events)
        # --compat twenty: every workspace's metadata in Twenty's shapes (its composite fields)
        load = long_lived.after(partial(load_workspace_model, twenty=settings.twenty))
        registry = await stack.enter_async_context(
            open_registry(db, settings=actor_settings, load_metadata=load,
                          gate=FairGate(slots=settings.max_running, per_key=settings.max_in_flight_per_workspace,
                                        max_waiting=settings.max_waiting, share=settings.workspace_share)))
        async def reload_running() -> None:
            # notifications sent while we were not listening are lost: reload every running
            # workspace, so a key revoked (or a field added) meanwhile takes effect here too
            for workspace_id in registry.running():
                await registry.reload(workspace_id)

        await nursery.start(run_listener, db, NOTIFY_CHANNEL, registry.reload, reload_running)
        if settings.cross_process_events:
            await nursery.start(run_listener, db, EVENTS_CHANNEL, registry.events_committed)
        await nursery.start(run_webhook_sender, db, registry.webhook_wakeup, SenderSettings(
            timeout_s=settings.webhook_timeout_s, max_attempts=settings.webhook_max_attempts,
            backoff_s=settings.webhook_backoff_s, poll_s=settings.webhook_poll_s,
            allow_private=settings.webhook_allow_private, twenty=settings.twenty))
        if settings.gc_freeze:
            await nursery.start(long_lived.run)
        try:
            yield Services(settings, db, registry, Auth(db, registry, secret))
        finally:
            nursery.cancel_scope.cancel()
