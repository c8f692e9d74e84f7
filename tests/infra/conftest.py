"""Fresh loopback addresses, so parallel runs by other engineers never collide."""

from __future__ import annotations

import pytest

from tests.probe.conftest import fresh_loopback


@pytest.fixture
def loopback() -> str:
    return fresh_loopback()
