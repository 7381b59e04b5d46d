"""Redfish ``LogEntry`` JSON from a BMC: one entry, a collection (``Members``), a list, or JSON
Lines. ``DiagnosticDataType`` "CPER" carries a whole record and "CPERSection" one section (a
72-byte descriptor then the body), both base64 in ``DiagnosticData``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

from .base import Problem, RecordRef
from .hextext import decode_text

name = "redfish"
_KEYS = ('"DiagnosticData', '"@odata.', '"Members"', '"DiagnosticDataType"')


def sniff(head: bytes, path: str = "") -> int:
    text = decode_text(head).lstrip()
    if text[:1] in "{[" and any(k in text for k in _KEYS):
        return 80
    return 0


def read_bytes(data: bytes, path: str, on_problem) -> Iterator[RecordRef]:
    text = decode_text(data)
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError as exc:
        docs = _json_lines(text, path, on_problem, exc)
    found = 0
    for doc in docs:
        for member, entry in enumerate(_entries(doc, path, on_problem)):
            ref = _entry_ref(entry, path, on_problem)
            if ref is not None:
                ref.source["member"] = member  # position among the file's log entries
                found += 1
                yield ref
    if not found:
        on_problem(Problem(path, None, "no LogEntry with CPER or CPERSection diagnostic data", "warning"))


def _json_lines(text: str, path: str, on_problem, first_error) -> list:
    docs = []
    for no, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            docs.append(json.loads(line))
        except json.JSONDecodeError:
            if not docs and no == 1:
                on_problem(Problem(path, first_error.pos, f"not valid JSON: {first_error.msg} "
                                                          f"(line {first_error.lineno})", "error"))
                return []
            on_problem(Problem(path, None, f"line {no} is not valid JSON; skipped", "error"))
    return docs


def _entries(doc, path: str, on_problem) -> Iterator[dict]:
    if isinstance(doc, list):
        for item in doc:
            yield from _entries(item, path, on_problem)
        return
    if not isinstance(doc, dict):
        return
    if "Members" in doc and isinstance(doc["Members"], list):
        for m in doc["Members"]:
            if isinstance(m, dict) and set(m) <= {"@odata.id"}:
                on_problem(Problem(path, None, f"collection member {m.get('@odata.id')} is only a link; "
                                               "export the collection with $expand=. to include it",
                                   "warning"))
                continue
            yield from _entries(m, path, on_problem)
        return
    yield doc


def _entry_ref(entry: dict, path: str, on_problem) -> RecordRef | None:
    dtype = entry.get("DiagnosticDataType")
    entry_id = entry.get("Id")
    if dtype not in ("CPER", "CPERSection"):
        return None
    raw = entry.get("DiagnosticData")
    if not isinstance(raw, str) or not raw.strip():
        where = entry.get("AdditionalDataURI")
        on_problem(Problem(path, None, f"LogEntry {entry_id}: no DiagnosticData in the file"
                                       + (f" (it is at {where})" if where else ""), "warning"))
        return None
    try:
        data = base64.b64decode("".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        on_problem(Problem(path, None, f"LogEntry {entry_id}: DiagnosticData is not valid base64", "error"))
        return None
    odata_id = entry.get("@odata.id") or ""
    origin = (entry.get("Links") or {}).get("OriginOfCondition") or entry.get("OriginOfCondition")
    src = {"path": path, "offset": 0, "kind": name,
           "format": "section" if dtype == "CPERSection" else "cper",
           "entry_id": entry_id, "created": entry.get("Created"),
           "origin_of_condition": origin.get("@odata.id") if isinstance(origin, dict) else origin,
           "message": entry.get("Message"), "odata_id": odata_id or None, "host": host_of(odata_id),
           "diagnostic_data_type": dtype}
    return RecordRef(data, src)


def host_of(odata_id: str) -> str | None:
    """The BMC host when ``@odata.id`` is a full URL, else the owning resource
    (``Systems/1``, ``Managers/bmc``, ``Chassis/1``) from the path."""
    if not odata_id:
        return None
    parts = urlsplit(odata_id)
    if parts.netloc:
        return parts.netloc
    segs = [s for s in parts.path.split("/") if s]
    if len(segs) >= 4 and segs[0] == "redfish":
        return f"{segs[2]}/{segs[3]}"
    return None
