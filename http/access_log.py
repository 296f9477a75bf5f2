"""The access log: one line per request, rendered here and written in batches.

Through the standard library's logging and structlog's processors an access line cost about a fifth of
a small request's CPU (a record object, a processor chain, a write and a flush per line). This writer
renders the same line directly (msgspec for JSON) and writes what gathered every 50 ms, or at once when
256 lines are waiting: one write for many requests. It is configured with the rest of logging
(``twenty_server.logs``), and looks like its other lines: the same keys, level, logger name and
timestamp. Lines still waiting are written when the server stops (``run`` is cancelled).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TextIO, final

import msgspec
import trio

_encode = msgspec.json.Encoder().encode
FLUSH_EVERY_S = 0.05
FLUSH_AT_LINES = 256


@final
class AccessLog:
    """Where the pipeline writes its access lines (``write``); off until ``configure`` turns it on."""

    def __init__(self) -> None:
        self.enabled = False
        self._json = True
        self._stream: TextIO | None = None
        self._lines: list[str] = []

    def configure(self, stream: TextIO | None, log_format: str) -> None:
        """Write to ``stream`` as JSON or text; ``None`` turns the access log off."""
        self.flush()
        self._stream = stream
        self._json = log_format == "json"
        self.enabled = stream is not None

    def write(self, fields: dict[str, Any]) -> None:
        """Queue one request's line (``fields`` as the access line names them)."""
        timestamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        if self._json:
            line = _encode({"event": "request", **fields, "level": "info", "logger": "twenty.access",
                            "timestamp": timestamp}).decode()
        else:
            pairs = " ".join(f"{key}={fields[key]}" for key in sorted(fields))
            line = f"{timestamp} [info     ] request [twenty.access] {pairs}"
        self._lines.append(line)
        if len(self._lines) >= FLUSH_AT_LINES:
            self.flush()

    def flush(self) -> None:
        """Write the waiting lines."""
        if not self._lines or self._stream is None:
            return
        lines, self._lines = self._lines, []
        self._stream.write("\n".join(lines) + "\n")
        self._stream.flush()

    async def run(self) -> None:
        """Write what gathered every ``FLUSH_EVERY_S``; the rest when cancelled."""
        try:
            while True:
                await trio.sleep(FLUSH_EVERY_S)
                self.flush()
        finally:
            self.flush()


ACCESS_LOG = AccessLog()
