"""Shared machinery for the fuzz suites: a per-case deadline, a memory bound, seeded byte/text
mutators, inputs built around the shared vectors, and one checker that runs a reader on an
input and says what (if anything) went wrong.

Used by tests/fuzz/test_fuzz_*.py and benchmarks/fuzz_soak.py (the long soak). A case fails
when an exception escapes the reader, the deadline passes, the traced peak memory exceeds the
bound, or a yielded record / reported problem breaks the reader contract (docs/sources.md).
"""

from __future__ import annotations

import base64
import json
import random
import re
import signal
import struct
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
DWR = VECTORS / "DecodeWheaRecord"
GENERATED = VECTORS / "libcper-generated"
EVTX = VECTORS / "evtx" / "kernel_whea_operational_52events.evtx"

CASE_SECONDS = 5  # per-case deadline: a linear reader needs milliseconds on these inputs
MEMORY_FACTOR = 40  # traced peak allowed per input byte, on top of MEMORY_BASE
MEMORY_BASE = 16 << 20


class CaseTimeout(BaseException):
    """Raised by the alarm; a BaseException so a reader's ``except Exception`` cannot hide it."""


@contextmanager
def deadline(seconds: float):
    def fire(_sig, _frame):
        raise CaseTimeout(f"no result within {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    started = time.monotonic()
    outer = signal.setitimer(signal.ITIMER_REAL, seconds)  # e.g. pytest-timeout's own alarm
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer[0] > 0:  # give the outer alarm back what is left of it
            left = outer[0] - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), outer[1])


# -- seeds: real records ---------------------------------------------------------------------
def dwr_records() -> list[bytes]:
    return [p.read_bytes() for p in sorted(DWR.glob("*.bin"))]


def generated_records(limit_per_family: int = 2) -> list[bytes]:
    out = []
    for family in sorted(p for p in GENERATED.iterdir() if p.is_dir() and p.name != "single-section"):
        out += [p.read_bytes() for p in sorted(family.glob("*.cper"))[:limit_per_family]]
    return out


def section_records() -> list[bytes]:
    return [p.read_bytes() for p in sorted((GENERATED / "single-section").glob("*.cper"))]


def evtx_xml_events() -> list[str]:
    import evtx
    return [re.sub(r"^<\?xml[^>]*\?>\s*", "", r["data"]) for r in evtx.PyEvtxParser(str(EVTX)).records()]


# -- builders ---------------------------------------------------------------------------------
def redfish_entry(eid: str, data: bytes, dtype: str = "CPER") -> dict:
    return {"@odata.id": f"/redfish/v1/Systems/system/LogServices/EventLog/Entries/{eid}",
            "@odata.type": "#LogEntry.v1_15_0.LogEntry", "Id": eid, "Name": "System Event Log Entry",
            "Created": "2025-03-04T10:11:12+00:00", "EntryType": "Event", "Severity": "Critical",
            "Message": "A CPER error was logged", "DiagnosticDataType": dtype,
            "DiagnosticData": base64.b64encode(data).decode(),
            "Links": {"OriginOfCondition": {"@odata.id": "/redfish/v1/Systems/system/Processors/cpu0"}}}


def wevtutil_event(record: bytes, *, rid: int, eid: int = 18, time: str = "2024-10-24T14:20:21.1234567Z",
                   provider: str = "Microsoft-Windows-WHEA-Logger", channel: str = "System") -> str:
    """One event as ``wevtutil qe /f:xml`` prints it, RawData in hex."""
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            f"<Provider Name='{provider}' Guid='{{c26c4f3c-3f66-4e99-8f8a-39405cfed220}}'/>"
            f"<EventID>{eid}</EventID><Version>0</Version><Level>3</Level>"
            f"<TimeCreated SystemTime='{time}'/><EventRecordID>{rid}</EventRecordID>"
            f"<Channel>{channel}</Channel><Computer>DESKTOP-7Q2M4RT</Computer></System>"
            f"<EventData><Data Name='Length'>{len(record)}</Data>"
            f"<Data Name='RawData'>{record.hex().upper()}</Data></EventData></Event>")


def cper_sections(record: bytes) -> list[tuple[bytes, bytes]]:
    from whea_gui.formats.cper import DESCRIPTOR, HEADER

    out = []
    for i in range(HEADER.read(record, "section_count")):
        d = record[HEADER.size + DESCRIPTOR.size * i:HEADER.size + DESCRIPTOR.size * (i + 1)]
        off, length = DESCRIPTOR.read(d, "section_offset"), DESCRIPTOR.read(d, "section_length")
        out.append((d, record[off:off + length]))
    return out


def gede(descriptor: bytes, body: bytes) -> bytes:
    """A v2.01 Generic Error Data Entry carrying one CPER section."""
    from whea_gui.compose.status_block import entry_for_section

    return entry_for_section(descriptor, body)


def status_block(record: bytes) -> bytes:
    """A Generic Error Status Block holding the sections of a CPER record."""
    from whea_gui.compose.status_block import status_block as gesb_block

    return gesb_block([gede(d, b) for d, b in cper_sections(record)])


def bert_table(region_len: int, region_addr: int = 0x7AF3E018) -> bytes:
    t = bytearray(struct.pack("<4sIBB6s8sI4sIIQ", b"BERT", 48, 1, 0, b"ALASKA", b"A M I   ", 0x1072009,
                              b"AMI ", 0x10013, region_len, region_addr))
    t[9] = (-sum(t)) & 0xFF
    return bytes(t)


# -- mutators ---------------------------------------------------------------------------------
_INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
                0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 20, 44, 64, 72, 128, 512, 4096, 65536]


def mutate_bytes(rng: random.Random, data: bytes, *, ops: int | None = None, start: int = 0,
                 stop: int | None = None) -> bytes:
    """A few random edits inside ``data[start:stop]`` (bit flips, bytes, little-endian boundary
    integers, deletions, duplications, insertions) and sometimes a truncation."""
    buf = bytearray(data)
    stop = len(buf) if stop is None else stop
    for _ in range(ops or rng.randint(1, 6)):
        if stop - start < 2:
            break
        pos = rng.randrange(start, stop)
        op = rng.randrange(7)
        if op == 0:
            buf[pos] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[pos] = rng.randrange(256)
        elif op == 2:
            width = rng.choice((2, 4, 8))
            value = rng.choice(_INTERESTING) & ((1 << 8 * width) - 1)
            chunk = value.to_bytes(width, "little")
            buf[pos:pos + width] = chunk[:max(0, min(width, stop - pos))]
        elif op == 3 and stop == len(buf):
            del buf[pos:pos + rng.randint(1, 64)]
            stop = len(buf)
        elif op == 4 and stop == len(buf):
            span = bytes(buf[pos:pos + rng.randint(1, 256)])
            buf[pos:pos] = span * rng.randint(1, 4)
            stop = len(buf)
        elif op == 5 and stop == len(buf):
            buf[pos:pos] = rng.randbytes(rng.randint(1, 32))
            stop = len(buf)
        else:
            buf[pos] = rng.choice((0, 0xFF))
    if stop == len(buf) and rng.random() < 0.2:
        del buf[rng.randrange(len(buf) + 1):]
    return bytes(buf)


def mutate_text(rng: random.Random, text: str, tokens: list[str]) -> str:
    """Text edits: delete, duplicate or insert a hostile token at a random place."""
    for _ in range(rng.randint(1, 4)):
        if not text:
            break
        pos = rng.randrange(len(text))
        op = rng.randrange(4)
        if op == 0:
            text = text[:pos] + text[pos + rng.randint(1, 40):]
        elif op == 1:
            text = text[:pos] + text[pos:pos + rng.randint(1, 200)] * rng.randint(2, 3) + text[pos:]
        else:
            text = text[:pos] + rng.choice(tokens) + text[pos:]
    return text


# -- hostile values ---------------------------------------------------------------------------
def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_JSON = ["[1]", "1", "-1", "0", "null", "true", "{}", "[]", '"x"', "1e999", "-1e999", "NaN",
                "Infinity", "1" * 4400, "-" + "9" * 5000, "0." + "1" * 5000, deep_json(3000),
                '{"a":' * 2000 + "1" + "}" * 2000, '"' + "A" * 70000 + '"', '{"@odata.id": 5}',
                '[{"@odata.id": [1]}]', '"\\ud800"', '"\\u0000"', '{"OriginOfCondition": 3}']
REDFISH_KEYS = ["@odata.id", "Id", "Links", "DiagnosticData", "DiagnosticDataType", "Created",
                "Message", "OriginOfCondition", "AdditionalDataURI", "Members"]
HOSTILE_TIMES = ["2024-13-01T00:00:00.0000000Z", "2024-02-30T10:00:00Z", "2024-10-24T14:20:21+99:99",
                 "9999-12-31T23:59:59.9999999-05:00", "0001-01-01T00:00:00+01:00",
                 "+30828-09-14T02:48:05.4775807Z", "2024-10-24T25:61:61Z", "", "not a time",
                 "2024-10-24T14:20:21." + "9" * 5000 + "Z", "0000-00-00T00:00:00Z",
                 "2024-10-24T14:20:21-24:00", "1601-01-01T00:00:00Z"]
HOSTILE_NUMBERS = ["-1", "1" * 5000, "0x" + "F" * 40, "18446744073709551616", "", "abc", "1e9", "٣"]


def hostile_redfish(rng: random.Random, records: list[bytes], sections: list[bytes]) -> str:
    """A collection around real records in which some values are replaced by hostile JSON."""
    entries = []
    for i in range(rng.randint(1, 4)):
        if rng.random() < 0.7:
            entries.append(redfish_entry(str(i), rng.choice(records)))
        else:
            entries.append(redfish_entry(str(i), rng.choice(sections), "CPERSection"))
    doc = {"@odata.id": "/redfish/v1/Systems/system/LogServices/EventLog/Entries",
           "Members@odata.count": len(entries), "Members": entries}
    placeholders = {}
    for n in range(rng.randint(1, 3)):
        target = rng.choice(entries + [doc])
        key = rng.choice(REDFISH_KEYS)
        token = f"__HOSTILE_{n}__"
        placeholders[json.dumps(token)] = rng.choice(HOSTILE_JSON)
        if key == "OriginOfCondition" and isinstance(target.get("Links"), dict):
            target["Links"]["OriginOfCondition"] = token
        else:
            target[key] = token
    text = json.dumps(doc, indent=rng.choice((None, 1)))
    for token, value in placeholders.items():
        text = text.replace(token, value)
    if rng.random() < 0.3:  # JSON Lines: one entry per line
        text = "\n".join(json.dumps(e) for e in entries)
        for token, value in placeholders.items():
            text = text.replace(token, value)
    return text


def hostile_event_xml(rng: random.Random, records: list[bytes], real_events: list[str]) -> str:
    events = []
    for i in range(rng.randint(1, 5)):
        if rng.random() < 0.5:
            events.append(rng.choice(real_events))
        else:
            events.append(wevtutil_event(rng.choice(records), rid=1000 + i))
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(events))
        ev = events[i]
        op = rng.randrange(6)
        if op == 0:
            ev = re.sub(r"SystemTime=(['\"])[^'\"]*\1", f"SystemTime='{rng.choice(HOSTILE_TIMES)}'", ev)
        elif op == 1:
            ev = re.sub(r"<EventRecordID>[^<]*<", f"<EventRecordID>{rng.choice(HOSTILE_NUMBERS)}<", ev)
        elif op == 2:
            ev = re.sub(r"<EventID([^>]*)>[^<]*<", f"<EventID\\1>{rng.choice(HOSTILE_NUMBERS)}<", ev)
        elif op == 3:
            ev = ev.replace("</Event>", "")  # unclosed
        elif op == 4:
            depth = rng.choice((50, 3000, 20000))
            ev = ev.replace("</EventData>", "<a>" * depth + "</a>" * depth + "</EventData>")
        else:
            ev = re.sub(r"(Name=['\"]RawData['\"]>)([0-9A-Fa-f]*)", lambda m: m.group(1) + m.group(2)[
                :rng.randrange(len(m.group(2)) + 1)] + rng.choice(("", "Z", "0", "!!", "==")), ev)
        events[i] = ev
    text = "<Events>" + "\r\n".join(events) + "</Events>" if rng.random() < 0.5 else "\n".join(events)
    if rng.random() < 0.3:
        text = mutate_text(rng, text, ["<Event>", "<Event ", "</Event>", "&amp;", "&x;", "<![CDATA[",
                                       "\x00", "\udcff", "<?xml version='1.0'?>"])
    return text


def unclosed_events(count: int = 10_000) -> str:
    """``count`` ``<Event`` tags that never close, then one good event (the quadratic case)."""
    return "<Events>" + "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>x" * count


# -- the check --------------------------------------------------------------------------------
SNIFF_PREFIXES = (0, 3, 8, 20, 44, 47, 48, 64, 128)


def sniff_all(data: bytes, path: str) -> None:
    """Detection sees any head: every structured reader's ``sniff`` on the first 4 KiB and on
    short prefixes (a short file is a whole head)."""
    from whea_gui.sources import acpi, efivar, erst, eventxml, evtx_log, pstore, redfish, uefi_varstore
    for module in (acpi, efivar, eventxml, evtx_log, pstore, redfish, erst, uefi_varstore):
        for n in SNIFF_PREFIXES + (4096,):
            score = module.sniff(data[:n], path)
            if not isinstance(score, int) or not 0 <= score <= 100:
                raise AssertionError(f"{module.name}.sniff returned {score!r}")


def run_reader(read: Callable, data: bytes, path: str) -> tuple[list, list]:
    sniff_all(data, path)
    refs, problems = [], []
    for ref in read(data, path, problems.append):
        refs.append(ref)
    return refs, problems


def contract_violations(data: bytes, path: str, refs: list, problems: list) -> list[str]:
    """What the reader contract forbids in the output (not the absence of an exception)."""
    from whea_gui.sources.base import Problem, RecordRef

    bad = []
    for p in problems:
        if not isinstance(p, Problem) or p.path != path or p.level not in ("error", "warning", "note"):
            bad.append(f"malformed problem {p!r}")
        elif not isinstance(p.message, str) or not p.message:
            bad.append(f"problem without a message {p!r}")
        elif p.offset is not None and not (isinstance(p.offset, int) and 0 <= p.offset <= len(data)):
            bad.append(f"problem offset outside the input: {p}")
        elif len(p.message) > 2000:
            bad.append(f"problem message of {len(p.message)} characters")
    for r in refs:
        if not isinstance(r, RecordRef) or not isinstance(r.data, bytes):
            bad.append(f"malformed ref {r!r:.200}")
            continue
        src = r.source
        if not {"path", "offset", "kind"} <= set(src):
            bad.append(f"source lacks path/offset/kind: {sorted(src)}")
        try:
            json.dumps(src)  # decode --json and the store write it
        except (TypeError, ValueError) as exc:
            bad.append(f"source is not JSON-serialisable: {exc}")
        if any(isinstance(v, str) and len(v) > 4096 for v in src.values()):
            bad.append("a provenance string longer than 4096 characters")
    return bad


def check_case(read: Callable, data: bytes, path: str = "fuzz-case", *, seconds: float = CASE_SECONDS,
               memory: bool = True) -> tuple[str | None, list, list]:
    """(failure or None, refs, problems) of one reader run under the deadline and memory bound."""
    limit = MEMORY_BASE + MEMORY_FACTOR * len(data)
    if memory:
        tracemalloc.start()
    refs, problems = [], []
    try:
        with deadline(seconds):
            refs, problems = run_reader(read, data, path)
    except CaseTimeout as exc:
        return f"timeout: {exc}", refs, problems
    except Exception as exc:  # noqa: BLE001 - what a fuzz case is looking for
        return f"{type(exc).__name__}: {str(exc)[:300]}", refs, problems
    finally:
        if memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    if memory and peak > limit:
        return f"memory: traced peak {peak} B > {limit} B for {len(data)} input bytes", refs, problems
    bad = contract_violations(data, path, refs, problems)
    return (bad[0] if bad else None), refs, problems


# -- per reader: how to make a case -----------------------------------------------------------
class Corpus:
    """Real seeds, loaded once."""

    def __init__(self) -> None:
        self.records = dwr_records() + generated_records()
        self.cper = [r for r in self.records if r[:4] == b"CPER"]
        self.sections = section_records()
        self.evtx = EVTX.read_bytes()
        self.xml_events = evtx_xml_events()
        self.blocks = [status_block(r) for r in generated_records(1) if r[:4] == b"CPER"]
        self.erst = erst_image(self.cper[:6])
        self.varstore = varstore_image(self.cper[:6])


def erst_image(records: list[bytes], size: int = 64 * 1024) -> bytes:
    """A QEMU ERST backing file holding ``records`` (the last one cleared: recoverable)."""
    from whea_gui.store.erst import format_header
    head = format_header(size)
    buf = bytearray(head + bytes(size - len(head)))
    slot, first = 8192, len(head) // 8192
    fitting = [r for r in records if len(r) <= slot][:size // slot - first]
    for k, r in enumerate(fitting):
        at = (first + k) * slot
        buf[at:at + slot] = r + b"\xff" * (slot - len(r))
        if k < len(fitting) - 1:
            struct.pack_into("<Q", buf, 24 + 8 * (first + k), struct.unpack_from("<Q", r, 96)[0] or 1)
    struct.pack_into("<I", buf, 20, max(len(fitting) - 1, 0))
    return bytes(buf)


def varstore_image(records: list[bytes]) -> bytes:
    """Debian's OVMF_VARS.fd with ``records`` as HwErrRec#### variables (the first deleted)."""
    from whea_gui.formats import edk2_varstore as vs
    buf = bytearray(Path("/usr/share/OVMF/OVMF_VARS.fd").read_bytes())
    lay = vs.parse(bytes(buf))
    pos = lay.free_offset
    for k, r in enumerate(records):
        blob = bytearray(vs.variable_bytes(lay, f"HwErrRec{k:04X}", r))
        if k == 0:
            blob[2] = 0x3D
        buf[pos:pos + len(blob)] = blob
        pos += len(blob)
    return bytes(buf)


def case_maker(reader: str, corpus: Corpus) -> Callable[[random.Random], bytes]:
    """A function making one hostile input for ``reader`` from a seeded generator."""

    def redfish(rng: random.Random) -> bytes:
        text = hostile_redfish(rng, corpus.cper, corpus.sections)
        if rng.random() < 0.25:
            text = mutate_text(rng, text, HOSTILE_JSON[:12] + ["{", "[", "}", "]", ",", '"', "\\"])
        return text.encode("utf-8", "surrogatepass")

    def eventxml(rng: random.Random) -> bytes:
        text = hostile_event_xml(rng, corpus.records, corpus.xml_events)
        if rng.random() < 0.2:
            return b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")
        return text.encode("utf-8", "surrogatepass")

    def evtx(rng: random.Random) -> bytes:
        blob = corpus.evtx
        chunk = rng.choice((0, 1, 2))
        start = 4096 + 65536 * chunk
        data = mutate_bytes(rng, blob, start=start + rng.choice((0, 512)),
                            stop=min(len(blob), start + 65536))
        if rng.random() < 0.3:
            data = data[:rng.randrange(len(data) + 1)]
        if rng.random() < 0.1:
            data = mutate_bytes(rng, data, start=8, stop=128)  # the file header
        return data

    def gesb(rng: random.Random) -> bytes:
        blocks = [rng.choice(corpus.blocks) for _ in range(rng.randint(1, 3))]
        region = bytearray(b"".join(blocks))
        for _ in range(rng.randint(0, 2)):  # hostile counts and lengths in the first block
            field = rng.choice((0, 4, 8, 12, 16, 20 + 24, 20 + 20, 20 + 16))
            region[field:field + 4] = rng.choice(_INTERESTING).to_bytes(8, "little")[:4]
        region = mutate_bytes(rng, bytes(region)) if rng.random() < 0.7 else bytes(region)
        if rng.random() < 0.4:
            return bert_table(rng.choice((len(region), 0, 0xFFFFFFFF, len(region) // 2))) + region
        return region

    def efivar(rng: random.Random) -> bytes:
        record = rng.choice(corpus.cper)
        return mutate_bytes(rng, struct.pack("<I", 0xF) + record)

    def pstore(rng: random.Random) -> bytes:
        if rng.random() < 0.5:
            text = f"Panic#{rng.randint(0, 99)} Part1\n<0>[  1.000] Kernel panic - not syncing: MCE\n" * 3
            return mutate_bytes(rng, text.encode())
        from whea_gui.core.guids import LINUX_PSTORE_CREATOR, guid_bytes
        record = bytearray(rng.choice(corpus.cper))
        record[64:80] = guid_bytes(LINUX_PSTORE_CREATOR)
        return mutate_bytes(rng, bytes(record))

    def erst(rng: random.Random) -> bytes:
        buf = bytearray(corpus.erst)
        for _ in range(rng.randint(0, 3)):  # hostile header fields and map entries
            at = rng.choice((8, 12, 16, 18, 20, 24 + 8 * rng.randrange(8)))
            buf[at:at + 4] = rng.choice(_INTERESTING).to_bytes(8, "little")[:4]
        if rng.random() < 0.3:  # a record's length or id inside its slot
            at = 8192 * rng.randrange(1, 8) + rng.choice((20, 96))
            buf[at:at + 4] = rng.choice(_INTERESTING).to_bytes(8, "little")[:4]
        return mutate_bytes(rng, bytes(buf), stop=rng.choice((256, len(buf)))) \
            if rng.random() < 0.7 else bytes(buf)

    def uefi_varstore(rng: random.Random) -> bytes:
        buf = bytearray(corpus.varstore)
        for _ in range(rng.randint(0, 3)):  # FV length, header length, store size, var sizes
            at = rng.choice((32, 48, 0x48 + 16, 0x48 + 20, 0x64 + 36, 0x64 + 40, 0x64 + 2))
            buf[at:at + 4] = rng.choice(_INTERESTING).to_bytes(8, "little")[:4]
        if rng.random() < 0.3:
            buf = bytearray(rng.randbytes(rng.choice((0, 512, 4096))) + bytes(buf))  # a flash image
        return mutate_bytes(rng, bytes(buf), stop=rng.choice((0x200, len(buf)))) \
            if rng.random() < 0.7 else bytes(buf)

    live = eventxml
    return {"redfish": redfish, "eventxml": eventxml, "live": live, "evtx": evtx, "gesb": gesb,
            "efivar": efivar, "pstore": pstore, "erst": erst, "uefi_varstore": uefi_varstore}[reader]


def reader_function(reader: str) -> Callable:
    """The reader entry point a case goes to (the module's read_bytes, bypassing detection)."""
    from whea_gui.sources import acpi, efivar, erst, eventxml, evtx_log, live, pstore, redfish, uefi_varstore
    if reader == "live":
        return lambda data, path, sink: live.parse_wevtutil_output(data, path.removeprefix("live:"), sink)
    return {"redfish": redfish, "eventxml": eventxml, "evtx": evtx_log, "gesb": acpi, "efivar": efivar,
            "pstore": pstore, "erst": erst, "uefi_varstore": uefi_varstore}[reader].read_bytes


READERS = ("redfish", "eventxml", "live", "evtx", "gesb", "efivar", "pstore", "erst", "uefi_varstore")


def fuzz(reader: str, cases: int, seed: int, corpus: Corpus, *, on_failure=None,
         memory: bool = True) -> tuple[int, list[tuple[int, str]]]:
    """Run ``cases`` seeded cases; (tried, [(case number, failure)])."""
    make, read = case_maker(reader, corpus), reader_function(reader)
    failures = []
    for n in range(cases):
        rng = random.Random(f"{reader}:{seed}:{n}")
        data = make(rng)
        path = "live:System" if reader == "live" else "fuzz-case"
        failure, _refs, _problems = check_case(read, data, path, memory=memory)
        if failure:
            failures.append((n, failure))
            if on_failure:
                on_failure(n, data, failure)
    return cases, failures


def iter_failure_kinds(failures: list[tuple[int, str]]) -> Iterator[tuple[str, int]]:
    kinds: dict[str, int] = {}
    for _n, f in failures:
        key = f.split(":", 1)[0]
        kinds[key] = kinds.get(key, 0) + 1
    yield from sorted(kinds.items(), key=lambda kv: -kv[1])
