"""Fixtures for the fleet tests: the PostgreSQL test cluster (tests/pgserver.py) and stores
filled with the same fleet records on both engines."""

from __future__ import annotations

import pytest
from fleet_data import fleet_records


@pytest.fixture(scope="session")
def pg_server():
    import pgserver
    yield pgserver.cluster()
    pgserver.stop()


@pytest.fixture
def pg_url(pg_server):
    import pgserver
    return pgserver.new_database()


@pytest.fixture(scope="session")
def fleet():
    return fleet_records()
