"""Words for where a record came from and where a byte of it is (Qt-free).

A record's provenance ``offset`` means different things by source: for a raw file it is where
the record's bytes start; for an event (.evtx, event XML) it is where the event starts, and the
record is the event's RawData, decoded from text or binary XML, so a byte of the record has no
plain file offset; for a store it is nothing (the store keeps records by RecordId). These labels
say exactly what is known and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..sources import Problem
from .recordset import source_key_parts

EVENT_KINDS = ("evtx", "eventxml")
# offset: where the record's bytes are in the file (an ERST slot's record, a variable's data:
# the status bar called them "erst text" / "uefi-varstore text")
FILE_KINDS = (None, "", "raw", "gesb", "pstore", "efivar", "live", "erst", "uefi-varstore")


def _name(path) -> str:
    text = str(path or "")
    return text.replace("\\", "/").rsplit("/", 1)[-1] or text


def is_event(src: dict) -> bool:
    return "event_record_id" in src or src.get("kind") in EVENT_KINDS or "field" in src


def source_label(src: dict | None, full_path: bool = False) -> str:
    """Short provenance: ``file.bin @4096``, ``log.evtx · event 1234``, ``s.wheastore · record
    0x…``; no "@0" where an offset means nothing."""
    src = src or {}
    name = str(src.get("path") or "") if full_path else _name(src.get("path"))
    if src.get("kind") == "store":  # named by where it came from, else by the store
        origin = src.get("origin_path")
        where = (str(origin) if full_path else _name(origin)) if origin else name
        text = f"{where} · store record 0x{int(src.get('record_id', 0)):016X}"
        return text + (f" in {name}" if full_path and origin else "")
    if is_event(src):
        rid = src.get("event_record_id")
        text = f"{name} · event {rid}" if rid is not None else f"{name} · event at {src.get('offset', '?')}"
        return text + (f" (Event ID {src['event_id']})" if full_path and src.get("event_id") is not None
                       else "")
    return f"{name} @{int(src.get('offset', 0) or 0)}"


def offset_text(src: dict | None, cursor: int) -> str:
    """The status bar's location of byte ``cursor`` of the shown record."""
    src = src or {}
    here = f"Offset 0x{cursor:X} ({cursor})"
    if src.get("kind") == "store":
        return f"{here} · store record 0x{int(src.get('record_id', 0)):016X}"
    if is_event(src):
        rid = src.get("event_record_id")
        where = f"event {rid}" if rid is not None else f"the event at byte {src.get('offset', '?')}"
        return f"{here} · {where} {src.get('field') or 'RawData'} +{cursor}"
    base = int(src.get("offset", 0) or 0)
    if src.get("kind") not in FILE_KINDS:  # hex/Base64 text, Redfish JSON: bytes decoded from text
        kind = str(src.get("kind") or "")
        what = "text" if kind == "text" or kind.endswith(" text") else f"{kind} text"
        return f"{here} · decoded from {what} that starts at byte {base}"
    return f"{here} · file 0x{base + cursor:X} ({base + cursor})"


def problems_status(problems: Iterable[Problem]) -> str:
    """One line saying what loading skipped or could not read ("" when nothing)."""
    counts = {"error": 0, "warning": 0, "note": 0}
    for p in problems:
        counts[p.level if p.level in counts else "error"] += 1
    parts = [f"{n:,} {word}{'s' if n != 1 else ''}" for word, n in
             (("error", counts["error"]), ("warning", counts["warning"]), ("note", counts["note"]))
             if n]
    return ("problems: " + ", ".join(parts) + " (View → Problems)") if parts else ""


def load_status(count: int, total: int, problems: list[Problem], loaded_paths: Iterable[str],
                cancelled: bool = False) -> str:
    """The status line after a load: records, files skipped for holding no record, problem
    counts, then the first error by file name (the counts come first and the path is short, so
    a narrow status bar cannot cut them off)."""
    msg = f"Loaded {count:,} record{'' if count == 1 else 's'}; {total:,} in all"
    if cancelled:
        msg += " (cancelled)"
    with_records = {source_key_parts(key)[1] for key in loaded_paths}  # keys may name a host
    empty = {p.path for p in problems if p.path not in with_records}
    if empty:
        msg += f"; {len(empty):,} file{'' if len(empty) == 1 else 's'} skipped: no record read"
    counts = problems_status(problems)
    if counts:
        msg += "; " + counts
    bad = [p for p in problems if p.level == "error"]
    if bad:
        first = bad[0]
        where = "" if first.offset is None else f" @{first.offset}"
        msg += f"; first error: {_name(first.path)}{where}: {first.message}"
    return msg
