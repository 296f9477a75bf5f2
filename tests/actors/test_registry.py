"""The registry with real workspace actors on a real database: start, retire, crash, restart."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio
import trio.testing

from twenty_actors.errors import UnauthorizedError, WorkspaceUnavailableError
from twenty_actors.registry import open_registry
from twenty_actors.supervisor import RestartPolicy
from twenty_actors.workspace.actor import ActorSettings
from twenty_actors.workspace.messages import CreateApiKey, ListApiKeys, Msg, RunRead, RunWrite
from twenty_storage import accounts
from twenty_storage.pg import Database
from twenty_storage.sql import ident

NewWorkspace = Callable[[], Awaitable[uuid.UUID]]


class NoHandlerForThis(Msg, frozen=True, tag="no_handler_for_this"):
    """A message the actor has no handler for.

    WorkspaceMsg is a closed union and the actor's handler ends in ``case _: raise
    AssertionError``: a message it does not know is a bug, and a bug crashes the actor.
    Sending one exercises the real crash path; nothing in the product is there for tests.
    """


class ActorStarts:
    """Counts actor starts per workspace: the registry's ``load_metadata`` runs once per start."""

    def __init__(self) -> None:
        self.count: Counter[uuid.UUID] = Counter()

    async def __call__(self, _db: Database, row: Any) -> None:
        self.count[row["id"]] += 1


async def test_one_actor_per_workspace_started_on_first_use(db: Database, new_workspace: NewWorkspace) -> None:
    first, second = await new_workspace(), await new_workspace()
    starts = ActorStarts()
    async with open_registry(db, load_metadata=starts) as registry:
        assert registry.running() == []
        with trio.fail_after(20):
            async with trio.open_nursery() as nursery:
                for _ in range(25):
                    for workspace_id in (first, second):
                        nursery.start_soon(registry.call, workspace_id, ListApiKeys())
            assert sorted(registry.running()) == sorted([first, second])
            assert starts.count == {first: 1, second: 1}
            assert await registry.handle(first) is await registry.handle(first)
            assert await registry.handle(first) is not await registry.handle(second)
            assert (await registry.handle(first)).state.workspace_id == first


async def test_actor_state_is_its_own_workspace(db: Database, new_workspace: NewWorkspace) -> None:
    first, second = await new_workspace(), await new_workspace()
    async with open_registry(db) as registry:
        with trio.fail_after(20):
            key = await registry.call(first, CreateApiKey(name="only in first", expires_at=None))
            assert [k.id for k in await registry.call(first, ListApiKeys())] == [key.id]
            assert await registry.call(second, ListApiKeys()) == []
            assert key.id in (await registry.handle(first)).state.api_keys
            assert (await registry.handle(second)).state.api_keys == {}


async def test_unknown_workspace_is_unauthorized(db: Database, new_workspace: NewWorkspace) -> None:
    deleted = await new_workspace()
    await db.execute("UPDATE core.workspace SET deleted_at = now() WHERE id = $1", deleted)
    async with open_registry(db) as registry:
        with trio.fail_after(20):
            for workspace_id in (uuid.uuid4(), deleted):
                with pytest.raises(UnauthorizedError):
                    await registry.call(workspace_id, ListApiKeys())
                with pytest.raises(UnauthorizedError):
                    await registry.handle(workspace_id)
            assert registry.running() == []


async def test_idle_actor_retires_and_restarts_on_next_call(
    db: Database, new_workspace: NewWorkspace, patient_autojump_clock: trio.testing.MockClock
) -> None:
    workspace_id = await new_workspace()
    starts = ActorStarts()
    settings = ActorSettings(idle_s=60, call_timeout_s=3600)
    async with open_registry(db, settings=settings, load_metadata=starts) as registry:
        with trio.fail_after(600):
            first = await registry.handle(workspace_id)
            assert await registry.call(workspace_id, ListApiKeys()) == []
            await trio.sleep(59)  # virtual time
            assert registry.running() == [workspace_id]
            await trio.sleep(2)  # 61 s without a message: the actor retired
            assert registry.running() == []
            assert starts.count[workspace_id] == 1

            assert await registry.call(workspace_id, ListApiKeys()) == []
            assert registry.running() == [workspace_id]
            assert await registry.handle(workspace_id) is not first
            assert starts.count[workspace_id] == 2


async def test_busy_actor_does_not_retire(
    db: Database, new_workspace: NewWorkspace, patient_autojump_clock: trio.testing.MockClock
) -> None:
    workspace_id = await new_workspace()
    starts = ActorStarts()
    settings = ActorSettings(idle_s=60, call_timeout_s=3600)
    async with open_registry(db, settings=settings, load_metadata=starts) as registry:
        with trio.fail_after(600):
            for _ in range(4):
                await registry.call(workspace_id, ListApiKeys())
                await trio.sleep(45)  # virtual time, each gap shorter than idle_s
            assert registry.running() == [workspace_id]
            assert starts.count[workspace_id] == 1


async def test_reads_keep_the_actor_alive_though_they_skip_its_mailbox(
    db: Database, new_workspace: NewWorkspace, patient_autojump_clock: trio.testing.MockClock
) -> None:
    workspace_id = await new_workspace()
    starts = ActorStarts()
    settings = ActorSettings(idle_s=60, call_timeout_s=3600)
    async with open_registry(db, settings=settings, load_metadata=starts) as registry:
        with trio.fail_after(600):
            for _ in range(4):  # reads run in the caller's task: the actor must still count them as use
                assert await registry.call(workspace_id, RunRead(sql="SELECT '[1]'::text", params=[])) == b"[1]"
                await trio.sleep(45)
            assert registry.running() == [workspace_id]
            assert starts.count[workspace_id] == 1  # its rate-limit buckets and cached state were kept
            await trio.sleep(120)
            assert registry.running() == []  # and it retires once they stop


async def test_crash_answers_at_once_and_a_restarted_actor_serves_the_next_request(
    db: Database, new_workspace: NewWorkspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="twenty.supervisor")
    workspace_id = await new_workspace()
    starts = ActorStarts()
    async with open_registry(db, load_metadata=starts) as registry:
        with trio.fail_after(20):
            key = await registry.call(workspace_id, CreateApiKey(name="before", expires_at=None))
            handle = await registry.handle(workspace_id)
            state_before = handle.state

            started = trio.current_time()
            with pytest.raises(WorkspaceUnavailableError) as crashed:
                await registry.call(workspace_id, NoHandlerForThis())  # type: ignore[arg-type]
            assert trio.current_time() - started < 1.0  # an answer at once, not a timeout
            assert crashed.value.http_status == 503
            assert crashed.value.retry_after

            # a change made behind the actor's back: only a fresh actor's state can know it
            await accounts.insert_api_key(db, uuid.uuid4(), workspace_id, "while down", None)
            keys = await registry.call(workspace_id, ListApiKeys())
            assert {k.name for k in keys} == {"before", "while down"}

            assert starts.count[workspace_id] == 2
            assert handle.state is not state_before
            assert {k.name for k in handle.state.api_keys.values()} == {"before", "while down"}
            assert await registry.handle(workspace_id) is handle  # same mailbox, restarted actor
            assert key.id in handle.state.api_keys
    assert any("crashed; restarting" in r.getMessage() for r in caplog.records)


async def test_writer_crash_fails_its_batch_at_once_and_the_next_write_commits(
    db: Database, new_workspace: NewWorkspace
) -> None:
    workspace_id = await new_workspace()
    table = ident(accounts.workspace_schema_name(workspace_id), "note")
    await db.execute(f"CREATE TABLE {table} (body text NOT NULL)")
    insert = f"INSERT INTO {table} (body) VALUES ($1)"
    starts = ActorStarts()
    async with open_registry(db, load_metadata=starts) as registry:
        with trio.fail_after(20):
            await registry.call(workspace_id, RunWrite(statements=[(insert, ["first"])]))

            # a statement that is not a (sql, args) pair: the writer fails on it, not PostgreSQL
            malformed = RunWrite(statements=[(insert,)])  # type: ignore[list-item]
            errors: list[Exception] = []

            async def write(msg: RunWrite) -> None:
                try:
                    await registry.call(workspace_id, msg)
                except WorkspaceUnavailableError as exc:
                    errors.append(exc)

            started = trio.current_time()
            async with trio.open_nursery() as nursery:
                nursery.start_soon(write, malformed)
                nursery.start_soon(write, RunWrite(statements=[(insert, ["same batch"])]))
            assert trio.current_time() - started < 1.0
            assert len(errors) >= 1

            await registry.call(workspace_id, RunWrite(statements=[(insert, ["after restart"])]))
            bodies = {r["body"] for r in await db.fetch(f"SELECT body FROM {table}")}
            assert {"first", "after restart"} <= bodies
            assert starts.count[workspace_id] == 2


async def test_crash_loop_makes_the_workspace_unavailable_for_the_cool_down(
    db: Database, new_workspace: NewWorkspace
) -> None:
    workspace_id = await new_workspace()
    policy = RestartPolicy(max_restarts=1, window_s=60, backoff_s=0.01)
    async with open_registry(db, policy=policy, cooldown_s=120) as registry:
        with trio.fail_after(20):
            for _ in range(2):
                with pytest.raises(WorkspaceUnavailableError):
                    await registry.call(workspace_id, NoHandlerForThis())  # type: ignore[arg-type]
            await trio.testing.wait_all_tasks_blocked()
            started = trio.current_time()
            with pytest.raises(WorkspaceUnavailableError) as cooling:
                await registry.call(workspace_id, ListApiKeys())
            assert trio.current_time() - started < 1.0
            assert cooling.value.retry_after == 120
            assert registry.running() == []
