"""Helpers for the fleet tests (a unique module name: every test folder has a conftest)."""

from __future__ import annotations

from whea_gui.store import open_store


def fill(spec: str, records) -> str:
    with open_store(spec) as store:
        summary = store.write_records(records, batch_size=97)
        assert summary.written == len(records) and summary.failed == 0, summary
    return spec
