"""A delivery's signing headers: API.md's (seconds) by default, Twenty's (milliseconds, a nonce) in compat."""

from __future__ import annotations

import hashlib
import hmac
import time

from twenty_actors.webhooks.sender import signed_headers


def _valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    signed = headers["X-Twenty-Webhook-Timestamp"].encode() + b":" + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Twenty-Webhook-Signature"])


def test_api_md_headers() -> None:
    headers = signed_headers("s", b'{"a":1}')
    assert set(headers) == {"X-Twenty-Webhook-Signature", "X-Twenty-Webhook-Timestamp"}
    assert abs(int(headers["X-Twenty-Webhook-Timestamp"]) - time.time()) < 5  # seconds
    assert _valid("s", headers, b'{"a":1}')


def test_twenty_headers() -> None:
    first = signed_headers("s", b"{}", twenty=True)
    second = signed_headers("s", b"{}", twenty=True)
    assert abs(int(first["X-Twenty-Webhook-Timestamp"]) - time.time() * 1000) < 5000  # milliseconds
    assert _valid("s", first, b"{}")
    assert len(first["X-Twenty-Webhook-Nonce"]) == 32
    assert first["X-Twenty-Webhook-Nonce"] != second["X-Twenty-Webhook-Nonce"]
    assert not _valid("other", first, b"{}")
