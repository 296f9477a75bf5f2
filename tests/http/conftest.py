"""Small timeouts and a small connection cap for the HTTP/1.1 tests, so that each of them runs in seconds.

A test can change settings of its own with ``@pytest.mark.settings(name=value, ...)``.
"""

from __future__ import annotations

import msgspec
import pytest

from twenty_actors.settings import Settings


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**fields): server settings for this test")


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    fields = {"header_timeout_s": 1.5, "body_timeout_s": 1.5, "keep_alive_timeout_s": 5.0, "max_connections": 8,
              "max_body_bytes": 64 * 1024, "graceful_timeout_s": 2.0}
    marker = request.node.get_closest_marker("settings")
    if marker is not None:
        fields.update(marker.kwargs)
    return msgspec.structs.replace(settings, **fields)
