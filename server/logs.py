"""Log lines: the standard library's loggers, rendered by structlog as JSON lines or as text.

Every module logs with ``logging.getLogger(...)`` as before; one handler on the root logger, on standard
error, formats each record with structlog's ``ProcessorFormatter``: the level, the logger's name, an ISO
timestamp (UTC), the fields given as ``extra=`` (the access log's), and the id of the request being served
(``twenty_actors.observe.request_id``), then JSON (one object a line) or text for a terminal. Loggers got
with ``structlog.get_logger()`` go through the same handler.

A JSON line looks like this (the access log's line for one request)::

    {"event": "request", "method": "GET", "path": "/rest/companies", "status": 200, "duration_ms": 4.1,
     "bytes": 5120, "workspace_id": "…", "api_key_id": "…", "request_id": "…", "level": "info",
     "logger": "twenty.access", "timestamp": "2026-12-02T14:00:00.000000Z"}
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import msgspec
import structlog
from twenty_http.access_log import ACCESS_LOG

from twenty_actors.observe import request_id

_encoder = msgspec.json.Encoder(enc_hook=str)  # what JSON cannot say (an exception, a path) goes as its str()


def _add_request_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Add the id of the request being served, if any."""
    current = request_id.get()
    if current is not None:
        event.setdefault("request_id", current)
    return event


def _json(event: Any, **_kwargs: Any) -> str:
    return _encoder.encode(event).decode()


def default_format(stream: TextIO) -> str:
    """Text for a person at a terminal, JSON for everything else (a file, a pipe, a log collector)."""
    return "text" if stream.isatty() else "json"


def configure_logging(level: str, log_format: str, stream: TextIO | None = None) -> None:
    """Send every log record at ``level`` or above to ``stream`` (standard error), as JSON or text."""
    stream = stream or sys.stderr
    shared: list[Any] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        _add_request_id,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if log_format == "json":
        render: list[Any] = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer(_json)]
    else:
        render = [structlog.dev.ConsoleRenderer(colors=stream.isatty(),
                                                exception_formatter=structlog.dev.plain_traceback)]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *render],
    )
    # what no line shows, no record should gather (the logging HOWTO's "Optimization"): the caller's frame,
    # the thread and the process; a third of an access line's cost
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # the access log writes its own lines, in batches, to the same stream (see twenty_http.access_log)
    ACCESS_LOG.configure(stream if logging.INFO >= root.level else None, log_format)
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.processors.StackInfoRenderer(),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
