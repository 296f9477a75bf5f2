"""Pending deliveries live in PostgreSQL: a server that stops mid-retry resumes after a restart."""

from __future__ import annotations

import json
import uuid

import msgspec

from twenty_actors.services import open_services
from twenty_actors.settings import Settings
from twenty_actors.graphql.core_endpoint import run_core_request
from twenty_actors.graphql.metadata_endpoint import run_metadata_request

from .receiver import open_receiver


async def test_restart_mid_retry_resumes(pg_dsn: str) -> None:
    settings = Settings(database_url=pg_dsn, port=0, secret="restart-" + uuid.uuid4().hex,
                        webhook_allow_private=True, webhook_backoff_s=1.0)
    async with open_receiver(statuses=[500]) as receiver:
        async with open_services(settings) as services:
            signup = await services.auth.signup(f"r-{uuid.uuid4().hex[:8]}@example.com", "secret123", "Restart",
                                                extra_statements=services.new_workspace_statements)
            principal = await services.auth.authenticate("Bearer " + signup.access_token)
            hook = msgspec.json.encode({"query": 'mutation { createOneWebhook(data: {targetUrl: "%s", operation: "*"})'
                                                 " { id } }" % receiver.url})
            status, _ = await run_metadata_request(services, principal, hook)
            assert status == 200
            create = msgspec.json.encode({"query": 'mutation { createCompany(data: {name: "Resume"}) { id } }'})
            caller = await services.auth.caller("Bearer " + signup.access_token)
            status, body = await run_core_request(caller, create)
            assert status == 200 and b"errors" not in body
            await receiver.wait_for(1)  # the first attempt failed; the retry is scheduled ~1 s later
        # the server is gone; a new one on the same database finishes the job
        async with open_services(settings):
            await receiver.wait_for(2)
    first, second = (json.loads(b) for _, b in receiver.requests[:2])
    assert first["eventId"] == second["eventId"] and second["data"]["name"] == "Resume"
