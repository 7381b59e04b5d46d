"""Fixtures for the fleet tests: the PostgreSQL test cluster (tests/pgserver.py) and stores
filled with the same fleet records on both engines."""

from __future__ import annotations

import pytest
from fleet_data import fleet_records


@pytest.fixture(scope="session")
def fleet():
    return fleet_records()
