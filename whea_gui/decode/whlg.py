"""WHEA_EVENT_LOG_ENTRY ("WhLg") entries: not CPER, but found beside it (FORMAT.md §8.18).

The 32-byte header is decoded here; payload decoders register per entry Id with
``register_payload`` (the same pattern as section decoders).
"""

from __future__ import annotations

from collections.abc import Callable

from ..formats.fields import Bits, Field, Layout, make_node
from .model import ERROR, NOTE, WARNING, DecodedRecord, FieldNode, new_record

ENTRY_TYPE = {0: "Informational", 1: "Warning", 2: "Error"}
OWNER_TAGS = {b"KRNL": "Kernel", b"HYVP": "Hyper-V", b"HAL ": "HAL", b"PCI ": "PCI",
              b"ACPI": "ACPI", b"PSHD": "PSHED", b"PSPI": "PSHED plug-in"}
ENTRY_FLAGS = (
    Bits(0, "reserved0", "Reserved"),
    Bits(1, "log_internal_etw", "LogInternalEtw"),
    Bits(2, "log_blackbox", "LogBlackbox"),
    Bits(3, "log_sel", "LogSel"),
    Bits(4, "raw_sel", "RawSel"),
    Bits(5, "no_format", "NoFormat"),
    Bits(6, "driver", "Driver"),
)
# WHEA_EVENT_LOG_ENTRY_ID names (WDK ntddk-whea.h), all in one table so every module sees them.
ENTRY_IDS: dict[int, str] = {
    0x80000001: "CmcPollingTimeout", 0x80000002: "WheaInit", 0x80000003: "CmcSwitchToPolling",
    0x80000004: "DroppedCorrectedError", 0x80000005: "StartedReportHwError",
    0x80000006: "PFAMemoryOfflined", 0x80000007: "PFAMemoryRemoveMonitor",
    0x80000008: "PFAMemoryPolicy", 0x80000009: "PshedInjectError",
    0x8000000A: "OscCapabilities", 0x8000000B: "PshedPluginRegister",
    0x8000000C: "AddRemoveErrorSource", 0x8000000D: "WorkQueueItem",
    0x8000000E: "AttemptErrorRecovery", 0x8000000F: "McaFoundErrorInBank",
    0x80000010: "McaStuckErrorCheck", 0x80000011: "McaErrorCleared",
    0x80000012: "ClearedPoison", 0x80000013: "ProcessEINJ", 0x80000014: "ProcessHEST",
    0x80000015: "CreateGenericRecord", 0x80000016: "ErrorRecord", 0x80000017: "ErrorRecordLimit",
    0x80000018: "AerNotGrantedToOs", 0x80000019: "ErrSrcArrayInvalid",
    0x8000001A: "AcpiTimeOut", 0x8000001B: "CmciRestart", 0x8000001C: "CmciFinalRestart",
    0x8000001D: "EntryEtwOverFlow", 0x8000001E: "AzccRootBusSearchErr",
    0x8000001F: "AzccRootBusList", 0x80000020: "ErrSrcInvalid",
    0x80000021: "GenericErrMemMap", 0x80000022: "PshedCallbackCollision",
    0x80000023: "SELBugCheckProgress", 0x80000024: "PshedPluginLoad",
    0x80000025: "PshedPluginUnload", 0x80000026: "PshedPluginSupported",
    0x80000027: "DeviceDriver", 0x80000028: "CmciImplPresent",
    0x80000029: "CmciInitError", 0x8000002A: "SELBugCheckRecovery",
    0x8000002B: "DrvErrSrcInvalid", 0x8000002C: "DrvHandleBusy",
    0x8000002D: "WheaHeartbeat", 0x8000002E: "AzccRootBusPoisonSet",
    0x8000002F: "SELBugCheckInfo", 0x80000030: "ErrDimmInfoMismatch",
    0x80000031: "eDpcEnabled", 0x80000032: "PageOfflineDone",
    0x80000033: "PageOfflinePendMax", 0x80000034: "BadPageLimitReached",
    0x80000035: "SrarDetail", 0x80000036: "EarlyError", 0x80000037: "PcieOverrideInfo",
    0x80000038: "ReadPcieOverridesErr", 0x80000039: "PcieConfigInfo",
    0x80000040: "PcieSummaryFailed", 0x80000041: "ThrottleRegCorrupt",
    0x80000042: "ThrottleAddErrSrcFailed", 0x80000043: "ThrottleRegDataIgnored",
    0x80000044: "EnableKeyNotifFailed", 0x80000045: "KeyNotificationFailed",
    0x80000046: "PcieRemoveDevice", 0x80000047: "PcieAddDevice", 0x80000048: "PcieSpuriousErrSource",
    0x80000049: "MemoryAddDevice", 0x8000004A: "MemoryRemoveDevice",
    0x8000004B: "MemorySummaryFailed", 0x8000004C: "PcieDpcError",
    0x8000004D: "CpuBusesInitFailed", 0x8000004E: "PshedPluginInitFailed",
    0x8000004F: "FailedAddToDefectList", 0x80000050: "DefectListFull",
    0x80000051: "DefectListUEFIVarFailed", 0x80000052: "DefectListCorrupt",
    0x80000053: "BadHestNotifyData", 0x80000054: "RowFailure", 0x80000055: "SrasTableNotFound",
    0x80000056: "SrasTableError", 0x80000057: "SrasTableEntries", 0x80000058: "PFANotifyCallbackAction",
    0x80000059: "SELBugCheckCpusQuiesced", 0x8000005A: "PSHEDPiCpuid",
    0x8000005B: "SrasTableBadData", 0x8000005C: "DriFsStatus",
    0x80000060: "CpusFrozen", 0x80000061: "CpusFrozenNoCrashDump",
    0x80000062: "RegNotifyPolicyChange", 0x80000063: "RegError",
    0x80000064: "RowOfflineEvent", 0x80000065: "BitOfflineEvent",
    0x80000066: "BadGasFields", 0x80000067: "CrashDumpError",
    0x80000068: "CrashDumpCorruption", 0x80000069: "CrashDumpProgressPercent",
    # Ids newer than the older SDKs' tables (WDK 10.0.28000).
    0x8000006A: "PreviousCrashBugCheckProgress", 0x8000006B: "SELBugCheckStackDump",
    0x8000006C: "PciePromotedAerErr", 0x8000006D: "CrashDumpGuid", 0x8000006E: "DumpGUIDStatus",
    0x8000006F: "ProcessEINJ2", 0x80000070: "PshedWriteVendorDefined",
    0x80000071: "PshedReadVendorDefined", 0x80000072: "ImpiOnline", 0x80000073: "ImpiSubscribe",
    0x80000074: "ServerType", 0x80000075: "ErrorRecordFull", 0x80000076: "PluginIncorrectBufferRead",
    0x80040010: "PshedPiTraceLog",
}

HEADER = Layout("whea_event_log_entry_header", [
    Field("signature", "Signature", 4, "sig", description='"WhLg"'),
    Field("version", "Version", 4, "int"),
    Field("length", "Length", 4, "int", description="Header plus payload"),
    Field("type", "Type", 4, "enum", enum=ENTRY_TYPE),
    Field("owner_tag", "Owner tag", 4, "hex"),
    Field("id", "Id", 4, "enum", enum=ENTRY_IDS),
    Field("flags", "Flags", 4, "flags", bits=ENTRY_FLAGS, reserved_mask=0xFFFFFF80),
    Field("payload_length", "Payload length", 4, "int"),
])
HEADER_SIZE = HEADER.size

PayloadDecoder = Callable[[DecodedRecord, bytes, int, int, FieldNode], "dict | None"]
_PAYLOADS: dict[int, PayloadDecoder] = {}


def register_payload(*entry_ids: int):
    def deco(fn: PayloadDecoder) -> PayloadDecoder:
        for i in entry_ids:
            _PAYLOADS[i] = fn
        return fn
    return deco


def owner_tag_text(value: int) -> str:
    raw = value.to_bytes(4, "little")
    name = OWNER_TAGS.get(raw)
    text = "".join(chr(c) if 32 <= c < 127 else "?" for c in raw)
    return f"'{text}'" + (f" {name}" if name else "")


def _load_payloads() -> None:
    try:
        from . import whlg_payloads  # noqa: F401  (registers the payload decoders)
    except ImportError:
        pass


def decode_whlg(buf: bytes, *, source: dict | None = None) -> DecodedRecord:
    _load_payloads()
    return new_record(buf, "whlg", "entry", "WHEA event log entry", source, _decode)


def _decode(rec: DecodedRecord, buf: bytes, n: int) -> None:
    header = rec.root.add(FieldNode("header", "Entry header", None, "", 0, min(HEADER_SIZE, n),
                                    kind="struct"))
    hooks = {"owner_tag": lambda f, v, o: make_node(f, v, o, display=owner_tag_text(v))}
    v, count = HEADER.decode(buf, 0, n, header, hooks)
    if count < len(HEADER.fields):
        rec.add_finding(ERROR, f"Entry is {n} bytes; the WhLg header needs {HEADER_SIZE}", 0, n,
                        "header-truncated")
    length = v.get("length", n)
    payload_len = v.get("payload_length", 0)
    rec.header = {
        "signature": "WhLg", "version": v.get("version"), "length": v.get("length"),
        "type": v.get("type"), "type_name": ENTRY_TYPE.get(v.get("type", -1), "Unknown"),
        "owner_tag": v.get("owner_tag"),
        "owner_tag_text": owner_tag_text(v["owner_tag"]) if "owner_tag" in v else None,
        "id": v.get("id"), "id_name": ENTRY_IDS.get(v.get("id", -1), "Unknown"),
        "flags": v.get("flags"),
        "flag_names": [b.label for b in ENTRY_FLAGS if v.get("flags", 0) >> b.bit & 1],
        "payload_length": payload_len,
    }
    if v.get("version", 1) != 1:
        rec.add_finding(WARNING, f"Version {v['version']} (expected 1)", 4, 4, "version")
    if length > n:
        rec.add_finding(ERROR, f"Length is {length} but only {n} bytes are present", 8, 4,
                        "truncated")
    if count == len(HEADER.fields) and HEADER_SIZE + payload_len != length:
        rec.add_finding(WARNING, f"Header ({HEADER_SIZE}) + PayloadLength ({payload_len}) ≠ "
                                 f"Length ({length})", 28, 4, "payload-length")
    rec.extent = min(max(length, min(HEADER_SIZE, n)), n)
    pend = min(HEADER_SIZE + payload_len, n)
    if count == len(HEADER.fields) and pend > HEADER_SIZE:
        payload = rec.root.add(FieldNode("payload", "Payload", None,
                                         f"{pend - HEADER_SIZE} bytes", HEADER_SIZE,
                                         pend - HEADER_SIZE, kind="section"))
        decoder = _PAYLOADS.get(v.get("id"))
        if decoder is not None:
            try:
                rec.header["payload"] = decoder(rec, buf, HEADER_SIZE, pend, payload)
            except Exception as exc:
                rec.add_finding(ERROR, f"Payload could not be decoded ({type(exc).__name__}: "
                                       f"{exc}); shown as raw bytes", HEADER_SIZE,
                                pend - HEADER_SIZE, "decoder-failed")
    if rec.extent < n:
        rec.root.add(FieldNode("trailing", "Trailing bytes", None, f"{n - rec.extent} bytes",
                               rec.extent, n - rec.extent, kind="gap"))
        rec.add_finding(NOTE, f"{n - rec.extent} bytes follow the entry's end", rec.extent,
                        n - rec.extent, "trailing")
    rec.summary = rec.summary or (f"WHEA event log entry: {rec.header['id_name']} "
                                  f"({rec.header['type_name']}, owner {rec.header['owner_tag_text']})")
    _summarise(rec)


def _summarise(rec: DecodedRecord) -> None:
    """Let the explain module refine the one-line summary (as record.py does for CPER)."""
    try:
        from .explain import summarise_record
    except ImportError:
        return
    try:
        summarise_record(rec)
    except Exception as exc:
        rec.add_finding(NOTE, f"Summary unavailable ({type(exc).__name__}: {exc})", 0, 0, "internal")
