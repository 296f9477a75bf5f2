"""Sign-up, login, refresh-token rotation, and the tokens that name a workspace (HS256 JWTs)."""

from __future__ import annotations

import secrets
import time
import uuid
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, final

import argon2
import jwt
import msgspec
import trio
from twenty_storage import accounts
from twenty_storage.errors import UniqueViolationError
from twenty_storage.pg import Database

from .caller import Caller
from .errors import ConflictError, RateLimitedError, UnauthorizedError, ValidationError
from .permissions import Role
from .planning.values import EMAIL
from .registry import Registry
from .workspace.state import ApiKey

ACCESS_TTL = timedelta(minutes=30)
REFRESH_TTL = timedelta(days=60)
_hasher = argon2.PasswordHasher()
# verifying against this when the email is unknown keeps login time the same for both cases
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is calling: an API key or a user, always of exactly one workspace.

    ``role`` is an API key's role (Twenty's RBAC, see permissions.py); None may do everything: a user,
    and a key without a role.
    """

    workspace_id: uuid.UUID
    kind: Literal["api_key", "user"]
    subject_id: uuid.UUID
    rate_key: str  # the identity rate limits count against: ``{kind}:{subject_id}``
    role: Role | None = None


class TokenPair(msgspec.Struct, frozen=True, rename="camel"):
    """Access and refresh tokens, as /auth answers them."""

    access_token: str
    refresh_token: str
    expires_in: int = int(ACCESS_TTL.total_seconds())


class SignupResult(msgspec.Struct, frozen=True, rename="camel"):
    """The answer to a sign-up: tokens plus the new workspace and user."""

    access_token: str
    refresh_token: str
    expires_in: int
    workspace_id: str
    user_id: str


def validate_credentials(email: object, password: object) -> tuple[str, str]:
    """Checked email and password, or ValidationError with details."""
    details = []
    if not isinstance(email, str) or not EMAIL.match(email) or len(email) > 254:
        details.append({"field": "email", "message": "Invalid email format"})
    if not isinstance(password, str) or len(password) < 8:
        details.append({"field": "password", "message": "Password must be at least 8 characters"})
    elif len(password) > 1024:
        details.append({"field": "password", "message": "Password must be at most 1024 characters"})
    if details:
        raise ValidationError("Validation failed", details=details)
    assert isinstance(email, str) and isinstance(password, str)
    return email, password


@final
class LoginThrottle:
    """Failed logins counted per account (the email as typed, known or not) and per client address.

    Past ``free`` failures, each further try must wait for a delay that doubles with every failure (up to
    ``max_delay_s``); a try that comes too soon is refused with 429 and Retry-After, before any password is
    checked. Unknown and known emails are counted alike, so the answers tell nothing about who exists.
    A try counts as a failure from the moment it starts (so guesses sent all at once are counted at
    once); a success clears its account's count and takes back its own count from its address. Entries
    expire ``window_s`` after their last failure, and at most ``max_entries`` are kept (the oldest go
    first): memory stays bounded.
    """

    def __init__(self, *, free: int = 5, address_free: int = 30, base_delay_s: float = 1.0,
                 max_delay_s: float = 900.0, window_s: float = 900.0, max_entries: int = 10_000) -> None:
        self._free = {"account": free, "address": address_free}
        self._base_delay_s = base_delay_s
        self._max_delay_s = max_delay_s
        self._window_s = window_s
        self._max_entries = max_entries
        self._failures: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()

    def _keys(self, email: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("account", email.strip().lower())]
        if address:
            keys.append(("address", address))
        return keys

    def _wait(self, key: tuple[str, str], now: float) -> float:
        entry = self._failures.get(key)
        if entry is None:
            return 0.0
        failures, last = entry
        if now - last > self._window_s:
            del self._failures[key]
            return 0.0
        over = failures - self._free[key[0]]
        if over < 0:
            return 0.0
        return max(0.0, last + min(self._max_delay_s, self._base_delay_s * 2.0 ** over) - now)

    def begin(self, email: str, address: str | None) -> None:
        """Count a login try as failed until it succeeds.

        Raises:
            RateLimitedError: this account or address must wait before trying again.
        """
        now = trio.current_time()
        keys = self._keys(email, address)
        wait = max(self._wait(key, now) for key in keys)
        if wait > 0:
            raise RateLimitedError("Too many failed logins, retry later", retry_after=wait)
        for key in keys:
            failures, _ = self._failures.pop(key, (0, now))
            self._failures[key] = (failures + 1, now)
        while len(self._failures) > self._max_entries:
            self._failures.popitem(last=False)

    def succeeded(self, email: str, address: str | None) -> None:
        """The try begun for this email and address succeeded."""
        account, *rest = self._keys(email, address)
        self._failures.pop(account, None)
        for key in rest:
            entry = self._failures.get(key)
            if entry is not None:
                self._failures[key] = (max(0, entry[0] - 1), entry[1])


@final
class _Bearer(msgspec.Struct, frozen=True):
    """What a verified bearer token says; whether it is still honoured is decided per request."""

    workspace_id: uuid.UUID
    subject: uuid.UUID
    kind: Literal["access", "api_key"]
    expires_at: float | None  # POSIX seconds
    rate_key: str  # the principal's, made once per token (formatting a UUID is not free)


VERIFIED_TOKENS = 10_000  # bearer tokens whose signature this process has checked, remembered


class Auth:
    """Issues and checks tokens; owns the signing secret and the failed-login counts of this process."""

    def __init__(self, db: Database, registry: Registry, secret: str) -> None:
        self._db = db
        self._registry = registry
        self._secret = secret
        self.login_throttle = LoginThrottle()
        # a client sends the same token with every request: its signature is checked once (PyJWT took ~5%
        # of a request's CPU), its expiry and its key's or user's standing on every request
        self._verified: dict[str, _Bearer] = {}

    # --- tokens ------------------------------------------------------------------------------

    def _encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._secret, algorithms=["HS256"], options={"require": ["sub", "typ"]}
            )
        except jwt.ExpiredSignatureError:
            raise UnauthorizedError("Token has expired") from None
        except jwt.InvalidTokenError:
            raise UnauthorizedError("Invalid token") from None
        return claims

    def access_token(self, user_id: uuid.UUID, workspace_id: uuid.UUID) -> str:
        """A short-lived access token for a user."""
        now = datetime.now(UTC)
        return self._encode({"sub": str(user_id), "wid": str(workspace_id), "typ": "access",
                             "iat": now, "exp": now + ACCESS_TTL, "jti": secrets.token_hex(8)})

    def api_key_token(self, workspace_id: uuid.UUID, key: ApiKey) -> str:
        """The token of an API key; the key row decides validity (revocation)."""
        claims: dict[str, Any] = {"sub": str(key.id), "wid": str(workspace_id), "typ": "api_key",
                                  "iat": key.created_at}
        if key.expires_at is not None:
            claims["exp"] = key.expires_at
        return self._encode(claims)

    async def _issue_pair(self, user_id: uuid.UUID, workspace_id: uuid.UUID,
                          family_id: uuid.UUID | None = None) -> TokenPair:
        token_id = uuid.uuid4()
        expires = datetime.now(UTC) + REFRESH_TTL
        await accounts.insert_refresh_token(self._db, token_id, family_id or uuid.uuid4(), user_id, expires)
        return TokenPair(self.access_token(user_id, workspace_id), self._refresh_token(token_id, user_id, expires))

    def _refresh_token(self, token_id: uuid.UUID, user_id: uuid.UUID, expires: datetime) -> str:
        return self._encode({"sub": str(user_id), "jti": str(token_id), "typ": "refresh", "exp": expires})

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an ``Authorization: Bearer …`` header (or a bare token).

        Raises:
            UnauthorizedError: missing, malformed, expired, revoked or foreign credentials.
        """
        return (await self.caller(authorization)).principal

    async def caller(self, authorization: str | None) -> Caller:
        """The caller of an ``Authorization: Bearer …`` header (or a bare token), with its workspace.

        Raises:
            UnauthorizedError: missing, malformed, expired, revoked or foreign credentials.
        """
        if not authorization:
            raise UnauthorizedError("Missing authentication token")
        scheme, _, token = authorization.strip().partition(" ")
        if token and scheme.lower() != "bearer":
            raise UnauthorizedError("Authorization must use the Bearer scheme")
        bearer = self._verify_bearer(token.strip() if token else scheme)
        workspace_id, subject = bearer.workspace_id, bearer.subject
        handle = await self._registry.handle(workspace_id)
        state = handle.state
        assert state is not None
        if bearer.kind == "api_key":
            key = state.api_keys.get(subject)
            if key is None or not key.is_valid(datetime.now(UTC)):
                raise UnauthorizedError("API key is revoked or expired")
            # the key's role comes from the snapshot its workspace's actor keeps: a dict lookup, no query
            model = state.metadata
            role = model.permissions.role_of_key(subject) if model is not None else None
            principal = Principal(workspace_id=workspace_id, kind="api_key", subject_id=subject, role=role,
                                  rate_key=bearer.rate_key)
        elif subject not in state.user_ids:
            raise UnauthorizedError("Invalid token")  # the user was deleted (or belongs elsewhere)
        else:
            principal = Principal(workspace_id=workspace_id, kind="user", subject_id=subject,
                                  rate_key=bearer.rate_key)
        return Caller(self._registry, principal, handle, state)

    def _verify_bearer(self, token: str) -> _Bearer:
        bearer = self._verified.get(token)
        if bearer is None:
            claims = self._decode(token)
            try:
                workspace_id = uuid.UUID(str(claims.get("wid")))
                subject = uuid.UUID(str(claims["sub"]))
            except ValueError:
                raise UnauthorizedError("Invalid token") from None
            kind = claims["typ"]
            if kind not in ("access", "api_key"):
                raise UnauthorizedError("Invalid token")
            exp = claims.get("exp")
            principal_kind = "api_key" if kind == "api_key" else "user"
            bearer = _Bearer(workspace_id, subject, kind, float(exp) if exp is not None else None,
                             f"{principal_kind}:{subject}")
            if len(self._verified) >= VERIFIED_TOKENS:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[token] = bearer
        if bearer.expires_at is not None and time.time() >= bearer.expires_at:
            self._verified.pop(token, None)
            raise UnauthorizedError("Token has expired")
        return bearer

    # --- accounts ----------------------------------------------------------------------------

    async def signup(self, email: object, password: object, workspace_name: object,
                     extra_statements: Any = None) -> SignupResult:
        """Create a workspace with its schema and owner; tokens for the owner."""
        email, password = validate_credentials(email, password)
        if workspace_name is None:
            workspace_name = email.split("@", 1)[1]
        if not isinstance(workspace_name, str) or not workspace_name.strip() or len(workspace_name) > 200:
            raise ValidationError("Validation failed",
                                  details=[{"field": "workspaceName", "message": "Must be 1 to 200 characters"}])
        password_hash = await trio.to_thread.run_sync(_hasher.hash, password)
        workspace_id, user_id = uuid.uuid4(), uuid.uuid4()
        statements = accounts.create_workspace_statements(workspace_id, workspace_name.strip(), user_id, email,
                                                          password_hash)
        if extra_statements is not None:
            statements += extra_statements(workspace_id, user_id, email)
        try:
            await self._db.transaction(statements)
        except UniqueViolationError:
            raise ConflictError("An account with this email already exists") from None
        pair = await self._issue_pair(user_id, workspace_id)
        return SignupResult(pair.access_token, pair.refresh_token, pair.expires_in, str(workspace_id), str(user_id))

    async def login(self, email: object, password: object, address: str | None = None) -> TokenPair:
        """Tokens for a user whose password matches; one answer for every failure.

        Raises:
            UnauthorizedError: no such user, or the wrong password (the same answer for both).
            RateLimitedError: too many failures for this email or from this address (see LoginThrottle).
        """
        if not isinstance(email, str) or not isinstance(password, str) or len(password) > 1024:
            raise UnauthorizedError("Invalid email or password")
        self.login_throttle.begin(email, address)
        user = await accounts.find_user_by_email(self._db, email)
        stored = user["password_hash"] if user else _DUMMY_HASH
        ok = await trio.to_thread.run_sync(_verify, stored, password)
        if user is None or not ok:
            raise UnauthorizedError("Invalid email or password")
        self.login_throttle.succeeded(email, address)
        return await self._issue_pair(user["id"], user["workspace_id"])

    async def refresh(self, refresh_token: object) -> TokenPair:
        """Rotate a refresh token: the old one is spent; reusing it revokes its family."""
        if not isinstance(refresh_token, str):
            raise UnauthorizedError("Invalid refresh token")
        claims = self._decode(refresh_token)
        if claims.get("typ") != "refresh":
            raise UnauthorizedError("Invalid refresh token")
        try:
            token_id = uuid.UUID(str(claims.get("jti")))
        except ValueError:
            raise UnauthorizedError("Invalid refresh token") from None
        new_id = uuid.uuid4()
        expires = datetime.now(UTC) + REFRESH_TTL
        row = await accounts.rotate_refresh_token(self._db, token_id, new_id, expires)
        if row is None:
            raise UnauthorizedError("Refresh token is invalid, expired or already used")
        user_id, workspace_id = row["user_id"], row["workspace_id"]
        return TokenPair(self.access_token(user_id, workspace_id), self._refresh_token(new_id, user_id, expires))


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False
