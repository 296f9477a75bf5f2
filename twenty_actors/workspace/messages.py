"""Messages to a workspace actor. Commands; each envelope carries a one-shot reply."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, final

import msgspec
import trio

from ..errors import TwentyError


class Msg(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """A command to one workspace actor."""


class RunRead(Msg, frozen=True, tag="run_read"):
    """Run one compiled read statement whose single column is the answer's JSON; reply: bytes."""

    sql: str
    params: list[Any]


class RunWrite(Msg, frozen=True, tag="run_write"):
    """Run statements as one unit through the write queue (group commit); reply: rows of each."""

    statements: list[tuple[str, Any]]


class RunMetadataChange(Msg, frozen=True, tag="run_metadata_change"):
    """DDL plus metadata rows in one transaction, then reload the metadata; reply: rows of each."""

    statements: list[tuple[str, Any]]


class ListApiKeys(Msg, frozen=True, tag="list_api_keys"):
    """All API keys of the workspace; reply: rows."""


class CreateApiKey(Msg, frozen=True, tag="create_api_key"):
    """Create an API key row; reply: the row."""

    name: str
    expires_at: datetime | None


class RevokeApiKey(Msg, frozen=True, tag="revoke_api_key"):
    """Revoke an API key; reply: the row."""

    key_id: uuid.UUID


class Subscribe(Msg, frozen=True, tag="subscribe"):
    """Join the change feed; reply: (Subscriber, seq up to which a replay must read)."""

    objects: list[str] | None = None
    actions: list[str] | None = None


class Reload(Msg, frozen=True, tag="reload"):
    """Reload metadata and API keys (another process changed them); reply: None."""


WorkspaceMsg = (RunRead | RunWrite | RunMetadataChange | ListApiKeys | CreateApiKey | RevokeApiKey | Subscribe
                | Reload)


class Ok(msgspec.Struct, frozen=True):
    """A successful reply."""

    value: Any


class Err(msgspec.Struct, frozen=True):
    """An expected error, handed back to the caller."""

    error: TwentyError


@final
class Reply:
    """A one-shot answer: the actor sends it or closes it unanswered (it failed); the caller waits for it.

    A memory channel per message costs several times this (its state, two ends, their statistics).
    """

    __slots__ = ("_done", "value")

    def __init__(self) -> None:
        self._done = trio.Event()
        self.value: Ok | Err | None = None

    def send_nowait(self, value: Ok | Err) -> None:
        """Answer (only the first answer counts; a caller gone meanwhile never reads it)."""
        if not self._done.is_set():
            self.value = value
            self._done.set()

    def close(self) -> None:
        """End without an answer, unless answered already: the caller learns that the actor failed."""
        self._done.set()

    async def receive(self) -> Ok | Err | None:
        """The answer; None when the actor closed the reply unanswered."""
        await self._done.wait()
        return self.value


class Envelope(msgspec.Struct, frozen=True):
    """A message with its reply (in-process only, never encoded)."""

    msg: WorkspaceMsg
    reply: Reply
