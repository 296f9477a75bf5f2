"""Metadata API handlers for webhooks and their deliveries."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from twenty_storage import accounts, webhooks

from ..auth import Principal
from ..errors import NotFoundError, ValidationError
from ..registry import Registry
from ..webhooks.operations import parse_operation
from ..webhooks.ssrf import check_target
from .metadata_api import _parse_id


def _webhook_out(row: Any, secret: str | None = None) -> dict[str, Any]:
    return {"id": str(row["id"]), "targetUrl": row["target_url"], "operation": row["operation"],
            "description": row["description"], "secret": secret, "createdAt": row["created_at"],
            "updatedAt": row["updated_at"]}


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
        webhook_id = _parse_id(args["id"])
        return next((_webhook_out(r) for r in await webhooks.list_webhooks(db, wid) if r["id"] == webhook_id), None)

    async def create(args: dict[str, Any]) -> dict[str, Any]:
        data = args["data"]
        await check_target(data["targetUrl"], allow_private=allow_private, must_resolve=False)
        object_pattern, action_pattern = parse_operation(data["operation"])
        secret = data.get("secret")
        secret = secrets.token_hex(32) if secret is None else _check_secret(secret)
        handle = await registry.handle(wid)
        assert handle.state is not None
        row = await webhooks.create_webhook(db, handle.state.schema_name, wid, uuid.uuid4(), data["targetUrl"],
                                            data["operation"].strip(), object_pattern, action_pattern,
                                            _check_description(data.get("description")), secret)
        await changed()
        return _webhook_out(row, secret)

    async def update(args: dict[str, Any]) -> dict[str, Any]:
        data, changes = args["data"], {}
        if data.get("targetUrl") is not None:
            await check_target(data["targetUrl"], allow_private=allow_private, must_resolve=False)
            changes["target_url"] = data["targetUrl"]
        if data.get("operation") is not None:
            changes["object_pattern"], changes["action_pattern"] = parse_operation(data["operation"])
            changes["operation"] = data["operation"].strip()
        if "description" in data:
            changes["description"] = _check_description(data["description"])
        if data.get("secret") is not None:
            changes["secret"] = _check_secret(data["secret"])
        row = await webhooks.update_webhook(db, wid, _parse_id(args["id"]), changes)
        if row is None:
            raise NotFoundError("Webhook not found")
        return _webhook_out(row)

    async def delete(args: dict[str, Any]) -> dict[str, Any]:
        row = await webhooks.delete_webhook(db, wid, _parse_id(args["id"]))
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
            "deleteOneWebhook": delete, "webhookDeliveries": deliveries, "retryOneWebhookDelivery": retry}
