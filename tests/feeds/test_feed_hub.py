"""The fan-out itself: matching, order, and a slow subscriber closed instead of growing memory."""

from __future__ import annotations

import trio

from twenty_actors.workspace.feed import FeedHub, Subscriber


async def test_slow_subscriber_is_closed_and_others_continue() -> None:
    hub = FeedHub()
    slow = Subscriber(None, None, buffer=2)
    fast = Subscriber(frozenset(["company"]), frozenset(["created"]), buffer=100)
    hub.subscribers |= {slow, fast}
    events = [(i, "company", "created", b'{"seq":%d}' % i) for i in range(1, 6)]
    events.append((6, "person", "created", b"{}"))
    hub.publish(events)
    assert slow.close_reason == "slow" and slow not in hub.subscribers
    assert [seq for seq, _ in [slow.receive.receive_nowait(), slow.receive.receive_nowait()]] == [1, 2]
    got = []
    while True:
        try:
            got.append(fast.receive.receive_nowait()[0])
        except trio.WouldBlock:
            break
    assert got == [1, 2, 3, 4, 5]
    assert hub.last_seq == 6
