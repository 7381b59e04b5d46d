"""Fixtures for the store tests (helpers live in store_helpers.py)."""

from __future__ import annotations

import pytest
from store_helpers import DWR, TEMPLATE, build_record


@pytest.fixture(scope="session")
def template() -> bytes:
    return TEMPLATE.read_bytes()


@pytest.fixture
def make_record(template):
    def make(record_id: int, **kw) -> bytes:
        return build_record(template, record_id, **kw)
    return make


@pytest.fixture(scope="session")
def dwr_cper() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(DWR.glob("cper_*.bin"))]


# -- PostgreSQL: the same behavioural suite on both engines ---------------------------------
@pytest.fixture(scope="session")
def pg_server():
    """The throw-away PostgreSQL cluster (tests/pgserver.py); skips or fails without one."""
    import pgserver
    yield pgserver.cluster()
    pgserver.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the test cluster."""
    import pgserver
    return pgserver.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_spec(request, tmp_path):
    """A store spec of each engine: a new SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "s.sqlite")
    return request.getfixturevalue("pg_url")
