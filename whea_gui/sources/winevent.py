"""Windows events in their XML form (evtx, Event Viewer / ``wevtutil qe /f:xml`` exports).

One event → its provenance plus the record bytes held in a binary EventData field
(``RawData`` for Microsoft-Windows-WHEA-Logger and Microsoft-Windows-Kernel-WHEA,
``ErrorRecord`` / ``<Binary>`` in other templates). Binary text is hex (Windows, the Rust evtx
parser) or base64 (python-evtx and some exporters); both are accepted.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .base import Problem, RecordRef
from .carve import SIGNATURES
from .hexlines import hex_with_holes, odd_hex

if TYPE_CHECKING:  # annotations only: the parser is imported by the readers that parse
    import xml.etree.ElementTree as ET

BINARY_FIELDS = ("rawdata", "errorrecord", "binary", "errorpacket", "errorsourcetable")
# Kernel-WHEA Event ID 5 ("WHEA initialized"): the table of error sources and the values that
# describe it (decode/error_source_table.py); the table is no record, so no signature is expected
TABLE_FIELD = "errorsourcetable"
TABLE_VALUES = {"errorsourcecount": "error_source_count",
                "errorsourcetablelength": "error_source_table_length",
                "errorrecordformat": "error_record_format"}
TABLE_FORMAT = "error_source_table"
# the byte count Windows writes beside RawData (WHEA-Logger, Kernel-WHEA): checked against the
# bytes the field holds, since a field cut or padded on its way here decodes as something else
LENGTH_FIELD = "length"
_HEXTEXT = re.compile(r"[0-9a-fA-F\s]+")
_SIGNATURE_HEX = ("43504552", "57684C67")  # "CPER" / "WhLg" written as hex
_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}:[0-9]{2}:[0-9]{2})(?:[.,]([0-9]+))?\s*"
                   r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?")

# binary data without a signature shorter than any record header (a WhLg entry's is 32 bytes)
# is no item to show: one byte of "ZZ" read as base64 was counted as a record
MIN_RECORD_BYTES = 32
UNREAD_LISTED = 20  # garbled pairs listed on one record (the total is given too), as hextext does
MAX_TEXT = 1024  # provenance strings (provider, computer, channel) are clipped to this


def _signature_hex(text: str) -> bool:
    """Whether ``text`` starts with a record signature written as hex (either letter case)."""
    return text[:8].upper() in _SIGNATURE_HEX


@dataclass(slots=True)
class EventInfo:
    record_id: int | None = None
    event_id: int | None = None
    provider: str = ""
    time_created: str | None = None
    computer: str = ""
    channel: str = ""
    binaries: list[tuple[str, str]] = field(default_factory=list)  # (field name, text)
    table_values: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (field name, text)
    issues: list[str] = field(default_factory=list)  # values that could not be used, in words
    length: tuple[str, str] | None = None  # the EventData "Length" value: (field name, text)
    empty_binary: str | None = None  # a binary field's name (RawData …) given with no text

    @property
    def is_whea(self) -> bool:
        return "WHEA" in self.provider.upper()

    @property
    def where(self) -> str:
        rid = "?" if self.record_id is None else self.record_id
        return f"event record {rid} (Event ID {'?' if self.event_id is None else self.event_id})"

    def provenance(self) -> dict:
        return self.add_provenance({})

    def add_provenance(self, source: dict) -> dict:
        source["event_record_id"] = self.record_id
        source["event_id"] = self.event_id
        source["provider"] = self.provider
        source["time_created"] = self.time_created
        source["computer"] = self.computer
        source["channel"] = self.channel
        return source


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def checked_int(text: str | None, what: str, maximum: int, issues: list[str]) -> int | None:
    """A decimal (or 0x hex) number in 0..maximum; anything else is an issue and None."""
    if text is None:
        return None
    t = text.strip()
    if not t:
        return None
    value = None
    if len(t) <= 24:  # 2**64 has 20 digits: a longer text is no count or id
        if t.isdigit() and t.isascii():  # ASCII digits only (isdigit alone takes "²")
            value = int(t)
        elif re.fullmatch(r"0[xX][0-9a-fA-F]+", t):
            value = int(t, 16)
    if value is None or value > maximum:
        issues.append(f"{what} {_short(t)!r} is not a number in 0–{maximum}; ignored")
        return None
    return value


# The evtx parser's own form of a time; the pattern checks each number's range, a day past the
# 28th is checked against its month and year (_real_day)
_CANONICAL_TIME = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
                             r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z")


def _real_day(day: str) -> bool:
    try:
        datetime.fromisoformat(day)
        return True
    except ValueError:
        return False


def parse_time(text: str | None) -> tuple[str | None, str | None]:
    """(``SystemTime`` as ISO 8601 UTC with microseconds, issue or None). Windows writes 7
    fraction digits. A time that is not ISO 8601 or not a real date (month 13, zone +99:99, a
    year past 9999 once moved to UTC) is kept as its raw text and the issue says why."""
    if not text:
        return None, None
    if len(text) == 27 and _CANONICAL_TIME.fullmatch(text):  # already the form we give (the evtx parser's)
        day = text[:10]
        # (the pattern checks each number's range; datetime has no year 0)
        if text[8] < "3" and day[5:7] != "02" and day[:4] != "0000" or _real_day(day):
            return text, None
    m = _TIME.fullmatch(text.strip())
    if not m:
        return _short(text, 200), f"TimeCreated {_short(text)!r} is not an ISO 8601 time; kept as text"
    day, clock, frac, zone = m.groups()
    try:
        dt = datetime.fromisoformat(f"{day}T{clock}").replace(
            microsecond=int((frac or "0")[:6].ljust(6, "0")))
        if zone and zone not in ("Z", "z"):
            sign = 1 if zone[0] == "+" else -1
            hh, mm = int(zone[1:3]), int(zone[-2:])
            dt = dt.replace(tzinfo=timezone(sign * timedelta(hours=hh, minutes=mm)))
        else:
            dt = dt.replace(tzinfo=UTC)
        utc = dt.astimezone(UTC)
        # %Y does not pad years before 1000 on glibc ("1-01-01"): always four digits
        return f"{utc.year:04d}-" + utc.strftime("%m-%dT%H:%M:%S.%fZ"), None
    except (ValueError, OverflowError) as exc:
        return _short(text, 200), f"TimeCreated {_short(text)!r} is not a valid date ({exc}); kept as text"


def iso_utc(text: str | None) -> str | None:
    """``SystemTime`` as ISO 8601 UTC with microseconds, or the raw text when it is not a valid
    time (never raises)."""
    return parse_time(text)[0]


def parse_event(elem: ET.Element) -> EventInfo:
    info = EventInfo()
    for child in elem:
        tag = _local(child.tag)
        if tag == "System":
            parse_system(child, info)
        elif tag in ("EventData", "UserData"):
            parse_binaries(child, info)
    return info


def parse_event_json(doc) -> EventInfo:
    """``parse_event`` for the Rust parser's JSON form of an event (``records_json``): the same
    values from the same places. An element is a scalar, or an object with ``#attributes``
    and ``#text``; ``<Data Name="X">`` is the key ``X``; repeated names get ``_1``, ``_2``."""
    info = EventInfo()
    event = doc.get("Event") if isinstance(doc, dict) else None
    if not isinstance(event, dict):
        return info
    for tag, value in event.items():
        if tag == "System" and type(value) is dict:
            _system_json(value, info)
        elif tag == "EventData" or tag == "UserData":
            if type(value) is not dict or not _flat_binaries(value, info):
                _nested_binaries(tag, value, info)
    return info


def event_json_reader() -> Callable[[str], EventInfo]:
    """A reader of an event's JSON text (``parse_event_json`` of it, the same EventInfo): msgspec
    decodes only the values read here (six System values, EventData and UserData whole) and
    passes over the rest of the event without making its objects, about a third faster than
    orjson reading it all (README, Benchmarks). Text of any other shape (an Event or System that
    is no object, both EventData and UserData) and anything msgspec refuses is read whole by
    orjson, whose ValueError or RecursionError (JSON that is not JSON) the reader raises."""
    from orjson import loads
    try:
        from msgspec import MsgspecError
        from msgspec.json import Decoder
        from msgspec.structs import asdict
    except ImportError:  # (a dependency; the general way still reads everything)
        return lambda text: parse_event_json(loads(text))
    decode = Decoder(_json_shapes()).decode

    def read(text: str) -> EventInfo:
        try:
            doc = decode(text)
        except (MsgspecError, RecursionError):
            return parse_event_json(loads(text))
        event = doc.Event
        if event is None:
            return EventInfo()
        data = event.EventData
        if data is not None and event.UserData is not None:
            return parse_event_json(loads(text))  # both: read in document order
        if data is None:
            data = event.UserData
        info = EventInfo()
        if event.System is not None:
            _system_json(asdict(event.System), info)  # (an absent value is None: as if null)
        if data is not None and (type(data) is not dict or not _flat_binaries(data, info)):
            _nested_binaries("EventData", data, info)
        return info
    return read


@functools.cache
def _json_shapes():
    """The shape msgspec decodes an event's JSON to (Any: every JSON value is accepted)."""
    from msgspec import defstruct
    system = defstruct("System", [(name, Any, None) for name in _SYSTEM_VALUES])
    event = defstruct("Event", [("System", system | None, None), ("EventData", Any, None), ("UserData", Any, None)])
    return defstruct("Document", [("Event", event | None, None)])


# the System values _system_json reads
_SYSTEM_VALUES = ("Provider", "EventID", "TimeCreated", "EventRecordID", "Channel", "Computer")


def _json_text(value) -> str | None:
    """An element's text as the XML form has it (numbers as their digits)."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return str(value)
    if isinstance(value, dict):
        value = value.get("#text")
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list):
        return "".join(t for t in map(_json_text, value) if t is not None)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_attribute(value, name: str) -> str | None:
    attributes = value.get("#attributes") if isinstance(value, dict) else None
    found = attributes.get(name) if isinstance(attributes, dict) else None
    return None if found is None else _json_text(found)


def _system_json(system: dict, info: EventInfo) -> None:
    # looked up by name in the order Windows writes them (the issues come out in that order);
    # each value's usual form (a number, a plain string, an attribute's string) is taken as it
    # is, in line; any other form goes the general way (_json_text, _json_attribute)
    get = system.get
    value = get("Provider")
    if value is not None:
        attributes = value.get("#attributes") if type(value) is dict else None
        name = attributes.get("Name") if type(attributes) is dict else None
        if type(name) is str and name and len(name) <= MAX_TEXT:
            info.provider = name.strip()
        else:
            name = _json_attribute(value, "Name") or _json_attribute(value, "EventSourceName") or ""
            info.provider = _text_value(name, "Provider", info)
    value = get("EventID")
    if type(value) is int and 0 <= value <= 0xFFFF:
        info.event_id = value
    elif "EventID" in system:
        info.event_id = checked_int(_json_text(value), "EventID", 0xFFFF, info.issues)
    value = get("TimeCreated")
    if value is not None or "TimeCreated" in system:
        attributes = value.get("#attributes") if type(value) is dict else None
        text = attributes.get("SystemTime") if type(attributes) is dict else None
        info.time_created, issue = parse_time(text if type(text) is str else _json_attribute(value, "SystemTime"))
        if issue:
            info.issues.append(issue)
    value = get("EventRecordID")
    if type(value) is int and 0 <= value < 1 << 64:
        info.record_id = value
    elif "EventRecordID" in system:
        info.record_id = checked_int(_json_text(value), "EventRecordID", (1 << 64) - 1, info.issues)
    value = get("Channel")
    if type(value) is str and len(value) <= MAX_TEXT:
        info.channel = value.strip()
    elif "Channel" in system:
        info.channel = _text_value(_json_text(value) or "", "Channel", info)
    value = get("Computer")
    if type(value) is str and len(value) <= MAX_TEXT:
        info.computer = value.strip()
    elif "Computer" in system:
        info.computer = _text_value(_json_text(value) or "", "Computer", info)


_REPEATED = re.compile(r"(.+)_[0-9]+")


class RepeatedName(Exception):
    """An event's JSON holds ``X`` and ``X_1``: the parser's name for a second ``<Data
    Name="X">``, or a field really named ``X_1``; the JSON cannot tell which, the event's XML
    can (evtx_log reads it from there)."""


def _check_repeated(key: str, values: dict) -> None:
    m = _REPEATED.fullmatch(key)
    if m and m.group(1) in values:
        raise RepeatedName(key)


def _nested_binaries(tag: str, value, info: EventInfo) -> None:
    """``parse_binaries`` over the JSON form: every element below ``tag`` in document order
    (a loop, not recursion: a hostile log can nest deeply). The usual flat EventData is read by
    ``_flat_binaries``."""
    stack = [(name, child) for name, child in reversed(list(_json_children(value)))]
    while stack:
        name, node = stack.pop()
        if name.lower() in TABLE_VALUES:
            _table_value(info, name, _json_text(node) if not isinstance(node, list) else None)
            continue
        if name.lower() == LENGTH_FIELD:
            _length_value(info, name, _json_text(node) if not isinstance(node, list) else None)
            continue
        if type(node) is str:  # the usual element: text only
            text = node.strip()
            if text and (name.lower() in BINARY_FIELDS or _signature_hex(text)):
                info.binaries.append((name, text))
            continue
        text = _json_text(node) if not isinstance(node, list) else None
        if text is not None:
            text = text.strip()
            if text and (name.lower() in BINARY_FIELDS or _signature_hex(text)):
                info.binaries.append((name, text))
        if isinstance(node, (dict, list)):
            stack.extend(reversed(list(_json_children(node, name))))


# What a named value is to us, by its name (any letter case); memoised, since a log repeats a
# few templates' names (bounded: a hostile log can hold any number of names)
_PLAIN, _TABLE, _LENGTH, _BINARY = range(4)
_ROLES: dict[str, int] = {}


def _role(name: str) -> int:
    low = name.lower()
    role = (_TABLE if low in TABLE_VALUES else _LENGTH if low == LENGTH_FIELD
            else _BINARY if low in BINARY_FIELDS else _PLAIN)
    if len(_ROLES) < 4096:
        _ROLES[name] = role
    return role


def _flat_binaries(values: dict, info: EventInfo) -> bool:
    """The usual EventData, named values only (``<Data Name="X">text</Data>``), in one pass;
    False (nothing taken) when an element has attributes or elements inside."""
    found = []
    roles = _ROLES
    for key, child in values.items():
        if "_" in key:
            _check_repeated(key, values)
        role = roles.get(key)
        if role is None:
            role = _role(key)
        kind = type(child)
        if role == _TABLE:
            _table_value(info, key, _json_text(child) if kind is not list else None)
            continue
        if role == _LENGTH:
            if info.length is None:
                _length_value(info, key, str(child) if kind is int else
                              _json_text(child) if kind is not list else None)
            continue
        if kind is int:
            if role != _BINARY and (child < 43504552 or not str(child).startswith("43504552")):
                continue  # a number that does not start with the digits of "CPER" in hex
            text = str(child)
        elif kind is str:
            text = child.strip()
        elif child is None:
            text = ""
        else:
            return False
        if not text or key == "#text":
            if role == _BINARY and not text and info.empty_binary is None and key.lower() != TABLE_FIELD:
                info.empty_binary = key
            continue
        if role == _BINARY or text[:8].upper() in _SIGNATURE_HEX:
            found.append((key, text))
    info.binaries.extend(found)
    return True


def _table_value(info: EventInfo, name: str, text: str | None) -> None:
    if text is not None and text.strip():
        info.table_values.setdefault(TABLE_VALUES[name.lower()], (name, text.strip()[:64]))


def _length_value(info: EventInfo, name: str, text: str | None) -> None:
    if info.length is None and text is not None and text.strip():
        info.length = (name, text.strip()[:64])


def _json_children(node, name: str = ""):
    """(field name, value) of the elements inside ``node``; the items of a list are elements
    of the list's name. A ``Name`` attribute names the field, as in the XML form."""
    if isinstance(node, list):
        for item in node:
            yield (_json_attribute(item, "Name") or name), item
        return
    if not isinstance(node, dict):
        return
    for key, child in node.items():
        if key in ("#attributes", "#text"):
            continue
        if "_" in key:
            _check_repeated(key, node)
        if isinstance(child, list):
            yield from _json_children(child, key)
        else:
            yield (_json_attribute(child, "Name") or key), child


def _text_value(value: str, what: str, info: EventInfo) -> str:
    value = value.strip()
    if len(value) > MAX_TEXT:
        info.issues.append(f"{what} is {len(value)} characters long; clipped to {MAX_TEXT}")
        return value[:MAX_TEXT - 1] + "…"
    return value


def parse_system(system: ET.Element, info: EventInfo) -> None:
    for el in system:
        tag = _local(el.tag)
        if tag == "Provider":
            info.provider = _text_value(el.get("Name") or el.get("EventSourceName") or "", "Provider", info)
        elif tag == "EventID":
            info.event_id = checked_int(el.text, "EventID", 0xFFFF, info.issues)
        elif tag == "EventRecordID":
            info.record_id = checked_int(el.text, "EventRecordID", (1 << 64) - 1, info.issues)
        elif tag == "TimeCreated":
            info.time_created, issue = parse_time(el.get("SystemTime"))
            if issue:
                info.issues.append(issue)
        elif tag == "Computer":
            info.computer = _text_value(el.text or "", "Computer", info)
        elif tag == "Channel":
            info.channel = _text_value(el.text or "", "Channel", info)


def parse_binaries(data: ET.Element, info: EventInfo) -> None:
    """Binary fields by name, and any other field whose text is hex starting with a record
    signature (a template with another field name, or a damaged log whose names are lost)."""
    for el in data.iter():
        if el is data:
            continue
        tag = _local(el.tag)
        key = (el.get("Name") or tag).lower()
        text = (el.text or "").strip()
        if key in TABLE_VALUES:
            _table_value(info, el.get("Name") or tag, text)
        elif key == LENGTH_FIELD:
            _length_value(info, el.get("Name") or tag, text)
        elif text and (key in BINARY_FIELDS or _signature_hex(text)):
            info.binaries.append((el.get("Name") or tag, text))
        elif key in BINARY_FIELDS and key != TABLE_FIELD and info.empty_binary is None:
            info.empty_binary = el.get("Name") or tag


def decode_binary(text: str, signed: bool = True) -> bytes | None:
    """Bytes of a binary field: hex preferred, base64 when hex is impossible or gives no
    record signature while base64 does. ``signed=False``: a field whose bytes start with no
    signature (an error-source table), so plain hex is taken as it is."""
    try:  # the usual case first: hex without spaces (as the evtx parser writes it)
        as_hex = binascii.unhexlify(text)
        if as_hex[:4] in SIGNATURES or not signed:
            return as_hex
    except ValueError:  # binascii.Error is one; spaces, odd length, not hex: said below
        pass
    compact = "".join(text.split())
    as_hex = None
    if signed and len(compact) % 2 and _HEXTEXT.fullmatch(compact):
        # hex digits only, an odd number of them: hex with a digit lost or added, never base64
        # (read as base64 it made up a record: the fresh check)
        return None
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


_LEVELS = ("note", "warning", "error")


class EventCollector:
    """Turns events into RecordRefs. Every value it could not use and every WHEA event without
    record data is reported with the event's place (the first ``MAX_EVENT_NOTES`` one by one,
    the rest counted), and a summary note counts the events without data by Event ID."""

    MAX_EVENT_NOTES = 50  # problems about single events listed per file, then counted

    def __init__(self, path: str, kind: str, on_problem) -> None:
        self.path, self.kind, self.on_problem = path, kind, on_problem
        self.without_data: Counter = Counter()
        self.reported = self.unreported = 0
        self.unreported_level = "note"

    def report(self, offset: int | None, message: str, level: str) -> None:
        if self.reported < self.MAX_EVENT_NOTES:
            self.reported += 1
            self.on_problem(Problem(self.path, offset, message, level))
        else:
            self.unreported += 1
            self.unreported_level = max(self.unreported_level, level, key=_LEVELS.index)

    def refs(self, info: EventInfo, offset: int | None) -> Iterator[RecordRef]:
        for issue in info.issues:
            self.report(offset, f"{info.where}: {issue}", "warning")
        if not info.binaries:
            where = info.where
            if info.is_whea:
                self.without_data[info.event_id] += 1
            if info.is_whea or not info.provider:  # no provider: a pasted event or piece of one
                # (checked_int: a Length of "²" or 30 digits is no count; its issue is said elsewhere)
                declared = checked_int(info.length[1], "", 0xFFFFFFFF, []) if info.length is not None else None
                if info.empty_binary is not None and declared:
                    self.report(offset, f"{where}: {_short(info.empty_binary)} is empty, though "
                                        f"{_short(info.length[0])} says {declared} bytes; nothing to decode",
                                "warning")
                elif info.empty_binary is not None:
                    self.report(offset, f"{where}: {_short(info.empty_binary)} is empty; nothing to decode", "note")
                else:
                    self.report(offset, f"{where}: no RawData (binary) field; nothing to decode", "note")
            return
        # the usual event: hex of one whole record, read in line
        ref = self.one_record(info, offset)
        if ref is not None:
            yield ref
        else:
            yield from self._each_binary(info, offset)

    def _each_binary(self, info: EventInfo, offset: int | None) -> Iterator[RecordRef]:
        """The items of an event's binary fields, whatever their text (hex, base64, garbled,
        cut short), each problem reported."""
        tables = [fname.lower() == TABLE_FIELD for fname, _ in info.binaries]
        records = len(tables) - sum(tables)
        for (fname, text), is_table in zip(info.binaries, tables):
            data = decode_binary(text, signed=not is_table)
            odd = odd_hex(text) if data is None else None
            if odd is not None:  # one nibble too many (or too few): the whole bytes are kept
                data, digits, last = odd
                self.report(offset, f"{info.where}: {_short(fname)} has an odd number of hex digits "
                                    f"({digits}): a digit is missing or extra somewhere, and the bytes "
                                    "after that place may be shifted by half a byte; the last digit "
                                    f"{last!r} (byte {len(data)}) is left out and the {len(data)} whole "
                                    "bytes before it are decoded", "error")
            holes = None
            if not is_table and (data is None or data[:4] not in SIGNATURES):
                # hex of a record with a few characters garbled: read as base64 it would be a
                # made-up record of 3/4 the text's length, so the hex is kept, holes as 00
                holey = hex_with_holes(text)
                if holey is not None:
                    data, holes = holey
                    self._report_holes(info, fname, holes, offset)
            if data is None:
                self.report(offset, f"{info.where}: {_short(fname)} is neither hex nor base64; skipped", "error")
                continue
            if not is_table and records == 1:
                self._check_length(info, fname, len(data), offset)
            if is_table:
                if info.is_whea or not info.provider:
                    yield RecordRef(data, {"path": self.path, "offset": offset, "kind": self.kind,
                                           "format": TABLE_FORMAT, "field": _short(fname, 200),
                                           **info.provenance(),
                                           "error_source_table": self._table_values(info, offset)})
                continue
            if data[:4] not in SIGNATURES:
                if info.provider and not info.is_whea:
                    continue  # some other provider's binary data (unknown provider: a pasted fragment)
                if len(data) < MIN_RECORD_BYTES:  # (e.g. "ZZ", read as base64: one byte)
                    self.report(offset, f"{info.where}: {_short(fname)} holds {len(data)} byte(s) and no "
                                        "CPER or WhLg signature: too few for a record; skipped", "error")
                    continue
                self.report(offset, f"{info.where}: {_short(fname)} does not start with a CPER or WhLg "
                                    "signature", "warning")
            source = {"path": self.path, "offset": offset, "kind": self.kind,
                      "field": fname if len(fname) <= 200 else _short(fname, 200)}
            info.add_provenance(source)
            if holes:  # the decoder marks the bytes that are not from the input (record.py)
                source["unread"] = [[at, 1, None, column, pair, None] for at, column, pair in holes[:UNREAD_LISTED]]
                source["unread_bytes"] = len(holes)
            yield RecordRef(data, source)

    def one_record(self, info: EventInfo, offset: int | None) -> RecordRef | None:
        """``refs`` of the usual event, in line: the item of its one binary field when that is
        plain hex of a record whose size is the event's Length (if it gives one) and nothing about
        the event needs saying; None for anything else, which ``refs`` reads."""
        if len(info.binaries) != 1 or info.issues:
            return None
        fname, text = info.binaries[0]
        if fname.lower() == TABLE_FIELD:
            return None
        try:
            data = binascii.unhexlify(text)
        except ValueError:
            return None
        if data[:4] not in SIGNATURES or len(fname) > 200:
            return None
        if info.length is not None:
            declared = info.length[1]
            if not (len(declared) <= 10 and declared.isdigit() and declared.isascii() and int(declared) == len(data)):
                return None
        source = {"path": self.path, "offset": offset, "kind": self.kind, "field": fname}
        return RecordRef(data, info.add_provenance(source))

    def _report_holes(self, info: EventInfo, fname: str, holes: list, offset: int | None) -> None:
        at, column, pair = holes[0]
        more = (f" and {len(holes) - 1} more pair(s) up to character offset {holes[-1][1]}"
                if len(holes) > 1 else "")
        self.report(offset, f"{info.where}: {_short(fname)}: {_short(pair)!r} at character offset "
                            f"{column} (byte {at}){more} is not hex: read as 00 so the bytes "
                            "after keep their places (the rest of the field is hex; read as base64 it "
                            "would be no record); a record that holds them is marked", "error")

    def _check_length(self, info: EventInfo, fname: str, size: int, offset: int | None) -> None:
        """Windows writes the field's byte count beside it: a different count means bytes were
        lost or added on the way (a cut export, an edit), so the record may not be whole."""
        if info.length is None:
            return
        name, text = info.length
        issues: list[str] = []
        declared = checked_int(text, _short(name), 0xFFFFFFFF, issues)
        for issue in issues:
            self.report(offset, f"{info.where}: {issue}", "warning")
        if declared is not None and declared != size:
            self.report(offset, f"{info.where}: {_short(name)} is {declared} but {_short(fname)} holds "
                                f"{size} bytes; the {size} bytes are decoded", "warning")

    def _table_values(self, info: EventInfo, offset: int | None) -> dict:
        """ErrorSourceCount, ErrorSourceTableLength, ErrorRecordFormat as numbers (a value that
        is no number is reported and left out: the table is then read by its own length)."""
        issues: list[str] = []
        out = {}
        for key, (name, text) in info.table_values.items():
            value = checked_int(text, _short(name), 0xFFFFFFFF, issues)
            if value is not None:
                out[key] = value
        for issue in issues:
            self.report(offset, f"{info.where}: {issue}", "warning")
        return out

    def finish(self) -> None:
        if self.unreported:
            self.on_problem(Problem(self.path, None, f"{self.unreported} more problems with single events "
                                                     f"are not listed (the first {self.MAX_EVENT_NOTES} are)",
                                    self.unreported_level))
        if self.without_data:
            n = sum(self.without_data.values())
            ids = ", ".join(f"{eid} ×{c}" for eid, c in sorted(self.without_data.items(),
                                                                key=lambda kv: str(kv[0])))
            self.on_problem(Problem(self.path, None, f"{n} WHEA event(s) carry no record data "
                                                     f"(Event ID {ids}); not listed", "note"))
