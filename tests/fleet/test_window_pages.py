"""The window lists a PostgreSQL store by pages (keyset pages over the store order), reading a
record's bytes only when it is shown; a URL given as an input opens it the same way."""

from __future__ import annotations

import numpy as np
from fleet_helpers import fill

from whea_gui.store import open_store
from whea_gui.ui import store_adapter
from whea_gui.ui.inputs import iter_inputs


def test_a_server_store_is_listed_page_by_page(pg_url, fleet, monkeypatch):
    fill(pg_url, fleet[:130])
    secret = pg_url.replace("postgres@", "postgres:hunter2@")
    monkeypatch.setattr(store_adapter, "PAGE_ROWS", 50)
    assert store_adapter.is_store_file(secret)
    problems = []
    first = store_adapter.store_batch(secret, problems.append)
    pages = [first]
    while (nxt := pages[-1].more()) is not None:
        pages.append(nxt)
    assert [len(b) for b in pages] == [50, 50, 30] and first.store_total == 130
    with open_store(pg_url) as store:
        want = [(rid, data) for rid, data in store]
    got = [(int(b.table.record_id[i]), b.data[i]) for b in pages for i in range(len(b))]
    assert got == want  # store order, every record once, bytes read from the server
    src = pages[1].source_of(3)
    assert "hunter2" not in str(src) and src["host"] in ("node1", "node2", "node3")
    assert src["origin_path"].startswith("/logs/") and not problems
    assert np.all(first.columns["time"][:10] > 0)


def test_an_opened_url_becomes_a_store_listing(pg_url, fleet):
    fill(pg_url, fleet[:20])
    problems = []
    items = list(iter_inputs([pg_url], problems.append))
    assert len(items) == 1 and len(items[0]) == 20 and not problems
    bad = list(iter_inputs([pg_url.replace("host=", "host=/nonexistent")], problems.append))
    assert bad == [] and "cannot connect" in problems[0].message
