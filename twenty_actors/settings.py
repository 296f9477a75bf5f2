"""Server settings: command-line options, each with a TWENTY_* environment variable."""

from __future__ import annotations

from pathlib import Path

import msgspec

SERVERS = ("native", "hypercorn")  # the HTTP transports: our own HTTP/1.1 server, or Hypercorn (ASGI)
LOG_FORMATS = ("json", "text")  # one JSON object a line, or text for a person at a terminal
DEFAULT_RATE_LIMITS = {"graphql": 100, "rest": 200, "metadata": 50}
COMPAT_MODES = ("twenty",)  # --compat: answer as this other server does where its shapes differ from API.md's


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything an operator can set."""

    host: str = "127.0.0.1"
    port: int = 3000
    data_dir: Path = Path(".twenty")
    database_url: str | None = None
    secret: str | None = None
    rate_limits: dict[str, int] = msgspec.field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    signup: bool = True
    webhook_allow_private: bool = False
    log_level: str = "info"
    log_format: str = "json"  # "json" (one JSON object a line) or "text"; the command line picks it
    metrics_token: str | None = None  # when set, GET /metrics asks for it as a bearer token
    max_body_bytes: int = 1024 * 1024
    graceful_timeout_s: float = 10.0
    pool_size: int = 10
    db_timeout_s: float = 10.0  # longest wait for PostgreSQL per call; then 503 (a hung or unreachable server)
    webhook_timeout_s: float = 5.0
    webhook_max_attempts: int = 6
    webhook_backoff_s: float = 2.0
    webhook_poll_s: float = 30.0
    workers: int = 1
    max_in_flight_per_workspace: int = 32  # more concurrent requests of one workspace get 503 + Retry-After
    max_running: int = 16  # requests running at once in a process; the rest wait, let in round robin by workspace
    workspace_share: int = 2  # slots one workspace may hold while others are active too
    max_waiting: int = 256  # requests waiting for a slot in a process; more get 503 + Retry-After
    reuse_port: bool = False  # set in worker processes that share the port
    cross_process_events: bool = False  # NOTIFY other processes of commits, for their change feeds
    server: str = "native"  # the HTTP transport: "native" (our own HTTP/1.1 server) or "hypercorn" (ASGI)
    keep_alive_timeout_s: float = 60.0  # an idle keep-alive connection is closed after this
    header_timeout_s: float = 30.0  # a request head not complete within this gets 408 (slowloris)
    body_timeout_s: float = 30.0  # a body that sends nothing for this long gets 408
    max_connections: int = 1000  # open client connections per process; more wait in the listen backlog
    gc_freeze: bool = True  # keep long-lived objects out of the cyclic GC's full collections (memory.py)
    # "twenty": where Twenty's shapes conflict with API.md's (REST envelopes, webhook timestamps in
    # milliseconds and a nonce header), answer as Twenty does; None: API.md's
    compat: str | None = None

    @property
    def twenty(self) -> bool:
        """Whether the server answers in Twenty's shapes where they differ from API.md's."""
        return self.compat == "twenty"


def parse_rate_limits(text: str) -> dict[str, int]:
    """``graphql=100,rest=200`` → a dict, with defaults for the APIs not named."""
    limits = dict(DEFAULT_RATE_LIMITS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in DEFAULT_RATE_LIMITS:
            raise ValueError(f"bad rate limit {part!r}: use graphql=N,rest=N,metadata=N")
        limits[name.strip()] = int(value)
        if limits[name.strip()] <= 0:
            raise ValueError(f"rate limit must be positive: {part!r}")
    return limits
