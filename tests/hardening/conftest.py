"""Hardening fixtures: the shared server settings, plus webhooks allowed to loopback targets."""

from __future__ import annotations

import msgspec
import pytest

from twenty_actors.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, with webhooks allowed to aim at loopback ports (a closed one, here)."""
    return msgspec.structs.replace(settings, webhook_allow_private=True)
