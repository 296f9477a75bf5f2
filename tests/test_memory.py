"""Long-lived objects are frozen out of the cyclic collector, and freed again once they are replaced."""

from __future__ import annotations

import gc
import weakref

import trio

from twenty_actors.memory import LongLived


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector can free it


async def test_loaded_objects_are_frozen_then_freed_after_a_change() -> None:
    keeper = LongLived(settle_s=0.01, min_interval_s=0.01)
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(keeper.run)
            at_start = gc.get_freeze_count()
            assert at_start > 0  # what existed at start is frozen

            async def load() -> Node:
                return Node()

            node = await keeper.after(load)()  # a "workspace load"
            gone = weakref.ref(node)
            await trio.sleep(0.2)
            assert gc.get_freeze_count() > at_start
            del node
            gc.collect()
            assert gone() is not None  # frozen: a full collection does not even look at it

            keeper.made()  # the next load (a metadata change) refreezes: the replaced object is freed
            await trio.sleep(0.2)
            assert gone() is None
            nursery.cancel_scope.cancel()
    finally:
        gc.unfreeze()
