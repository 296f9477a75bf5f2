"""The pages in a real browser: headless Chromium (Debian's) driven by Playwright, against a real server.

Every request the browser makes to an address outside the loopback range is aborted and counted, and the
count must be 0: the pages work offline, with nothing from a CDN. The browser signs nothing up itself: the
test signs up over HTTP, creates an API key and a company, then pastes the key into GraphiQL, runs a
query and reads the company in the answer; runs the metadata API's default query; and runs a REST list
through Swagger UI's "Try it out". Screenshots go to ``$TWENTY_TEST_ARTIFACTS`` (default
``tests/artifacts/``).

The test runs everywhere Chromium is installed (``.ci/run`` installs it); it is skipped only where
``/usr/bin/chromium`` is missing and ``CI`` is not set.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import trio

from tests.conftest import Server, gql, sign_up

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("TWENTY_TEST_ARTIFACTS") or Path(__file__).resolve().parents[1] / "artifacts")
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                reason="/usr/bin/chromium is not installed (apt-get install chromium)")


def is_loopback(url: str) -> bool:
    """Whether a URL's host is this machine (``data:``, ``blob:`` and ``about:`` never leave it either)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Seen:
    """What the browser did besides what the test asked: requests that were blocked, errors on pages."""

    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def drive_browser(base_url: str, api_key: str, company: str, shots: Path) -> Seen:
    """Open each page in Chromium and use it as a person would; runs in a thread of its own."""
    from playwright.sync_api import Route, sync_playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    seen = Seen()

    def guard(route: Route) -> None:
        url = route.request.url
        seen.requests.append(url)
        if is_loopback(url):
            route.continue_()
        else:
            seen.blocked.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = None
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", guard)
            page = context.new_page()
            page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
            page.on("console", lambda m: seen.console_errors.append(f"{page.url}: {m.text} {m.location}")
                    if m.type == "error" else None)

            # the index links every page
            page.goto(f"{base_url}/")
            for href in ("/graphql", "/metadata", "/rest/docs", "/healthz", "/metrics"):
                assert page.locator(f'a[href="{href}"]').count() >= 1, href
            page.screenshot(path=shots / "index.png", full_page=True)

            # GraphiQL: paste the key, run the default query (companies), read the answer
            page.goto(f"{base_url}/graphql")
            page.wait_for_selector(".graphiql-container")
            page.click(".graphiql-execute-button")  # no token yet: the page says what to do
            wait_for_editor_text(page, ".graphiql-response", "Paste an access token or API key")
            page.fill("#token", api_key)
            page.click("#token-use")
            assert page.text_content("#token-state") == "token set"
            assert "companies" in editor_text(page, ".graphiql-query-editor")
            page.click(".graphiql-execute-button")
            answer = wait_for_editor_text(page, ".graphiql-response", company)
            assert '"totalCount": 1' in answer, answer
            # the docs pane shows the workspace's schema, introspected with the key
            page.click('[aria-label="Show Documentation Explorer"]')
            page.click(".graphiql-doc-explorer-content a.graphiql-doc-explorer-type-name:text-is('Query')")
            page.wait_for_selector(".graphiql-doc-explorer-field-name:text-is('companies')")
            page.screenshot(path=shots / "graphiql.png")

            # the metadata API: the key is remembered (local storage) across pages
            page.goto(f"{base_url}/metadata")
            page.wait_for_selector(".graphiql-container")
            assert page.input_value("#token") == api_key
            page.click(".graphiql-execute-button")
            wait_for_editor_text(page, ".graphiql-response", '"nameSingular": "company"')
            page.screenshot(path=shots / "metadata.png")

            # the API docs: the workspace's document, and a REST list through "Try it out"
            page.goto(f"{base_url}/rest/docs#/companies/findManyCompanies")
            operation = page.locator("#operations-companies-findManyCompanies")
            operation.wait_for()
            execute = operation.locator("button.execute")
            try_it_out = operation.locator("button.try-out__btn")
            for _ in range(10):  # a click that lands while Swagger UI still renders the operation is lost
                if execute.is_visible():
                    break
                if (try_it_out.text_content() or "").strip() == "Try it out":  # not "Cancel": never undo it
                    try_it_out.click()
                with contextlib.suppress(PlaywrightTimeoutError):
                    execute.wait_for(timeout=1_000)
            execute.click()
            body = operation.locator(".live-responses-table .response-col_description .microlight").first
            body.wait_for()
            page.wait_for_function("([el, name]) => el.textContent.includes(name)",
                                   arg=[body.element_handle(), company])
            assert operation.locator(".live-responses-table .response .response-col_status").first \
                .text_content().strip() == "200"
            request_url = operation.locator(".request-url pre").text_content() or ""
            assert request_url.startswith(f"{base_url}/rest/companies"), request_url
            body.scroll_into_view_if_needed()
            page.screenshot(path=shots / "docs.png")
            context.close()
        except Exception:
            if page is not None:
                page.screenshot(path=shots / "failure.png", full_page=True)  # where it stopped
            raise
        finally:
            browser.close()
    return seen


def editor_text(page: Any, container: str) -> str:
    """The text of one of GraphiQL's CodeMirror editors."""
    text: str = page.eval_on_selector(f"{container} .CodeMirror", "el => el.CodeMirror.getValue()")
    return text


def wait_for_editor_text(page: Any, container: str, text: str) -> str:
    """Wait until a GraphiQL editor holds ``text``; its whole text."""
    page.wait_for_function(
        "([selector, text]) => { const el = document.querySelector(selector);"
        " return el && el.CodeMirror && el.CodeMirror.getValue().includes(text); }",
        arg=[f"{container} .CodeMirror", text])
    return editor_text(page, container)


async def test_graphiql_and_the_api_docs_work_in_a_browser_offline(server: Server,
                                                                   client: httpx.AsyncClient) -> None:
    account = await sign_up(client, "Browser")
    created = await gql(client, account.access_token, 'mutation { createOneApiKey(data: {name: "browser", '
                        'expiresAt: "2999-01-01T00:00:00Z"}) { token } }', path="/metadata")
    api_key = created.json()["data"]["createOneApiKey"]["token"]
    company = f"Browser Test {uuid.uuid4().hex[:8]}"
    made = await gql(client, api_key, f'mutation {{ createCompany(data: {{name: "{company}"}}) {{ id }} }}')
    assert made.json()["data"]["createCompany"]["id"], made.text

    shots = ARTIFACTS / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    with trio.fail_after(180):
        # Playwright's sync API in a thread of its own; the server goes on serving in this one
        seen = await trio.to_thread.run_sync(drive_browser, server.url, api_key, company, shots)

    assert seen.blocked == [], f"the pages asked for something outside this machine: {seen.blocked}"
    assert seen.page_errors == []
    assert seen.console_errors == []
    assert any(url.startswith(f"{server.url}/assets/{name}") for url in seen.requests
               for name in ("graphiql-", "swagger-ui-dist-")), seen.requests
    for name in ("index", "graphiql", "metadata", "docs"):
        assert (shots / f"{name}.png").stat().st_size > 1000, name
