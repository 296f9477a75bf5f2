"""Metadata API handlers for webhooks and deliveries: API.md's ``*OneWebhook`` and Twenty's ``*Webhook``."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from twenty_storage import accounts, webhooks
from twenty_storage.errors import UniqueViolationError

from ..auth import Principal
from ..errors import ConflictError, NotFoundError, ValidationError
from ..registry import Registry
from ..webhooks.operations import parse_operations
from ..webhooks.ssrf import check_target
from .metadata_api import _parse_id, one_of

_CHANGES = ("targetUrl", "operation", "operations", "description", "secret")


def _webhook_out(row: Any, secret: str | None = None) -> dict[str, Any]:
    operations = list(row["operations"])
    return {"id": str(row["id"]), "targetUrl": row["target_url"], "operation": ",".join(operations),
            "operations": operations, "description": row["description"], "secret": secret,
            "createdAt": row["created_at"], "updatedAt": row["updated_at"]}


def _delivery_out(row: Any) -> dict[str, Any]:
    return {"id": str(row["id"]), "webhookId": str(row["webhook_id"]), "eventId": row["event_id"],
            "event": row["event"], "recordId": str(row["record_id"]) if row["record_id"] else None,
            "status": row["status"], "attempts": row["attempts"], "lastError": row["last_error"],
            "lastStatusCode": row["last_status_code"], "nextAttemptAt": row["next_attempt_at"],
            "createdAt": row["created_at"], "updatedAt": row["updated_at"]}


def _check_secret(secret: Any) -> str:
    if not isinstance(secret, str) or not 8 <= len(secret) <= 200:
        raise ValidationError("secret must be 8 to 200 characters",
                              details=[{"field": "secret", "message": "must be 8 to 200 characters"}])
    return secret


def _check_description(description: Any) -> str | None:
    if description is not None and len(description) > 1000:
        raise ValidationError("description is too long",
                              details=[{"field": "description", "message": "at most 1000 characters"}])
    return description


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", details=[{"field": field, "message": message}])


def _update_of(args: dict[str, Any]) -> tuple[uuid.UUID, dict[str, Any]]:
    """The id and changes of ``updateOneWebhook(id:, data:)`` or ``updateWebhook(input:)``."""
    if "input" not in args:  # updateOneWebhook: the id is an argument, the data holds changes only
        data = args["data"]
        for key in ("id", "update"):
            if data.get(key) is not None:
                raise _refuse(f"data.{key}", "updateOneWebhook takes the id as argument, the changes in data")
        return _parse_id(args["id"]), data
    wrapped = args["input"]
    if wrapped.get("id") is None:
        raise _refuse("input.id", "the id of the webhook to update is required")
    flat = [key for key in _CHANGES if wrapped.get(key) is not None]
    if wrapped.get("update") is not None:
        if flat:
            raise _refuse(f"input.{flat[0]}", "give the changes in update or beside the id, not both")
        return _parse_id(wrapped["id"]), wrapped["update"]
    return _parse_id(wrapped["id"]), wrapped


def webhook_handlers(registry: Registry, principal: Principal, *, allow_private: bool) -> dict[str, Any]:
    """Root-field handlers for webhooks, bound to one caller."""
    wid = principal.workspace_id
    db = registry.db

    async def changed() -> None:
        await registry.reload(wid)  # the actor learns whether it has webhooks to feed
        await accounts.notify(db, "twenty_workspace", str(wid))

    async def list_all(_args: dict[str, Any]) -> list[dict[str, Any]]:
        return [_webhook_out(r) for r in await webhooks.list_webhooks(db, wid)]

    async def one(args: dict[str, Any]) -> dict[str, Any] | None:
        wrapped = one_of(args, ("id",), "input", "webhook")
        webhook_id = _parse_id(wrapped["id"] if wrapped else args["id"])
        rows = await webhooks.list_webhooks(db, wid)
        return next((_webhook_out(r) for r in rows if r["id"] == webhook_id), None)

    async def create(args: dict[str, Any]) -> dict[str, Any]:
        data = args["data"] if "data" in args else args["input"]
        operations = parse_operations(data, required=True)
        assert operations is not None
        await check_target(data["targetUrl"], allow_private=allow_private, must_resolve=False)
        secret = data.get("secret")
        secret = secrets.token_hex(32) if secret is None else _check_secret(secret)
        description = _check_description(data.get("description"))
        handle = await registry.handle(wid)
        assert handle.state is not None
        webhook_id = data.get("id") or uuid.uuid4()
        try:
            row = await webhooks.create_webhook(db, handle.state.schema_name, wid, webhook_id,
                                                data["targetUrl"], *operations, description, secret)
        except UniqueViolationError:
            raise ConflictError("A webhook with this id already exists",
                                details=[{"field": "id", "message": "already exists"}]) from None
        await changed()
        return _webhook_out(row, secret)

    async def update(args: dict[str, Any]) -> dict[str, Any]:
        webhook_id, data = _update_of(args)
        changes: dict[str, Any] = {}
        if data.get("targetUrl") is not None:
            await check_target(data["targetUrl"], allow_private=allow_private, must_resolve=False)
            changes["target_url"] = data["targetUrl"]
        operations = parse_operations(data, required=False)
        if operations is not None:
            changes["operations"], changes["patterns"] = operations
        if "description" in data:
            changes["description"] = _check_description(data["description"])
        if data.get("secret") is not None:
            changes["secret"] = _check_secret(data["secret"])
        row = await webhooks.update_webhook(db, wid, webhook_id, changes)
        if row is None:
            raise NotFoundError("Webhook not found")
        return _webhook_out(row)

    async def delete(args: dict[str, Any]) -> dict[str, Any]:
        wrapped = one_of(args, ("id",), "input", "deleteWebhook")
        row = await webhooks.delete_webhook(db, wid, _parse_id(wrapped["id"] if wrapped else args["id"]))
        if row is None:
            raise NotFoundError("Webhook not found")
        await changed()
        return _webhook_out(row)

    async def deliveries(args: dict[str, Any]) -> list[dict[str, Any]]:
        return [_delivery_out(r) for r in await webhooks.list_deliveries(db, wid, _parse_id(args["webhookId"],
                                                                                              "webhookId"))]

    async def retry(args: dict[str, Any]) -> dict[str, Any]:
        row = await webhooks.retry_delivery(db, wid, _parse_id(args["id"]))
        if row is None:
            raise NotFoundError("No failed delivery with this id")
        registry.webhook_wakeup.set()
        return _delivery_out(row)

    return {"webhooks": list_all, "webhook": one, "createOneWebhook": create, "updateOneWebhook": update,
            "deleteOneWebhook": delete, "createWebhook": create, "updateWebhook": update,
            "deleteWebhook": delete, "webhookDeliveries": deliveries, "retryOneWebhookDelivery": retry}
