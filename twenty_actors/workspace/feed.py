"""Change-feed fan-out: the workspace actor publishes committed events to its subscribers."""

from __future__ import annotations

from typing import final

import trio

# what a subscriber receives: (seq, JSON bytes of the event); the channel closes when it must go
FeedItem = tuple[int, bytes]


@final
class Subscriber:
    """One subscription: which objects and actions it wants, and its bounded buffer."""

    def __init__(self, objects: frozenset[str] | None, actions: frozenset[str] | None, buffer: int) -> None:
        self.objects = objects
        self.actions = actions
        self._send, self.receive = trio.open_memory_channel[FeedItem](buffer)
        self.close_reason: str | None = None

    def wants(self, object_name: str, action: str) -> bool:
        """Whether an event of this object and action matches the subscription."""
        return (self.objects is None or object_name in self.objects) and (
            self.actions is None or action in self.actions)

    def offer(self, item: FeedItem) -> bool:
        """Queue an event; False (and the subscriber is closed) when its buffer is full."""
        try:
            self._send.send_nowait(item)
        except trio.WouldBlock:
            self.close("slow")
            return False
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return False
        return True

    def close(self, reason: str) -> None:
        """End the subscription; the reader sees the channel end and ``close_reason``."""
        if self.close_reason is None:
            self.close_reason = reason
        self._send.close()


@final
class FeedHub:
    """The subscribers of one workspace and the last event seq published to them."""

    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.last_seq = 0
        self.lock = trio.Lock()  # held while reading new events, so none is published twice or skipped

    def publish(self, events: list[tuple[int, str, str, bytes]]) -> None:
        """Hand new events (seq, objectName, action, body) to every matching subscriber, in seq order."""
        for seq, object_name, action, body in events:
            for sub in list(self.subscribers):
                if sub.wants(object_name, action) and not sub.offer((seq, body)):
                    self.subscribers.discard(sub)
            self.last_seq = max(self.last_seq, seq)

    def close_all(self, reason: str) -> None:
        """End every subscription (the actor is stopping)."""
        for sub in self.subscribers:
            sub.close(reason)
        self.subscribers.clear()
