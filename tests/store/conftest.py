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
@pytest.fixture(params=["sqlite", "postgresql"])
def engine_spec(request, tmp_path):
    """A store spec of each engine: a new SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "s.sqlite")
    return request.getfixturevalue("pg_url")
