"""CPER record header (128 bytes) and section descriptor (72 bytes): FORMAT.md §3–4."""

from __future__ import annotations

from ..core.fields import Bits, Field, Layout

SIGNATURE = b"CPER"
SIGNATURE_END = 0xFFFFFFFF
HEADER_SIZE = 128
DESCRIPTOR_SIZE = 72

SEVERITY = {0: "Recoverable", 1: "Fatal", 2: "Corrected", 3: "Informational"}
# How bad, for "header severity = most severe section" (fatal > recoverable > corrected > info)
SEVERITY_RANK = {1: 4, 0: 3, 2: 2, 3: 1}

KNOWN_REVISIONS = {0x0100, 0x0101, 0x0201, 0x0204, 0x0210}

VALID_BITS = (
    Bits(0, "platform_id_valid", "PlatformID valid"),
    Bits(1, "timestamp_valid", "TimeStamp valid"),
    Bits(2, "partition_id_valid", "PartitionID valid"),
)

HEADER_FLAGS = (
    Bits(0, "recovered", "Recovered", meaning="The error was recovered (HW_ERROR_FLAGS_RECOVERED)"),
    Bits(1, "previous_error", "Previous error",
         meaning="The error happened in a previous boot session (HW_ERROR_FLAGS_PREVERR)"),
    Bits(2, "simulated", "Simulated", meaning="The error was injected / simulated (HW_ERROR_FLAGS_SIMULATED)"),
    Bits(3, "device_driver", "Device driver",
         meaning="Windows: reported by a device driver error source (UEFI: reserved)"),
    Bits(4, "critical_event", "Critical event", meaning="Windows: critical event (UEFI: reserved)"),
    Bits(5, "persist_pfn", "Persist PFN",
         meaning="Windows: the faulting page frame is to be persisted for offlining (UEFI: reserved)"),
    Bits(6, "sections_truncated", "Sections truncated",
         meaning="Windows: some sections did not fit and were dropped (UEFI: reserved)"),
    Bits(7, "recovery_in_progress", "Recovery in progress", meaning="Windows: recovery in progress (UEFI: reserved)"),
    Bits(8, "throttle", "Throttle", meaning="Windows: the error source is being throttled (UEFI: reserved)"),
)

HEADER = Layout("record_header", [
    Field("signature_start", "Signature", 4, "sig", description='Must be "CPER"'),
    Field("revision", "Revision", 2, "hex",
          description="High byte major, low byte minor (Windows 7+ writes 0x0210, UEFI 0x0101)"),
    Field("signature_end", "Signature end", 4, "hex", description="Must be 0xFFFFFFFF"),
    Field("section_count", "Section count", 2, "int"),
    Field("severity", "Error severity", 4, "enum", enum=SEVERITY),
    Field("valid_bits", "Validation bits", 4, "flags", bits=VALID_BITS, reserved_mask=0xFFFFFFF8),
    Field("length", "Record length", 4, "int", description="Total bytes incl. header, descriptors, bodies"),
    Field("timestamp", "Timestamp", 8, "bytes"),
    Field("platform_id", "Platform ID", 16, "guid"),
    Field("partition_id", "Partition ID", 16, "guid"),
    Field("creator_id", "Creator ID", 16, "guid", guid_kind="creator"),
    Field("notify_type", "Notification type", 16, "guid", guid_kind="notify"),
    Field("record_id", "Record ID", 8, "hex"),
    Field("flags", "Flags", 4, "flags", bits=HEADER_FLAGS, reserved_mask=0xFFFFFE00),
    Field("persistence_info", "Persistence info", 8, "hex"),
    Field("reserved", "Reserved", 12, "bytes", description="Must be zero (Azure may put OsBuildNumber in 116–119)"),
])
assert HEADER.size == HEADER_SIZE

PERSISTENCE_BITS = (
    Bits(0, "signature", "Signature", 16, 'Must be "ER" when the record has been persisted'),
    Bits(16, "length", "Stored length", 24, "Length of the record in persistent storage"),
    Bits(40, "identifier", "Identifier", 16, "Identifies the record in persistent storage"),
    Bits(56, "attributes", "Attributes", 2, "No attributes are defined"),
    Bits(58, "do_not_log", "Do not log", 1, "WHEA should not log a system event for this record"),
    Bits(59, "reserved", "Reserved", 5, "Must be zero"),
)
PERSISTENCE_SIGNATURE = 0x5245  # bytes "ER"

SECTION_FLAGS_BASE = (
    Bits(0, "primary", "Primary", meaning="The section most directly associated with the error"),
    Bits(1, "containment_warning", "Containment warning",
         meaning="The error was not contained and may have propagated"),
    Bits(2, "reset", "Reset", meaning="The component must be re-initialised before use"),
    Bits(3, "threshold_exceeded", "Error threshold exceeded",
         meaning="The error threshold for this component was exceeded"),
    Bits(4, "resource_not_accessible", "Resource not accessible",
         meaning="The resource could not be queried; some fields may be invalid"),
    Bits(5, "latent_error", "Latent error",
         meaning="A contained error (e.g. poisoned data) not yet consumed"),
    Bits(6, "propagated", "Propagated", meaning="Associated with an error propagated by hardware poisoning"),
)
# Bit 7 differs by producer (conflict C6): UEFI 2.10 "Overflow", WDK "FruTextByPlugin".
SECTION_FLAGS_UEFI = SECTION_FLAGS_BASE + (
    Bits(7, "overflow", "Overflow", meaning="Firmware queues overflowed; some error records may be lost"),
)
SECTION_FLAGS_WINDOWS = SECTION_FLAGS_BASE + (
    Bits(7, "fru_text_by_plugin", "FRU text by plug-in", meaning="Windows: the FRU text was supplied by a PSHED plug-in"),
)

SECTION_VALID_BITS = (
    Bits(0, "fru_id_valid", "FRU ID valid"),
    Bits(1, "fru_text_valid", "FRU text valid"),
)


def descriptor_layout(flag_bits) -> Layout:
    return Layout("section_descriptor", [
        Field("section_offset", "Section offset", 4, "int", description="From the start of the record"),
        Field("section_length", "Section length", 4, "int"),
        Field("revision", "Revision", 2, "hex"),
        Field("valid_bits", "Validation bits", 1, "flags", bits=SECTION_VALID_BITS, reserved_mask=0xFC),
        Field("reserved", "Reserved", 1, "hex", description="Must be zero"),
        Field("flags", "Section flags", 4, "flags", bits=flag_bits, reserved_mask=0xFFFFFF00),
        Field("section_type", "Section type", 16, "guid", guid_kind="section"),
        Field("fru_id", "FRU ID", 16, "guid"),
        Field("severity", "Section severity", 4, "enum", enum=SEVERITY),
        Field("fru_text", "FRU text", 20, "ascii"),
    ])


DESCRIPTOR = descriptor_layout(SECTION_FLAGS_UEFI)
DESCRIPTOR_WINDOWS = descriptor_layout(SECTION_FLAGS_WINDOWS)
assert DESCRIPTOR.size == DESCRIPTOR_SIZE


def severity_name(value: int) -> str:
    return SEVERITY.get(value, "Unknown")


def revision_text(value: int) -> str:
    return f"{value >> 8}.{value & 0xFF}"
