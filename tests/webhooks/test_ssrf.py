"""With the default settings, webhook targets on private addresses are refused."""

from __future__ import annotations

import httpx
import pytest

from twenty_actors.webhooks.ssrf import check_target
from twenty_actors.errors import ValidationError

from ..conftest import Account, gql


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x",
                                 "http://192.168.0.1/x", "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]/x", "http://0.0.0.0/x", "https://172.16.5.4/"])
async def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(ValidationError):
        await check_target(url, allow_private=False)
    await check_target(url, allow_private=True)  # the operator's escape hatch


async def test_refused_at_creation(client: httpx.AsyncClient, account: Account) -> None:
    response = await gql(client, account.access_token,
                         'mutation { createOneWebhook(data: {targetUrl: "http://127.0.0.1:1/x", operation: "*"}) { id } }',
                         path="/metadata")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "private" in error["message"]


async def test_api_md_example_with_default_settings(client: httpx.AsyncClient, account: Account) -> None:
    # API.md's request verbatim: a public host is accepted even where DNS cannot resolve it yet
    # (every delivery resolves and checks again before it connects)
    api_md = """mutation CreateWebhook {
  createOneWebhook(
    data: {
      targetUrl: "https://your-app.com/webhook"
      operation: "create"
      description: "Company created webhook"
    }
  ) {
    id
    targetUrl
    operation
  }
}"""
    response = await gql(client, account.access_token, api_md, path="/metadata")
    hook = response.json()["data"]["createOneWebhook"]
    assert hook["targetUrl"] == "https://your-app.com/webhook" and hook["operation"] == "create"
    assert set(hook) == {"id", "targetUrl", "operation"}


async def test_unresolvable_host_fails_at_delivery_time() -> None:
    with pytest.raises(ValidationError, match="does not resolve"):
        await check_target("http://no-such-host.invalid/x", allow_private=False)
    await check_target("http://no-such-host.invalid/x", allow_private=False, must_resolve=False)
