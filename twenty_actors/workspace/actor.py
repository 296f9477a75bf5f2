"""The workspace actor: owns a workspace's state and commits its writes in groups; reads go through its handle."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, final

import msgspec
import trio

from twenty_storage import accounts, events, webhooks
from twenty_storage.errors import StorageError, StorageUnavailableError
from twenty_storage.pg import Database

from ..admission import ShedError
from ..errors import (
    DeadlineExceededError,
    NotFoundError,
    TwentyError,
    WorkspaceUnavailableError,
    from_storage,
)
from ..observe import WRITE_QUEUED, WriteBatchCommitted, WriteQueueChanged, observe
from .messages import (
    CreateApiKey,
    Envelope,
    Err,
    ListApiKeys,
    Ok,
    Reload,
    Reply,
    RevokeApiKey,
    RunMetadataChange,
    RunRead,
    RunWrite,
    Subscribe,
    WorkspaceMsg,
)
from .feed import FeedHub, Subscriber
from .ratelimit import RateLimiter
from .state import ApiKey, WorkspaceState, api_key_from_row

log = logging.getLogger("twenty.workspace")


class ActorSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Sizes and timings of workspace actors."""

    mailbox_size: int = 1024
    write_queue_size: int = 1024
    max_batch: int = 256
    idle_s: float = 300.0
    call_timeout_s: float = 30.0
    feed_buffer: int = 1000
    cross_process_events: bool = False
    rate_limits: dict[str, int] = msgspec.field(default_factory=lambda: {"graphql": 100, "rest": 200,
                                                                          "metadata": 50})


EVENTS_CHANNEL = "twenty_events"  # NOTIFY payload: a workspace id whose events were committed


class MailboxClosedError(Exception):
    """The actor retired (idle) before taking the message; the caller may start a new one."""


def lock_key(workspace_id: uuid.UUID) -> int:
    """The advisory-lock key that serialises one workspace's writers across processes."""
    return int.from_bytes(workspace_id.bytes[:8], "big", signed=True)


@final
class WorkspaceHandle:
    """How callers reach one workspace actor: its mailbox, its latest published state, and reads."""

    def __init__(self, workspace_id: uuid.UUID, mailbox: trio.MemorySendChannel[Envelope], timeout: float,
                 db: Database) -> None:
        self.workspace_id = workspace_id
        self._mailbox = mailbox
        self._timeout = timeout
        self._db = db
        self.last_used = trio.current_time()  # the actor retires only after this long without any use
        self.state: WorkspaceState | None = None
        self.limiter: RateLimiter | None = None  # owned by the actor; rebuilt when it restarts
        self.events_committed: Callable[[], None] = lambda: None  # another process committed events
        self.writes: trio.MemorySendChannel[Envelope] | None = None  # the running actor's write queue

    async def call(self, msg: WorkspaceMsg, *, timeout: float | None = None) -> Any:
        """Send ``msg`` and wait for its answer.

        Raises:
            MailboxClosedError: the actor retired before taking the message.
            WorkspaceUnavailableError: the mailbox is full, or the actor crashed on this message.
            DeadlineExceededError: no answer within the timeout.
        """
        self.last_used = trio.current_time()
        if isinstance(msg, RunRead):
            return await self.read(msg.sql, msg.params)
        reply = Reply()
        envelope = Envelope(msg, reply)
        # a write goes straight into the writer's queue (as the actor would put it): one task switch
        # fewer, and no turn of the mailbox loop
        queue = self.writes if isinstance(msg, RunWrite) else self._mailbox
        if queue is None:
            queue = self._mailbox
        try:
            queue.send_nowait(envelope)
        except trio.WouldBlock:
            if queue is self._mailbox:
                raise ShedError("workspace is overloaded, retry shortly", reason="mailbox_full") from None
            raise ShedError("write queue is full, retry shortly", reason="write_queue_full") from None
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            raise MailboxClosedError() from None
        if queue is not self._mailbox:
            observe(WRITE_QUEUED)
        answer: Ok | Err | None = None
        answered = False
        # fail_after, without the generator it is written as (this runs for every write)
        with trio.CancelScope(deadline=trio.current_time() + (timeout or self._timeout)):
            answer = await reply.receive()
            answered = True
        if not answered:
            raise DeadlineExceededError("the request took too long")
        if answer is None:
            raise WorkspaceUnavailableError("workspace failed while handling the request", retry_after=1)
        if isinstance(answer, Err):
            raise answer.error
        return answer.value

    async def read(self, sql: str, params: list[Any]) -> bytes:
        """A read (one statement whose single column is the answer's JSON): its JSON bytes.

        A read needs the pool, not the actor's attention: it runs in the caller's task, which spares it
        three task switches through the actor (each one a wait behind every other runnable task of the
        process, which is what a busy neighbour makes long). A busy workspace cannot take the whole pool
        from its neighbours: sharing the process, it computes (and so reads) one request at a time; see
        twenty_actors/admission.py. It is one statement, bounded by the database's own timeout.
        """
        self.last_used = trio.current_time()
        try:
            return await self._db.fetch_json_bytes(sql, *params)
        except StorageError as exc:
            raise from_storage(exc) from exc


async def load_state(db: Database, workspace_id: uuid.UUID, load_metadata: LoadMetadata | None) -> WorkspaceState | None:
    """Read a workspace's state from PostgreSQL; None when the workspace does not exist."""
    row = await accounts.get_workspace(db, workspace_id)
    if row is None:
        return None
    keys = {r["id"]: api_key_from_row(r) for r in await accounts.list_api_keys(db, workspace_id)}
    user_ids = frozenset(await accounts.list_user_ids(db, workspace_id))
    webhook_count = await webhooks.count_webhooks(db, workspace_id)
    metadata = await load_metadata(db, row) if load_metadata else None
    return WorkspaceState(
        workspace_id=workspace_id,
        name=row["name"],
        schema_name=row["schema_name"],
        metadata_version=row["metadata_version"],
        api_keys=keys,
        user_ids=user_ids,
        webhook_count=webhook_count,
        metadata=metadata,
    )


LoadMetadata = Callable[[Database, Any], Awaitable[Any]]


class WorkspaceActor:
    """The body of one workspace actor: state, the mailbox loop and the writer."""

    def __init__(
        self,
        db: Database,
        handle: WorkspaceHandle,
        settings: ActorSettings,
        retire: Callable[[], bool],
        load_metadata: LoadMetadata | None,
        on_deliveries: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.handle = handle
        self.settings = settings
        self._retire = retire
        self._load_metadata = load_metadata
        self._in_flight = 0
        self.hub = FeedHub()
        self._events_pending = trio.Event()
        self._outbox_pending = trio.Event()
        self._on_deliveries = on_deliveries
        self._serving: trio.CancelScope | None = None  # cancelled when the workspace turns out to be deleted
        self._state_lock = trio.Lock()  # orders reloads and key changes: see _reload

    async def run(
        self, inbox: trio.MemoryReceiveChannel[Envelope], *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Load the state, then serve the mailbox until idle (returns) or a bug (raises).

        When the database is unreachable the actor reports that error as its start value and returns:
        an outage is not a crash of ours, so it must not push the workspace into a crash-loop cool-down
        that outlasts the outage. Callers get 503 at once; the next request starts a fresh actor.
        """
        try:
            state = await load_state(self.db, self.handle.workspace_id, self._load_metadata)
        except StorageUnavailableError as exc:
            task_status.started(exc)
            return
        if state is None:
            task_status.started(None)
            return
        self.handle.state = state
        self.handle.limiter = RateLimiter(self.settings.rate_limits)
        self.handle.events_committed = lambda: self._events_pending.set()
        write_tx, write_rx = trio.open_memory_channel[Envelope](self.settings.write_queue_size)
        self.handle.writes = write_tx
        try:
            async with trio.open_nursery() as nursery:
                self._serving = nursery.cancel_scope
                nursery.start_soon(self._ending_stops_writes, self._run_writer, write_rx)
                background = trio.CancelScope()  # the feed and the outbox: cancelled once the writer is done
                nursery.start_soon(self._ending_stops_writes, self._run_background, background)
                self._outbox_pending.set()  # events committed before a crash get their deliveries now
                task_status.started(self.handle)
                await self._ending_stops_writes(self._serve_mailbox, inbox, nursery, write_tx, write_rx)
                # no schedule point since the retire check: no write can slip into the queue after it
                self.handle.writes = None
                write_tx.close()  # the writer drains what is queued, then ends
                background.cancel()
        finally:
            self.handle.writes = None  # callers write through the mailbox again (a new actor, or 503)
            self.hub.close_all("workspace stopped")
            # after a crash, queued writes are answered (503) at once instead of hanging
            drained = 0
            while True:
                try:
                    write_rx.receive_nowait().reply.close()
                except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                    break
                drained += 1
            write_rx.close()  # a write sent after this fails at once (the caller retries with a new actor)
            if drained:
                observe(WriteQueueChanged(delta=-drained))

    async def _serve_mailbox(self, inbox: trio.MemoryReceiveChannel[Envelope], nursery: trio.Nursery,
                             write_tx: trio.MemorySendChannel[Envelope],
                             write_rx: trio.MemoryReceiveChannel[Envelope]) -> None:
        """Take messages until the actor has been idle long enough to retire."""
        while True:
            # move_on_after, without the generator it is written as
            with trio.CancelScope(deadline=trio.current_time() + self.settings.idle_s):
                env = await inbox.receive()
                self._dispatch(env, nursery, write_tx)
                continue
            idle_for = trio.current_time() - self.handle.last_used
            if (self._in_flight == 0 and idle_for >= self.settings.idle_s and not self.hub.subscribers
                    and write_rx.statistics().current_buffer_used == 0 and self._retire()):
                return

    async def _ending_stops_writes(self, work: Callable[..., Awaitable[None]], *args: Any) -> None:
        """Run one of the actor's tasks; when it fails, writes stop going straight to this actor's queue.

        From then on they go through the mailbox, which outlives the actor: the supervisor's next actor
        takes them (or, if it gives up, they are answered 503). Written to the queue of an actor that is
        ending, they would be answered 503 even though a new actor is about to start.
        """
        ended_well = False
        try:
            await work(*args)
            ended_well = True
        finally:
            if not ended_well:  # failed or cancelled (which goes on up as it came)
                self.handle.writes = None

    def _dispatch(self, env: Envelope, nursery: trio.Nursery, write_tx: trio.MemorySendChannel[Envelope]) -> None:
        msg = env.msg
        match msg:
            case RunWrite() | RunMetadataChange():
                try:
                    write_tx.send_nowait(env)
                except trio.WouldBlock:
                    error = ShedError("write queue is full, retry shortly", reason="write_queue_full")
                    env.reply.send_nowait(Err(error))
                else:
                    observe(WRITE_QUEUED)
            case _:
                nursery.start_soon(self._answer, env)

    async def _answer(self, env: Envelope) -> None:
        self._in_flight += 1
        try:
            try:
                reply: Ok | Err = Ok(await self._handle(env.msg))
            except TwentyError as exc:
                reply = Err(exc)
            except StorageError as exc:
                reply = Err(from_storage(exc))
            env.reply.send_nowait(reply)
        finally:
            env.reply.close()  # unanswered (a crash, or cancelled): the caller learns at once
            self._in_flight -= 1

    async def _handle(self, msg: WorkspaceMsg) -> Any:
        state = self.handle.state
        assert state is not None
        wid = state.workspace_id
        match msg:
            case ListApiKeys():
                return [api_key_from_row(r) for r in await accounts.list_api_keys(self.db, wid)]
            case CreateApiKey(name=name, expires_at=expires_at):
                async with self._state_lock:
                    row = await accounts.insert_api_key(self.db, uuid.uuid4(), wid, name, expires_at)
                    key = self._publish_key(api_key_from_row(row))
                # other server processes learn of the key now, not when their actor next restarts
                await accounts.notify(self.db, "twenty_workspace", str(wid))
                return key
            case RevokeApiKey(key_id=key_id):
                async with self._state_lock:
                    row = await accounts.revoke_api_key(self.db, wid, key_id)
                    if row is None:
                        raise NotFoundError(f"API key {key_id} not found")
                    key = self._publish_key(api_key_from_row(row))
                await accounts.notify(self.db, "twenty_workspace", str(wid))
                return key
            case Subscribe(objects=objects, actions=actions):
                async with self.hub.lock:
                    if not self.hub.subscribers:
                        self.hub.last_seq = await events.max_seq(self.db, state.schema_name)
                    sub = Subscriber(frozenset(objects) if objects else None,
                                     frozenset(actions) if actions else None, self.settings.feed_buffer)
                    self.hub.subscribers.add(sub)
                    return sub, self.hub.last_seq
            case Reload():
                await self._reload()
                self._events_pending.set()
                self._outbox_pending.set()
                return None
            case _:
                raise AssertionError(f"unexpected message {msg!r}")

    def _publish(self, **changes: Any) -> None:
        state = self.handle.state
        assert state is not None
        self.handle.state = msgspec.structs.replace(state, **changes)

    def _publish_key(self, key: ApiKey) -> ApiKey:
        state = self.handle.state  # the current one: a reload may have replaced it meanwhile
        assert state is not None
        self._publish(api_keys={**state.api_keys, key.id: key})
        return key

    async def _reload(self) -> None:
        # one at a time, and never across a key change: a reload that read the database before a revocation
        # must not publish its older state after it (the revoked key would work again)
        async with self._state_lock:
            state = await load_state(self.db, self.handle.workspace_id, self._load_metadata)
            if state is not None:
                self.handle.state = state
        if state is None:
            # deleted meanwhile: stop serving its cached state; the next request starts afresh, and is
            # refused (the workspace no longer exists)
            log.info("workspace %s was deleted; stopping its actor", self.handle.workspace_id)
            if self._serving is not None:
                self._serving.cancel()

    async def _run_background(self, scope: trio.CancelScope) -> None:
        with scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._run_feed)
                nursery.start_soon(self._run_outbox)

    async def _run_feed(self) -> None:
        """Publish committed events to subscribers, in seq order, whenever writes commit."""
        while True:
            await self._events_pending.wait()
            self._events_pending = trio.Event()
            if not self.hub.subscribers:
                continue
            state = self.handle.state
            assert state is not None
            async with self.hub.lock:
                while True:
                    try:
                        new = await events.events_after(self.db, state.schema_name, self.hub.last_seq)
                    except StorageError:
                        log.warning("cannot read new events of %s; retrying on the next commit", state.workspace_id)
                        break
                    self.hub.publish(new)
                    if len(new) < 1000:
                        break

    async def _run_outbox(self) -> None:
        """Turn committed events into webhook deliveries (a no-op for workspaces without webhooks)."""
        while True:
            await self._outbox_pending.wait()
            self._outbox_pending = trio.Event()
            state = self.handle.state
            assert state is not None
            if not state.webhook_count:
                continue
            made = 0
            try:
                while True:
                    new, read = await webhooks.dispatch(self.db, state.schema_name, state.workspace_id)
                    made += new
                    if read < 1000:
                        break
            except StorageError as exc:
                log.warning("webhook dispatch of %s failed (%s); retrying on the next commit",
                            state.workspace_id, exc)
            if made and self._on_deliveries is not None:
                self._on_deliveries()

    async def _run_writer(self, queue: trio.MemoryReceiveChannel[Envelope]) -> None:
        """Drain the write queue: writes that wait while a commit runs go into the next one."""
        async for first in queue:
            batch = [first]
            alone = None  # a metadata change commits alone, after the writes queued before it
            if isinstance(first.msg, RunWrite):
                while len(batch) < self.settings.max_batch:
                    try:
                        env = queue.receive_nowait()
                    except (trio.WouldBlock, trio.EndOfChannel):
                        break
                    if isinstance(env.msg, RunMetadataChange):
                        alone = env
                        break
                    batch.append(env)
            observe(WriteQueueChanged(delta=-len(batch) - (alone is not None)))
            await self._commit(batch)
            if alone is not None:
                await self._commit([alone])

    async def _commit(self, batch: list[Envelope]) -> None:
        state = self.handle.state
        assert state is not None
        started = trio.current_time()
        try:
            await self._commit_and_answer(state, batch, started)
        finally:
            for env in batch:  # answered by now, or the caller learns at once that we failed
                env.reply.close()

    async def _commit_and_answer(self, state: WorkspaceState, batch: list[Envelope], started: float) -> None:
        jobs = [env.msg.statements for env in batch]  # type: ignore[union-attr]
        try:
            notify = (EVENTS_CHANNEL, str(state.workspace_id)) if self.settings.cross_process_events else None
            outcomes: list[Any] = await self.db.run_batch(jobs, lock_key=lock_key(state.workspace_id),
                                                          notify=notify)
        except StorageError as exc:
            error = from_storage(exc)
            outcomes = [error] * len(batch)
        else:
            observe(WriteBatchCommitted(workspace_id=str(state.workspace_id), size=len(batch),
                                        seconds=trio.current_time() - started))
            self._events_pending.set()
            self._outbox_pending.set()
        if any(isinstance(env.msg, RunMetadataChange) for env in batch) and not isinstance(outcomes[0], TwentyError):
            await self._reload()
            await accounts.notify(self.db, "twenty_workspace", str(state.workspace_id))
        for env, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, StorageError):
                outcome = from_storage(outcome)
            env.reply.send_nowait(Err(outcome) if isinstance(outcome, TwentyError) else Ok(outcome))


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)
