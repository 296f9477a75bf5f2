"""What observe() and the feed count: actor starts, crashes and running actors; change-feed subscriptions."""

from __future__ import annotations

import json

import pytest
import trio
from prometheus_client import REGISTRY
from trio_websocket import open_websocket_url

from twenty_actors.supervisor import CrashLoopError, RestartPolicy, supervise

from ..conftest import Account, Server


def value(name: str) -> float:
    """A metric's value in this process (prometheus-client's registry is shared by the whole test run)."""
    found = REGISTRY.get_sample_value(name)
    assert found is not None, name
    return found


async def test_supervised_starts_crashes_and_running(autojump_clock: trio.abc.Clock) -> None:
    before = {name: value(name) for name in ("twenty_actor_starts_total", "twenty_actor_crashes_total",
                                             "twenty_actors_running")}
    runs = 0

    async def actor(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        nonlocal runs
        runs += 1
        task_status.started()
        await trio.sleep(1)
        assert value("twenty_actors_running") == before["twenty_actors_running"] + 1
        raise RuntimeError("a bug")

    with pytest.raises(CrashLoopError), trio.fail_after(60):
        await supervise(actor, name="counted", policy=RestartPolicy(max_restarts=2, window_s=100))
    assert runs == 3
    assert value("twenty_actor_starts_total") - before["twenty_actor_starts_total"] == 3
    assert value("twenty_actor_crashes_total") - before["twenty_actor_crashes_total"] == 3
    assert value("twenty_actors_running") == before["twenty_actors_running"]


async def test_feed_subscriptions_are_counted(server: Server, account: Account) -> None:
    before = value("twenty_feed_subscriptions")
    async with open_websocket_url(server.url.replace("http://", "ws://") + "/ws") as ws:
        await ws.send_message(json.dumps({"type": "auth", "token": account.access_token}))
        assert json.loads(await ws.get_message()) == {"type": "ready"}
        for sid in ("a", "b"):
            await ws.send_message(json.dumps({"type": "subscribe", "id": sid, "objects": ["company"]}))
            assert json.loads(await ws.get_message())["type"] == "subscribed"
        assert value("twenty_feed_subscriptions") == before + 2
        await ws.send_message(json.dumps({"type": "unsubscribe", "id": "a"}))
        assert json.loads(await ws.get_message()) == {"type": "unsubscribed", "id": "a"}
        await ws.send_message(json.dumps({"type": "ping"}))  # a round trip: the ended task is done by then
        assert json.loads(await ws.get_message()) == {"type": "pong"}
        assert value("twenty_feed_subscriptions") == before + 1
