"""Reproducible synthetic records: single records of any section kind, or a realistic timeline.

``generate_records(types, count, seed, ...)`` returns record bytes sorted by time. With the
timeline options it also plants a storm (a burst of corrected errors on one device in a short
window) and a repeated fault (more than ``threshold`` corrected errors on one DIMM within 24 h),
spread over several hosts (each host's records carry its own PlatformID, so the host can be told
from the bytes alone). Everything is drawn from ``random.Random(seed)``: same seed, same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..core import guids
from ..formats.sections import memory, pcie
from .bodies import catalog
from .layout import (
    UEFI_SECTION_REVISION,
    WINDOWS_CREATOR,
    WINDOWS_SECTION_REVISION,
    SectionPart,
    assemble,
    make_descriptor,
    make_header,
)

FIRMWARE_CREATOR = "3f6a9f4b-2b0e-4c3e-9a53-5e0b6f1c2d7e"  # an invented OEM firmware creator
DEFAULT_START = dt.datetime(2025, 3, 1)
FILETIME_EPOCH = dt.datetime(1601, 1, 1)
# What a producer adds after a primary section (Windows writes these companions).
COMPANIONS = {"xpf-mca": "recovery-info", "memory": "memory-ext-intel", "pcie": "pci-recovery",
              "processor-generic": "xpf-mca"}
COMPANION_PRIMARY = {"recovery-info": "xpf-mca", "memory-ext-intel": "memory",
                     "memory-ext-amd": "memory", "pci-recovery": "pcie", "dpc": "pcie",
                     "msr-dump": "processor-generic"}


@dataclass
class Storm:
    """A burst: ``count`` corrected errors of ``kind`` on one device within ``duration``."""

    count: int = 0  # 0 = a quarter of the timeline's records
    kind: str = "pcie"
    at: dt.datetime | None = None  # None = a point drawn from the seed
    duration: dt.timedelta = dt.timedelta(hours=2)
    host: str | None = None


@dataclass
class RepeatFault:
    """The same DIMM failing again and again: ``count`` corrected errors within ``window``."""

    count: int = 14
    threshold: int = 10  # records after this many get the "threshold exceeded" section flag
    at: dt.datetime | None = None
    window: dt.timedelta = dt.timedelta(hours=20)
    host: str | None = None
    location: dict = field(default_factory=lambda: {"node": 1, "card": 3, "module": 0})


@dataclass
class Generated:
    """One generated record and what it was made to show (for tests, samples and benchmarks)."""

    data: bytes
    time: dt.datetime
    host: str
    kinds: list[str]
    severity: int
    role: str = "background"  # "background" | "storm" | "repeat"
    location: dict = field(default_factory=dict)


def host_platform_id(host: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, host))


def all_kinds(*, standalone: bool = True) -> list[str]:
    return [k.key for k in catalog.KINDS if not (standalone and k.companion)]


def generate_records(types: Sequence[str] | None = None, count: int = 10, seed: int = 0, *,
                     start: dt.datetime | None = None, span: dt.timedelta | None = None,
                     storm: Storm | bool | dict | None = None,
                     repeat: RepeatFault | bool | dict | None = None,
                     hosts: Sequence[str] | None = None, creator: str = "windows") -> list[bytes]:
    """``count`` record bytes in time order (see ``generate_timeline`` for the options)."""
    return [g.data for g in iter_timeline(types, count, seed, start=start, span=span,
                                          storm=storm, repeat=repeat, hosts=hosts,
                                          creator=creator)]


def generate_timeline(types: Sequence[str] | None = None, count: int = 10, seed: int = 0, *,
                      start: dt.datetime | None = None, span: dt.timedelta | None = None,
                      storm: Storm | bool | dict | None = None,
                      repeat: RepeatFault | bool | dict | None = None,
                      hosts: Sequence[str] | None = None,
                      creator: str = "windows") -> list[Generated]:
    """Records of the section ``types`` (catalogue keys; None = every standalone kind).

    ``start``/``span`` place the records in time (default: 2025-03-01, one hour per record);
    ``storm`` and ``repeat`` (True, a dict of their fields, or the dataclass) plant the burst
    and the repeated DIMM fault, whose records are part of ``count``; ``hosts`` spreads the
    records over machines; ``creator`` is "windows" (binary timestamps), "uefi" (BCD) or "mixed".
    ``iter_timeline`` yields the same records one at a time (for large counts).
    """
    return list(iter_timeline(types, count, seed, start=start, span=span, storm=storm,
                              repeat=repeat, hosts=hosts, creator=creator))


MAX_COUNT = 10_000_000  # the time plan costs ~20 bytes a record; the records themselves stream
EARLIEST = dt.datetime(1601, 1, 1)  # Windows record IDs count 100 ns from here
_BASE = dt.datetime(1, 1, 1)
_MICROSECOND = dt.timedelta(microseconds=1)


def check_count(count: int) -> None:
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        raise ValueError(f"the record count must be 1 to {MAX_COUNT:,}, not {count!r}")


def check_options(start: dt.datetime, span: dt.timedelta, hosts: Sequence[str]) -> None:
    """ValueError with a plain reason for options that cannot make a timeline."""
    if span <= dt.timedelta(0):
        raise ValueError("the time span must be positive")
    if start < EARLIEST or start.tzinfo is not None:
        raise ValueError(f"the start must be a local time from {EARLIEST.date()} on")
    if dt.datetime.max - start < span + dt.timedelta(days=2):
        raise ValueError("the timeline would end after the year 9999")
    if not hosts:
        raise ValueError("no host names")


def iter_timeline(types: Sequence[str] | None = None, count: int = 10, seed: int = 0, *,
                  start: dt.datetime | None = None, span: dt.timedelta | None = None,
                  storm: Storm | bool | dict | None = None,
                  repeat: RepeatFault | bool | dict | None = None,
                  hosts: Sequence[str] | None = None,
                  creator: str = "windows") -> Iterator[Generated]:
    """``generate_timeline`` one record at a time, in time order.

    Only the time plan is held (a time and a host number per record, in numpy arrays); each
    record is made when it is yielded. The random draws are the ones the list version always
    made, so the same seed gives the same bytes as before.
    """
    check_count(count)
    r = random.Random(seed)
    kinds = [_kind(t) for t in (types or all_kinds())]
    start = start or DEFAULT_START
    span = span or dt.timedelta(hours=count)
    hosts = list(hosts or ["host-01"])
    check_options(start, span, hosts)
    if creator not in ("windows", "uefi", "mixed"):
        raise ValueError(f"creator must be windows, uefi or mixed, not {creator!r}")
    storm_cfg = _option(storm, Storm)
    repeat_cfg = _option(repeat, RepeatFault)
    when = np.empty(count, dtype=np.int64)  # microseconds since year 1, per plan entry
    planned = 0
    repeat_over: list[dict] = []
    repeat_host = storm_host = ""
    if repeat_cfg is not None:
        n = min(repeat_cfg.count, count)
        at = repeat_cfg.at or start + span * r.uniform(0.2, 0.6)
        repeat_host = repeat_cfg.host or hosts[0]
        row = r.randrange(0, 0x10000)
        for i in range(n):
            t = at + repeat_cfg.window * (i / max(n - 1, 1)) + dt.timedelta(seconds=r.randrange(0, 60))
            when[planned] = (t - _BASE) // _MICROSECOND
            planned += 1
            repeat_over.append(dict(repeat_cfg.location, row=row, column=(r.randrange(0, 128) * 8),
                                    _threshold=i >= repeat_cfg.threshold))
    n_repeat = planned
    storm_loc: dict = {}
    if storm_cfg is not None:
        n = min(storm_cfg.count or max(count // 4, 1), count - planned)
        at = storm_cfg.at or start + span * r.uniform(0.6, 0.9)
        storm_host = storm_cfg.host or hosts[-1]
        storm_loc = {"segment": 0, "bus": r.choice([0x3A, 0x5D, 0x85]), "device": r.randrange(0, 4),
                     "function": 0, "device_index": r.randrange(0, 6)}
        for _ in range(n):
            t = at + storm_cfg.duration * r.random()
            when[planned] = (t - _BASE) // _MICROSECOND
            planned += 1
    n_planted = planned
    host_of = np.empty(count - n_planted, dtype=np.uint32)
    for i in range(count - n_planted):
        t = start + span * r.random()
        when[planned] = (t - _BASE) // _MICROSECOND
        planned += 1
        host_of[i] = r.randrange(len(hosts))  # the draw r.choice(hosts) made
    order = np.argsort(when, kind="stable")  # a stable sort, as list.sort was
    for serial, idx in _plan_order(order):
        t = (_BASE + dt.timedelta(microseconds=int(when[idx]))).replace(microsecond=0)
        if idx < n_repeat:
            host, key, role, over = repeat_host, "memory", "repeat", dict(repeat_over[idx])
        elif idx < n_planted:
            host, key, role, over = storm_host, storm_cfg.kind, "storm", dict(storm_loc)
        else:
            i = idx - n_planted
            host, key, role, over = hosts[host_of[i]], kinds[i % len(kinds)].key, "background", {}
        yield _make(r, serial, t, host, key, role, over, creator)


def _plan_order(order: np.ndarray, chunk: int = 1 << 16) -> Iterator[tuple[int, int]]:
    """(serial, plan index) in time order, converted to Python ints a chunk at a time (a list of
    ten million ints would cost hundreds of MB)."""
    for start in range(0, len(order), chunk):
        yield from enumerate(order[start:start + chunk].tolist(), start)


def _option(value, cls):
    if value is None or value is False:
        return None
    if value is True:
        return cls()
    if isinstance(value, dict):
        return cls(**value)
    return value


def _kind(name: str) -> catalog.Kind:
    kind = catalog.find(name)
    if kind is None:
        raise ValueError(f"unknown section kind {name!r}; known: {', '.join(all_kinds(standalone=False))}")
    return kind


def _severity(r: random.Random, kind: catalog.Kind, role: str) -> int:
    if role != "background" or kind.severity != 2:
        return kind.severity
    roll = r.random()  # drawn for every kind, so one kind's rule does not move the others' draws
    if kind.corrected_only:  # a correctable-error summary is never the cause of a fatal record
        return 2
    return 2 if roll < 0.9 else (0 if roll < 0.96 else 1)


def _fru_text(key: str, loc: dict) -> str | None:
    if key in ("memory", "memory2") and "card" in loc:
        return f"CPU{loc['node']}_DIMM_{chr(65 + loc['card'])}{loc['module'] + 1}"
    if key == "pcie" and "bus" in loc:
        return f"PCIe {loc['segment']:04x}:{loc['bus']:02x}:{loc['device']:02x}.{loc['function']}"
    return None


def _make(r: random.Random, serial: int, t: dt.datetime, host: str, key: str, role: str,
          over: dict, creator: str) -> Generated:
    kind = catalog.find(key)
    primary_key = COMPANION_PRIMARY.get(key) if kind.companion else None
    keys = [primary_key, key] if primary_key else [key]
    if not primary_key and key in COMPANIONS and r.random() < 0.5:
        keys.append(COMPANIONS[key])
    windows = creator == "windows" or (creator == "mixed" and r.random() < 0.5)
    sev = _severity(r, catalog.find(keys[0]), role)
    threshold = over.pop("_threshold", False)
    loc = {k: v for k, v in over.items() if k in ("node", "card", "module", "segment", "bus",
                                                   "device", "function", "row", "column")}
    parts = []
    for i, k in enumerate(keys):
        kd = catalog.find(k)
        s = sev if i == 0 else (kd.severity if kd.companion else sev)
        sub = random.Random(r.getrandbits(64))
        part_over = dict(over) if i == 0 else _companion_over(keys[0], k, parts[0].body)
        if k == "xpf-mca":  # the MCA context's own timestamp is the record's time
            part_over["filetime"] = (t - FILETIME_EPOCH) // dt.timedelta(microseconds=1) * 10
        body = kd.pack(sub, s, part_over)
        flags = (1 if i == 0 else 0) | (0x8 if threshold and i == 0 else 0)
        text = _fru_text(k, loc or _location_of(k, body)) if i == 0 else None
        parts.append(SectionPart(make_descriptor(
            kd.guid, severity=s, flags=flags, fru_text=text,
            revision=WINDOWS_SECTION_REVISION if windows else UEFI_SECTION_REVISION), body))
    first = catalog.find(keys[0])
    header_flags = 0x2 if sev == 1 and windows else 0  # fatal errors are logged after the reboot
    record_id = (int((t - FILETIME_EPOCH).total_seconds()) * 10_000_000 + serial) if windows \
        else serial + 1
    header = make_header(
        creator=WINDOWS_CREATOR if windows else FIRMWARE_CREATOR, notify=first.notify_for(sev),
        severity=sev, timestamp=t, timestamp_encoding="binary" if windows else "bcd",
        precise=not windows, platform_id=host_platform_id(host), record_id=record_id,
        flags=header_flags)
    data = assemble(header, parts, set_severity=True)
    return Generated(data, t, host, keys, sev, role, loc or _location_of(keys[0], parts[0].body))


def _companion_over(primary: str, key: str, primary_body: bytes) -> dict:
    """What a companion section must repeat of the primary one, so the record does not contradict
    itself: a memory extension names the platform memory section's address and DIMM (node =
    socket, card = channel, module = DIMM slot, as the FRU text says)."""
    if primary != "memory" or key not in ("memory-ext-intel", "memory-ext-amd"):
        return {}
    v = memory.MEMORY.unpack(primary_body)
    return {"physical_address": v["physical_address"], "socket": v["node"], "channel": v["card"],
            "dimm_slot": v["module"], "rank": v["rank"], "bank": v["bank"], "row": v["row"],
            "column": v["column"]}


def _location_of(key: str, body: bytes) -> dict:
    """Read the location back from a packed body (for the Generated metadata and FRU text)."""
    if key == "memory" and len(body) >= 40:
        return {name: memory.MEMORY.read(body, name) for name in ("node", "card", "module")}
    if key == "pcie" and len(body) >= pcie.HEAD.size + pcie.DEVICE_ID.size:
        dev = pcie.DEVICE_ID.unpack(body, pcie.HEAD.size)
        return {"segment": dev["segment"], "bus": dev["primary_bus"], "device": dev["device"],
                "function": dev["function"]}
    return {}


def describe_kinds() -> list[tuple[str, str, str]]:
    """(key, GUID, name) of every kind, for ``whea generate --list``."""
    return [(k.key, k.guid, guids.name_of(k.guid, "section", k.key)) for k in catalog.KINDS]
