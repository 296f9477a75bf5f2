"""``currentWorkspace`` and ``currentUser`` on /metadata: the first queries Twenty's clients send.

Twenty's CLI checks its credentials with ``{ currentWorkspace { id } }``. An API key belongs to a
workspace, so ``currentWorkspace`` answers for keys and users alike; ``currentUser`` needs a user's
access token. Fields Twenty has and this server does not model (subdomains, logos, impersonation,
invitations) are left out of the schema or answer what is true here (``logo: null``,
``allowImpersonation: false``).
"""

from __future__ import annotations

from typing import Any

from twenty_storage import accounts

from ..auth import Principal
from ..errors import ForbiddenError, UnauthorizedError
from ..registry import Registry


def workspace_out(row: Any) -> dict[str, Any]:
    """A workspace as the metadata API answers it."""
    return {"id": str(row["id"]), "displayName": row["name"], "logo": None, "activationStatus": "ACTIVE",
            "metadataVersion": float(row["metadata_version"]), "workspaceMembersCount": float(row["members"]),
            "allowImpersonation": False, "isPublicInviteLinkEnabled": False, "createdAt": row["created_at"],
            "updatedAt": row["created_at"], "deletedAt": None}


def workspace_handlers(registry: Registry, principal: Principal) -> dict[str, Any]:
    """Root-field handlers for the caller's workspace and user, bound to one caller."""
    wid = principal.workspace_id
    db = registry.db

    async def current_workspace(_args: dict[str, Any]) -> dict[str, Any]:
        row = await accounts.workspace_profile(db, wid)
        if row is None:  # deleted since the caller was authenticated
            raise UnauthorizedError("The workspace no longer exists")
        return workspace_out(row)

    async def current_user(_args: dict[str, Any]) -> dict[str, Any]:
        if principal.kind != "user":
            raise ForbiddenError("currentUser needs a user's access token: an API key belongs to a "
                                 "workspace, not to a user (currentWorkspace answers for both)")
        handle = await registry.handle(wid)
        assert handle.state is not None
        row = await accounts.user_profile(db, wid, handle.state.schema_name, principal.subject_id)
        if row is None:  # deleted since the caller was authenticated
            raise UnauthorizedError("The user no longer exists")
        first, last = row["first_name"] or "", row["last_name"] or ""
        member = None if row["member_id"] is None else {
            "id": str(row["member_id"]), "name": {"firstName": first, "lastName": last},
            "userEmail": row["member_email"] or row["email"]}
        return {"id": str(row["id"]), "email": row["email"], "firstName": first, "lastName": last,
                "isEmailVerified": False, "createdAt": row["created_at"], "updatedAt": row["created_at"],
                "deletedAt": None, "workspaceMember": member, "currentWorkspace": await current_workspace({})}

    return {"currentWorkspace": current_workspace, "currentUser": current_user}
