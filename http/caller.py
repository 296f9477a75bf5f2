"""What every API request goes through before its route, on the Quart path and the plain one alike."""

from __future__ import annotations

from twenty_actors.auth import Principal
from twenty_actors.errors import RateLimitedError, ValidationError
from twenty_actors.services import Services


async def admit_caller(services: Services, authorization: str | None, api: str,
                       rate_headers: dict[str, str]) -> Principal:
    """Authenticate the caller (once per request) and take its rate-limit token.

    ``rate_headers`` receives the X-RateLimit-* headers (and Retry-After), which belong on the answer
    whatever it is, a refusal for the rate limit included.

    Raises:
        UnauthorizedError: missing, malformed, expired or revoked credentials.
        RateLimitedError: the caller is over its limit for this API.
    """
    principal = await services.auth.authenticate(authorization)
    handle = await services.registry.handle(principal.workspace_id)
    assert handle.limiter is not None
    decision = handle.limiter.take(principal.rate_key, api)
    rate_headers.update(decision.headers())
    if not decision.allowed:
        raise RateLimitedError("Rate limit exceeded", retry_after=decision.retry_after)
    return principal


def require_utf8(body: bytes) -> None:
    """JSON is UTF-8; msgspec checks only the strings it decodes, and skips unknown members unchecked.

    Raises:
        ValidationError: the body is not UTF-8.
    """
    try:
        body.decode()
    except UnicodeDecodeError:
        raise ValidationError("The request body is not valid UTF-8") from None
