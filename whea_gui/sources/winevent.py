"""Windows events in their XML form (evtx, Event Viewer / ``wevtutil qe /f:xml`` exports).

One event → its provenance plus the record bytes held in a binary EventData field
(``RawData`` for Microsoft-Windows-WHEA-Logger and Microsoft-Windows-Kernel-WHEA,
``ErrorRecord`` / ``<Binary>`` in other templates). Binary text is hex (Windows, the Rust evtx
parser) or base64 (python-evtx and some exporters); both are accepted.
"""

from __future__ import annotations

import base64
import binascii
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from .base import Problem, RecordRef
from .carve import SIGNATURES

BINARY_FIELDS = ("rawdata", "errorrecord", "binary", "errorpacket")
_HEXTEXT = re.compile(r"[0-9a-fA-F\s]+")
_TIME = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?\s*(Z|[+-]\d\d:?\d\d)?")


@dataclass
class EventInfo:
    record_id: int | None = None
    event_id: int | None = None
    provider: str = ""
    time_created: str | None = None
    computer: str = ""
    channel: str = ""
    binaries: list[tuple[str, str]] = field(default_factory=list)  # (field name, text)

    @property
    def is_whea(self) -> bool:
        return "WHEA" in self.provider.upper()

    def provenance(self) -> dict:
        return {"event_record_id": self.record_id, "event_id": self.event_id,
                "provider": self.provider, "time_created": self.time_created,
                "computer": self.computer, "channel": self.channel}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _int(text: str | None) -> int | None:
    try:
        return int(text.strip(), 0) if text else None
    except ValueError:
        return None


def iso_utc(text: str | None) -> str | None:
    """``SystemTime`` as ISO 8601 UTC with microseconds (Windows writes 7 fraction digits)."""
    if not text:
        return None
    m = _TIME.search(text)
    if not m:
        return text
    day, clock, frac, zone = m.groups()
    dt = datetime.fromisoformat(f"{day}T{clock}").replace(microsecond=int((frac or "0")[:6].ljust(6, "0")))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hh, mm = int(zone[1:3]), int(zone[-2:])
        dt = dt.replace(tzinfo=timezone(sign * timedelta(hours=hh, minutes=mm)))
    else:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_event(elem: ET.Element) -> EventInfo:
    info = EventInfo()
    for child in elem:
        tag = _local(child.tag)
        if tag == "System":
            _system(child, info)
        elif tag in ("EventData", "UserData"):
            _binaries(child, info)
    return info


def _system(system: ET.Element, info: EventInfo) -> None:
    for el in system:
        tag = _local(el.tag)
        if tag == "Provider":
            info.provider = el.get("Name") or el.get("EventSourceName") or ""
        elif tag == "EventID":
            info.event_id = _int(el.text)
        elif tag == "EventRecordID":
            info.record_id = _int(el.text)
        elif tag == "TimeCreated":
            info.time_created = iso_utc(el.get("SystemTime"))
        elif tag == "Computer":
            info.computer = (el.text or "").strip()
        elif tag == "Channel":
            info.channel = (el.text or "").strip()


def _binaries(data: ET.Element, info: EventInfo) -> None:
    for el in data.iter():
        tag = _local(el.tag)
        key = (el.get("Name") or tag).lower()
        if el is not data and key in BINARY_FIELDS and (el.text or "").strip():
            info.binaries.append((el.get("Name") or tag, el.text.strip()))


def decode_binary(text: str) -> bytes | None:
    """Bytes of a binary field: hex preferred, base64 when hex is impossible or gives no
    record signature while base64 does."""
    compact = "".join(text.split())
    as_hex = None
    if _HEXTEXT.fullmatch(compact) and len(compact) % 2 == 0:
        as_hex = bytes.fromhex(compact)
        if as_hex[:4] in SIGNATURES:
            return as_hex
    try:
        as_b64 = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        as_b64 = None
    if as_b64 is not None and (as_hex is None or as_b64[:4] in SIGNATURES):
        return as_b64
    return as_hex


class EventCollector:
    """Turns events into RecordRefs and remembers what it skipped, for one summary note."""

    def __init__(self, path: str, kind: str, on_problem) -> None:
        self.path, self.kind, self.on_problem = path, kind, on_problem
        self.without_data: Counter = Counter()

    def refs(self, info: EventInfo, offset: int | None) -> Iterator[RecordRef]:
        if not info.binaries:
            if info.is_whea:
                self.without_data[info.event_id] += 1
            return
        where = f"event record {info.record_id} (Event ID {info.event_id})"
        for fname, text in info.binaries:
            data = decode_binary(text)
            if data is None:
                self.on_problem(Problem(self.path, offset, f"{where}: {fname} is neither hex nor "
                                                           "base64; skipped", "error"))
                continue
            if data[:4] not in SIGNATURES:
                if not info.is_whea:
                    continue  # some other provider's binary data
                self.on_problem(Problem(self.path, offset, f"{where}: {fname} does not start with a "
                                                           "CPER or WhLg signature", "warning"))
            src = {"path": self.path, "offset": offset, "kind": self.kind, "field": fname}
            src.update(info.provenance())
            yield RecordRef(data, src)

    def finish(self) -> None:
        if self.without_data:
            n = sum(self.without_data.values())
            ids = ", ".join(f"{eid} ×{c}" for eid, c in sorted(self.without_data.items(),
                                                                key=lambda kv: str(kv[0])))
            self.on_problem(Problem(self.path, None, f"{n} WHEA event(s) carry no record data "
                                                     f"(Event ID {ids}); not listed", "note"))
