"""The registry: starts one supervised actor per workspace on first use, in its own service nursery."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, final

import trio

from twenty_storage.errors import StorageUnavailableError
from twenty_storage.pg import Database

from .admission import FairGate
from .errors import TwentyError, UnauthorizedError, WorkspaceUnavailableError, from_storage
from .observe import WorkspaceCoolingDown, observe, request_id
from .supervisor import CrashLoopError, RestartPolicy, supervise
from .webhooks.sender import Wakeup
from .workspace.actor import (
    ActorSettings,
    LoadMetadata,
    MailboxClosedError,
    WorkspaceActor,
    WorkspaceHandle,
)
from .workspace.messages import Envelope, Reload, RunRead, WorkspaceMsg

log = logging.getLogger("twenty.registry")


class _Entry:
    """One workspace's place in the registry while its actor starts, runs, or cools down."""

    def __init__(self, handle: WorkspaceHandle) -> None:
        self.handle = handle
        self.ready = trio.Event()
        self.error: Exception | None = None
        self.cooldown_until = 0.0

    def started(self, value: Any = None) -> None:  # the TaskStatus protocol, for supervise()
        if isinstance(value, StorageUnavailableError):
            self.error = from_storage(value)  # 503: the database is away; the next request tries again
        elif value is None and self.error is None:
            self.error = UnauthorizedError("workspace not found")
        self.ready.set()


@final
class Registry:
    """Finds or starts the actor of a workspace; every actor lives in the registry's nursery."""

    def __init__(
        self,
        db: Database,
        nursery: trio.Nursery,
        *,
        settings: ActorSettings,
        policy: RestartPolicy,
        cooldown_s: float,
        load_metadata: LoadMetadata | None,
        gate: FairGate,
    ) -> None:
        self.db = db
        self.gate = gate
        self.webhook_wakeup = Wakeup()
        self._nursery = nursery
        self._settings = settings
        self._policy = policy
        self._cooldown_s = cooldown_s
        self._load_metadata = load_metadata
        self._entries: dict[uuid.UUID, _Entry] = {}

    async def handle(self, workspace_id: uuid.UUID) -> WorkspaceHandle:
        """The running actor of a workspace, started if needed.

        Raises:
            UnauthorizedError: the workspace does not exist.
            WorkspaceUnavailableError: it is cooling down after a crash loop.
        """
        entry = self._entries.get(workspace_id)
        if entry is not None and entry.cooldown_until and trio.current_time() >= entry.cooldown_until:
            del self._entries[workspace_id]
            entry = None
        if entry is None:
            inbox_tx, inbox_rx = trio.open_memory_channel[Envelope](self._settings.mailbox_size)
            entry = _Entry(WorkspaceHandle(workspace_id, inbox_tx, self._settings.call_timeout_s, self.db))
            self._entries[workspace_id] = entry
            self._nursery.start_soon(self._run_workspace, entry, inbox_rx)
        if not entry.ready.is_set():  # Event.wait() of a set event is a schedule point: every request
            await entry.ready.wait()
        if entry.error is not None:
            raise entry.error
        return entry.handle

    async def call(self, workspace_id: uuid.UUID, msg: WorkspaceMsg, *, timeout: float | None = None,
                   handle: WorkspaceHandle | None = None) -> Any:
        """Send ``msg`` to the workspace's actor and return its answer (see WorkspaceHandle.call).

        ``handle`` is the workspace's handle when the caller has it already (a request's ``Caller``).
        Everything but a read lends the request's admission slot to others meanwhile (a write waits for
        its group commit, which costs this process no CPU); a read is short and keeps it.
        """
        if isinstance(msg, RunRead):
            if handle is None:
                handle = await self.handle(workspace_id)
            return await handle.read(msg.sql, msg.params)  # no mailbox: a retired actor's handle reads too
        lent = self.gate.lend_slot()
        try:
            for _ in range(3):
                if handle is None:
                    handle = await self.handle(workspace_id)
                try:
                    return await handle.call(msg, timeout=timeout)
                except MailboxClosedError:
                    handle = None  # it retired while idle: the next handle() starts a fresh one
                    continue
        finally:
            if lent is not None:
                await self.gate.reclaim_slot(lent)
        raise WorkspaceUnavailableError("workspace is restarting, retry", retry_after=1)

    def running(self) -> list[uuid.UUID]:
        """Workspaces whose actors are running now."""
        return [wid for wid, e in self._entries.items() if e.ready.is_set() and e.error is None]

    def events_committed(self, workspace_id: uuid.UUID) -> None:
        """Another process committed events of this workspace: a running actor tells its subscribers."""
        entry = self._entries.get(workspace_id)
        if entry is not None and entry.ready.is_set() and entry.error is None:
            entry.handle.events_committed()

    async def reload(self, workspace_id: uuid.UUID) -> None:
        """Make a running actor reload its state (another process changed it); no-op otherwise."""
        entry = self._entries.get(workspace_id)
        if entry is None or not entry.ready.is_set() or entry.error is not None:
            return
        try:
            await entry.handle.call(Reload())
        except (MailboxClosedError, WorkspaceUnavailableError):
            pass  # a fresh actor loads fresh state anyway
        except TwentyError as exc:
            # overloaded, timed out, or the database went away (then the LISTEN task reloads every running
            # workspace once it is back); never let it take the caller (the LISTEN task) down
            log.warning("workspace %s could not reload: %s", workspace_id, exc.message)

    async def _run_workspace(self, entry: _Entry, inbox: trio.MemoryReceiveChannel[Envelope]) -> None:
        # started by whichever request needed the workspace first; the actor serves them all: its log lines
        # must not carry that one request's id
        request_id.set(None)
        wid = entry.handle.workspace_id

        def retire() -> bool:
            # no checkpoint between the check and the close: no message can slip in between
            if inbox.statistics().current_buffer_used:
                return False
            if self._entries.get(wid) is entry:
                del self._entries[wid]
            inbox.close()
            return True

        actor = WorkspaceActor(self.db, entry.handle, self._settings, retire, self._load_metadata,
                               self.webhook_wakeup.set)
        try:
            await supervise(actor.run, inbox, name=f"workspace {wid}", policy=self._policy, task_status=entry)
        except CrashLoopError:
            entry.error = WorkspaceUnavailableError(
                "workspace is failing repeatedly; cooling down", retry_after=self._cooldown_s
            )
            entry.cooldown_until = trio.current_time() + self._cooldown_s
            observe(WorkspaceCoolingDown(workspace_id=str(wid), seconds=self._cooldown_s))
            log.error("workspace %s is crash-looping; cooling down for %.0f s", wid, self._cooldown_s)
        finally:
            if entry.error is None and not entry.ready.is_set():
                entry.error = WorkspaceUnavailableError("workspace stopped", retry_after=1)
            entry.ready.set()
            if not entry.cooldown_until and self._entries.get(wid) is entry:
                del self._entries[wid]
            _close_mailbox(inbox)


def _close_mailbox(inbox: trio.MemoryReceiveChannel[Envelope]) -> None:
    """Answer messages left in a dead actor's mailbox at once (their callers see 503), then close it."""
    while True:
        try:
            inbox.receive_nowait().reply.close()
        except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
            break
    inbox.close()


@asynccontextmanager
async def open_registry(
    db: Database,
    *,
    settings: ActorSettings | None = None,
    policy: RestartPolicy | None = None,
    cooldown_s: float = 30.0,
    load_metadata: LoadMetadata | None = None,
    gate: FairGate | None = None,
) -> AsyncIterator[Registry]:
    """A registry whose actors are cancelled when the block exits."""
    async with trio.open_nursery() as nursery:
        registry = Registry(
            db,
            nursery,
            settings=settings or ActorSettings(),
            policy=policy or RestartPolicy(),
            cooldown_s=cooldown_s,
            load_metadata=load_metadata,
            gate=gate or FairGate(slots=1 << 30, per_key=1 << 30, max_waiting=1 << 30),
        )
        yield registry
        nursery.cancel_scope.cancel()
