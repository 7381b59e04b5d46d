"""A WHEA Inspector record store (``whea store``'s SQLite file) read as a source of records."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Problem, RecordRef, SourceError

name = "store"
SQLITE_MAGIC = b"SQLite format 3\x00"


def sniff(head: bytes, path: str = "") -> int:
    return 96 if head.startswith(SQLITE_MAGIC) else 0


def read_path(path, on_problem) -> Iterator[RecordRef]:
    """Every record of the store, in store order, with the provenance the store kept. A record
    whose bytes fail their checksum is reported (naming the store and the record) and skipped."""
    from ..store import Store
    from ..store.results import StoreDamaged, StoreError

    missing: dict[tuple[str, int], str | None] = {}  # (host, RecordId) -> why, when known
    table = None
    given = 0  # rows read (their records yielded): a store failing later must not repeat them
    try:
        with Store(path, readonly=True) as store:
            table = store.record_table()
            repeated = _repeated_rows(table)
            for i in range(len(table)):
                given = i
                if i in repeated:  # a damaged index row naming a record already read
                    continue
                row = table.row(i)
                rid = row["record_id"]
                try:
                    data = store.get(rid, host=row.get("host") or "")
                except StoreDamaged as exc:  # its bytes, or the page holding them: an intact
                    why = str(exc).removeprefix(f"{store.path}: ")  # copy is looked for below
                    missing[(row.get("host") or "", rid)] = why
                    continue
                if data is None:  # cleared by another process since the index was read, or
                    missing[(row.get("host") or "", rid)] = None  # a damaged SQLite index (F7-9)
                    continue
                src = {"path": str(path), "offset": 0, "kind": name, "record_id": rid}
                for key, field in (("host", "host"), ("path", "origin_path"),
                                   ("offset", "origin_offset"), ("event_time", "time_created"),
                                   ("inserted_at", "inserted_at")):
                    if row.get(key) not in (None, ""):
                        src[field] = row[key]
                yield RecordRef(data, src)
        if missing or repeated:
            yield from _missing_rows(str(path), missing, on_problem, table, len(repeated))
    except StoreDamaged as exc:
        read = set()
        if table is not None and given:  # (records already given are not given again)
            read = {(table.string(int(h)) if h >= 0 else "", int(r)) for h, r in
                    zip(table.columns["host"][:given].tolist(), table.columns["record_id"][:given].tolist())}
        yield from _salvaged(str(path), exc, on_problem, read)
    except StoreError as exc:
        text = str(exc)  # (the store's own messages mostly name the file already)
        # a store this version cannot open as it is (damaged metadata asking for a rebuild): its
        # intact records are read as a salvage reads them; a foreign SQLite file gives none
        refs = _salvaged_refs(str(path)) if table is None else []
        if not refs:
            raise SourceError(text if text.startswith(f"{path}: ") else f"{path}: {text}") from exc
        on_problem(Problem(str(path), None, f"{text.removeprefix(f'{path}: ')}; {len(refs)} intact "
                                            "record(s) are read from it all the same, as `whea store "
                                            "check` salvages them", "error"))
        yield from refs


def _repeated_rows(table) -> set[int]:
    """Positions of index rows naming a (host, RecordId) an earlier row names: the store keeps
    one record per key, so such a row is damaged (the fresh check: one record read twice under
    two provenances, and the record whose row it overwrote lost). One numpy pass; empty for an
    intact store."""
    import numpy as np
    n = len(table)
    if n < 2:
        return set()
    keys = np.empty(n, dtype=[("host", np.int32), ("rid", np.uint64)])
    keys["host"], keys["rid"] = table.columns["host"], table.columns["record_id"]
    _, first = np.unique(keys, return_index=True)
    if len(first) == n:
        return set()
    return set(range(n)) - set(first.tolist())


def _missing_rows(path: str, missing: dict[tuple[str, int], str | None], on_problem,
                  table=None, repeated: int = 0) -> Iterator[RecordRef]:
    """Records the store lists but did not give by their RecordId: cleared meanwhile by another
    process (nothing to say), damaged (said as the store said it), or lost to a damaged SQLite
    index (F7-9: every record of a store whose unique index was damaged). An intact copy found
    as a salvage finds them is read, after the others."""
    from ..store.salvage import check_store

    check = check_store(path)
    if check.ok:
        return
    listed = set()
    if repeated and table is not None:  # records whose index rows were overwritten: any not listed
        listed = {(table.string(int(h)) if h >= 0 else "", int(r))
                  for h, r in zip(table.columns["host"].tolist(), table.columns["record_id"].tolist())}
    refs = [ref for ref in _salvaged_refs(path)
            if (key := (ref.source.get("host") or "", ref.source["record_id"])) in missing
            or (repeated and key not in listed)]
    found = {(ref.source.get("host") or "", ref.source["record_id"]) for ref in refs}
    whys: dict[str, int] = {}  # one message per distinct reason (a zeroed page: 39 alike)
    for key, why in missing.items():
        if why is not None and key not in found:
            whys[why] = whys.get(why, 0) + 1
    for why, n in whys.items():
        on_problem(Problem(path, None, why + (f" ({n} records)" if n > 1 else ""), "error"))
    unexplained = [key for key, why in missing.items() if why is None and key not in found]
    if refs or unexplained or repeated:
        first = "; ".join(line.strip() for line in check.problems[0].splitlines()[:2])
        first = first.removeprefix(f"{path}: ").split("; `whea store check")[0]
        damage = first if first.startswith("the store file is damaged") else \
            f"the store file is damaged ({first})"
        named = ", ".join(f"0x{rid:016X}" for _, rid in sorted(unexplained)[:5])
        if len(unexplained) > 5:
            named += f" and {len(unexplained) - 5} more"
        said = [f"{len(missing)} record(s) it lists could not be read by their RecordId"] if missing else []
        if repeated:
            said.append(f"{repeated} index row(s) name a record already read (damaged rows: skipped)")
        on_problem(Problem(path, None, f"{damage}: {'; '.join(said)}; {len(refs)} record(s) are read "
                                       "from its tables and pages (as `whea store check` salvages "
                                       "them), after the others" + (f"; lost: {named}" if named else ""),
                           "error"))
    yield from refs


def _salvaged(path: str, damage: Exception, on_problem, read: set = frozenset()) -> Iterator[RecordRef]:
    """A store SQLite refuses: its intact records as ``whea store check --salvage-to`` finds
    them (its tables as far as readable, then its pages), each one's checksum verified (F7-8:
    every record of a cut store was lost to ``decode``, ``timeline`` and ``report``)."""
    from ..store.salvage import SalvageReport

    report = SalvageReport("")
    refs = [ref for ref in _salvaged_refs(path, report)
            if (ref.source.get("host") or "", ref.source["record_id"]) not in read]
    text = str(damage).removeprefix(f"{path}: ")
    on_problem(Problem(path, None, f"{text}; {len(refs)} intact record(s) are read from it all the "
                                   f"same ({report.from_tables} through SQLite, {report.from_pages} "
                                   "from the file's pages); any in damaged pages are missing", "error"))
    yield from refs


def _salvaged_refs(path: str, report=None) -> list[RecordRef]:
    from ..index.table import _iso
    from ..store.rules import record_id_of
    from ..store.salvage import SalvageReport, salvaged_items

    refs = []
    for data, prov, inserted in salvaged_items(path, report or SalvageReport("")):
        src = {"path": path, "offset": 0, "kind": name, "record_id": record_id_of(data)}
        for key, field in (("host", "host"), ("path", "origin_path"), ("offset", "origin_offset")):
            if prov.get(key) not in (None, ""):
                src[field] = prov[key]
        if prov.get("time_created") is not None:
            src["time_created"] = _iso(prov["time_created"])
        if inserted is not None:
            src["inserted_at"] = _iso(inserted)
        refs.append(RecordRef(data, src))
    return refs


def read_spec(spec: str, on_problem) -> Iterator[RecordRef]:
    """Every record of a store named by a spec (``postgresql://…``), in store order, read by
    pages; the source is as for a store file, with the spec (password hidden) as its path."""
    from ..store import open_store
    from ..store.results import StoreDamaged, StoreError

    try:
        with open_store(spec, readonly=True, create=False) as store:
            for rid, data, prov in store.iter_provenance():
                if isinstance(data, StoreDamaged):
                    on_problem(Problem(store.path, None, str(data).removeprefix(f"{store.path}: "),
                                       "error"))
                    continue
                src = {"path": store.path, "offset": 0, "kind": name, "record_id": rid}
                src.update({k: v for k, v in prov.items() if v not in (None, "")})
                yield RecordRef(data, src)
    except StoreError as exc:
        raise SourceError(str(exc)) from exc


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    on_problem(Problem(path, 0, "a record store (SQLite) can only be read from a file; "
                                "save it and open the file", "error"))
    return iter(())
