"""The catalogue of finding codes: each code registered once, with the worst level it may carry,
a title a person understands and where the rule comes from (Wireshark's expert-info table).

A decoder attaches a finding with its own message and byte range; the catalogue says what kind
of finding it is. ``tests/test_finding_catalogue.py`` fails on a code that is used but not
registered, on a finding more severe than its registered level, and when docs/findings.md is
not what ``python -m whea_gui.core.findings`` writes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

LEVEL_RANK = {"note": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class FindingKind:
    code: str
    level: str  # the worst level a finding of this kind is given
    title: str
    spec: str  # where the rule comes from: FORMAT.md section, UEFI/WDK/ACPI reference


CATALOGUE: dict[str, FindingKind] = {}

H = "FORMAT.md §3 (UEFI N.2.1)"
D = "FORMAT.md §4 (UEFI N.2.2)"
P = "FORMAT.md §11"  # the validation list
E = "QEMU hw/acpi/erst.c (docs/stores.md)"
V = "edk2 VariableFormat.h, PiFirmwareVolume.h (docs/stores.md)"

_ROWS = [
    # -- record header and descriptors ------------------------------------------------------
    ("signature", "error", "Record signature is not CPER", H),
    ("signature-end", "error", "SignatureEnd is not 0xFFFFFFFF", H),
    ("revision", "warning", "Unusual record revision", "FORMAT.md §3.1"),
    ("header-truncated", "error", "Fewer bytes than a 128-byte record header", H),
    ("truncated", "error", "Fewer bytes present than declared", P),
    ("length-too-small", "error", "A declared length is smaller than its structure", P),
    ("section-count", "error", "SectionCount disagrees with the descriptors present", H),
    ("section-count-zero", "error", "SectionCount is zero", H),
    ("descriptor-truncated", "error", "A section descriptor is cut short", D),
    ("offset-overlaps-header", "error", "A section offset points into the header or descriptors", D),
    ("section-beyond-length", "error", "A section ends beyond RecordLength", D),
    ("section-missing", "error", "A section's body lies beyond the bytes present", D),
    ("section-truncated", "error", "A section's body is cut short", D),
    ("length-zero", "error", "A section's length is zero", D),
    ("overlap", "error", "Two sections overlap", P),
    ("gap", "note", "Unused bytes between sections", P),
    ("trailing", "note", "Bytes after the record's end", P),
    ("embedded-record", "note", "A section body holds a whole CPER record or WhLg entry (kept "
                                "as part of the section)", "FORMAT.md §4 (docs/sources.md)"),
    ("reserved", "warning", "Reserved bits or bytes are set", P),
    ("severity", "warning", "Undefined severity value", "FORMAT.md §3.2"),
    ("severity-mismatch", "warning", "Record and section severities disagree", "FORMAT.md §3.2"),
    ("memory-address-mismatch", "warning", "Two memory sections give different physical addresses",
     "FORMAT.md §6.5, §8.14"),
    ("timestamp", "warning", "Timestamp marked valid but impossible or implausible", "FORMAT.md §3.4"),
    ("section-offset-rebased", "note", "A lone section's SectionOffset is its record's; the body "
     "follows the descriptor", "FORMAT.md §4; Redfish CPERSection"),
    ("timestamp-century", "note", "Timestamp century byte read as an ordinal century (21 = 2000s)",
     "FORMAT.md §3.4; mu_plus MsWheaReportHER.c"),
    ("persistence", "warning", "PersistenceInfo is malformed", "FORMAT.md §3.6"),
    ("fru-text", "note", "FRU text has non-printable characters", D),
    ("fmp-offset", "note", "Linux FMP record with the section offset it writes", "FORMAT.md §10.3"),
    # -- bounds the decoder keeps --------------------------------------------------------
    ("output-limit", "error", "An output limit cut in (findings, tree nodes or depth)", "docs/sources.md"),
    ("nesting-limit", "warning", "Nested records deeper than the decoder follows", "FORMAT.md §9"),
    ("decoder-failed", "error", "A section decoder failed; the body is shown as raw bytes", "(a defect)"),
    ("internal", "error", "The record decoder failed; shown as far as decoded", "(a defect)"),
    # -- section bodies in general ------------------------------------------------------------
    ("section-too-small", "error", "Section smaller than its structure", "FORMAT.md §7"),
    ("section-partial", "note", "Only part of a section's structure is present", "FORMAT.md §7"),
    ("section-slack", "warning", "Bytes after a section's structure", "FORMAT.md §7"),
    ("extra-bytes", "warning", "Bytes after a Microsoft section's structure", "FORMAT.md §8"),
    ("body-truncated", "error", "A structure inside a section is cut short", "FORMAT.md §7"),
    ("body-extra", "note", "Bytes after the structures a section's counts describe", "FORMAT.md §6.2"),
    ("layout-version", "note", "An older layout written by an earlier Windows build", "FORMAT.md §8.2"),
    ("undocumented-layout", "note", "No public layout: strings and raw bytes shown", "FORMAT.md §5.5"),
    ("unused-data", "note", "Non-zero data beyond the counted entries", "FORMAT.md §8.2"),
    ("enum", "warning", "A value no writer produces for this field", "FORMAT.md §8"),
    ("version", "warning", "Unexpected structure version", "FORMAT.md §8"),
    ("length", "warning", "A structure's length field disagrees with its kind", "FORMAT.md §8"),
    ("count", "error", "A count does not fit the bytes present", "FORMAT.md §8"),
    ("valid-bits-conflict", "warning", "Validation bits contradict each other", "FORMAT.md §6"),
    ("valid-bits-beyond-section", "warning", "Validation bits mark fields beyond the section", "FORMAT.md §6.5"),
    ("valid-bits-beyond-structure", "warning", "Validation bits for fields the old structure lacks",
     "FORMAT.md §6.5"),
    # -- processor ---------------------------------------------------------------------------
    ("check-type", "note", "Unknown IA32/X64 error-information structure type", "FORMAT.md §6.2.1"),
    ("empty-slot", "note", "An empty error-information slot before the contexts", "FORMAT.md §6.2"),
    ("count-overrun", "error", "More error-information structures than fit the section", "FORMAT.md §6.2"),
    ("context-padding", "warning", "Context structures are not padded as UEFI requires", "FORMAT.md §6.4.3"),
    ("context-size", "warning", "A context's register array size differs from its type", "FORMAT.md §6.2.3"),
    ("context-truncated", "error", "A context's register array runs past the section", "FORMAT.md §6.2.3"),
    ("context-type", "note", "Reserved context type: registers kept raw", "FORMAT.md §6.2.3"),
    ("context-version", "note", "Context structure version is not 0", "FORMAT.md §6.4.3"),
    ("arm-count", "warning", "ARM section carries no error-information structure", "FORMAT.md §6.4"),
    ("arm-info-length", "warning", "ARM error-information version/length unexpected", "FORMAT.md §6.4.1"),
    ("arm-length", "error", "ARM section length disagrees with its descriptor", "FORMAT.md §6.4"),
    ("arm-psci", "note", "Running processor with a non-zero PSCI state", "FORMAT.md §6.4"),
    ("arm-type", "note", "ARM error type is not a UEFI 2.11 bit mask", "FORMAT.md §6.4.2"),
    ("arm-vendor", "note", "Vendor bytes present with their valid bit clear", "FORMAT.md §6.4"),
    ("arm-ras-aux", "error", "Arm RAS auxiliary data runs past the section", "FORMAT.md §6.18"),
    ("arm-ras-offset", "error", "Arm RAS syndrome array offset outside the section", "FORMAT.md §6.18"),
    ("arm-ras-revision", "warning", "Arm RAS node revision is not 1", "FORMAT.md §6.18"),
    ("ms-arm-ras-count", "note", "Windows Arm RAS node field count unexpected", "FORMAT.md §8.12"),
    ("mca-not-valid", "note", "MCi_STATUS.VAL clear: the bank held no valid error", "FORMAT.md §8.2"),
    # -- memory ------------------------------------------------------------------------------
    ("memory-error-type", "warning", "Reserved memory error type", "FORMAT.md §6.5"),
    ("memory-legacy-73", "note", "73-byte UEFI 2.1/2.2 memory section", "FORMAT.md §6.5"),
    ("memory-legacy-padded", "note", "73-byte memory section with zero padding", "FORMAT.md §6.5"),
    # -- PCI, DMAr, CCIX, CXL, firmware, FMP --------------------------------------------------
    ("pcie-aer-id", "note", "AER block does not start with the AER capability ID", "FORMAT.md §6.7.1"),
    ("pcie-capability-id", "note", "Capability block does not start with the PCIe capability ID",
     "FORMAT.md §6.7.1"),
    ("pcie-port-type", "warning", "Undefined PCIe device/port type", "FORMAT.md §6.7"),
    ("pcie-port-type-mismatch", "warning", "Port type disagrees with the PCIe capability's Device/Port Type",
     "FORMAT.md §6.7, §6.7.1"),
    ("pcie-version-bcd", "note", "PCIe version is not binary-coded decimal", "FORMAT.md §6.7"),
    ("pci-address-range", "warning", "A PCI device number above 31 or function above 7",
     "PCI Local Bus 3.0 §3.2.2.3.1"),
    ("pci-bus-error-type", "warning", "Reserved PCI bus error type", "FORMAT.md §6.8"),
    ("dmar-access-type", "warning", "Undefined DMAr access type", "FORMAT.md §6.11"),
    ("dmar-address-type", "warning", "Undefined DMAr address type", "FORMAT.md §6.11"),
    ("dmar-architecture-type", "note", "DMAr architecture type is not a UEFI value", "FORMAT.md §6.11"),
    ("dmar-fault-reason", "note", "Reserved DMAr fault reason", "FORMAT.md §6.11"),
    ("ccix-log-length", "warning", "CCIX log is not a whole number of DWORDs", "FORMAT.md §6.14"),
    ("length-exceeds-section", "error", "A length field runs past its section", "FORMAT.md §6.14–6.16"),
    ("count-exceeds-section", "error", "A register count does not fit the section", "FORMAT.md §6.15"),
    ("cxl-agent-type", "note", "Reserved CXL agent type", "FORMAT.md §6.15"),
    ("cxl-error-log-length", "note", "CXL error log is not a RAS capability structure", "FORMAT.md §6.15"),
    ("cxl-event-length", "note", "CXL component event longer than a CXL event record", "FORMAT.md §6.16"),
    ("firmware-record-id", "note", "Firmware record identifier must be 0 for this revision", "FORMAT.md §6.10"),
    ("firmware-short", "error", "Firmware record reference too short for its revision", "FORMAT.md §6.10"),
    ("firmware-type", "note", "Reserved firmware error record type", "FORMAT.md §6.10"),
    ("fmp-checksum", "warning", "FRU memory poison checksum does not sum to zero", "FORMAT.md §6.17"),
    # -- Microsoft sections ------------------------------------------------------------------
    ("packet-signature", "error", "WHEA error packet signature unknown", "FORMAT.md §8.1"),
    ("packet-length", "error", "WHEA error packet longer than its section", "FORMAT.md §8.1"),
    ("packet-range", "error", "WHEA error packet data outside the packet", "FORMAT.md §8.1.1"),
    ("packet-data-offset", "warning", "WHEA error packet data offset unusual", "FORMAT.md §8.1.1"),
    ("packet-pshed-offset", "note", "PSHED data does not follow the packet data", "FORMAT.md §8.1.1"),
    ("recovery-info-layout", "note", "Error recovery information in an older layout", "FORMAT.md §8.10"),
    ("recovery-info-value", "warning", "Error recovery information value no writer produces",
     "FORMAT.md §8.10"),
    ("descriptor-type", "warning", "Error-source descriptor type disagrees with its source", "FORMAT.md §9.5"),
    # -- NVIDIA ------------------------------------------------------------------------------
    ("nvidia-event-version", "warning", "Unexpected NVIDIA event header version", "FORMAT.md §5.5"),
    ("nvidia-event-info-size", "error", "NVIDIA event info block size disagrees", "FORMAT.md §5.5"),
    ("nvidia-event-context-size", "error", "NVIDIA event context size disagrees", "FORMAT.md §5.5"),
    ("nvidia-event-data-size", "error", "NVIDIA event context data size disagrees", "FORMAT.md §5.5"),
    ("nvidia-event-many-entries", "note", "More NVIDIA event entries than are shown", "FORMAT.md §5.5"),
    ("nvidia-event-padding", "note", "NVIDIA event bytes after the contexts", "FORMAT.md §5.5"),
    # -- ACPI status blocks ------------------------------------------------------------------
    ("gesb-truncated", "error", "Generic error status block cut short", "FORMAT.md §9.1"),
    ("gesb-empty", "warning", "Generic error status block holds no valid error", "FORMAT.md §9.1"),
    ("gesb-data-length", "error", "Status block data length smaller than an entry", "FORMAT.md §9.1"),
    ("gesb-entry-count", "warning", "Status block entry count disagrees with its data", "FORMAT.md §9.3"),
    ("gesb-entry-truncated", "error", "Generic error data entry cut short", "FORMAT.md §9.2"),
    ("gesb-trailing", "error", "Status block data too short for one more entry", "FORMAT.md §9.3"),
    ("gesb-raw-offset", "error", "Status block raw data overlaps its entries", "FORMAT.md §9.1"),
    ("gesb-raw-truncated", "error", "Status block raw data runs past the bytes present", "FORMAT.md §9.1"),
    # -- WhLg entries --------------------------------------------------------------------------
    ("payload-length", "warning", "WhLg header and payload lengths disagree", "FORMAT.md §8.18"),
    ("payload-truncated", "warning", "WhLg payload shorter than its structure", "FORMAT.md §8.18"),
    ("payload-extra", "note", "WhLg payload longer than its structure", "FORMAT.md §8.18"),
    ("payload-size", "warning", "WheaInit payload not a whole number of error sources", "FORMAT.md §8.18"),
    # -- Kernel-WHEA Event ID 5 error-source tables --------------------------------------------
    ("error-source-layout", "warning", "Error-source table not a whole number of entries",
     "docs/sources.md"),
    ("error-source-entry", "warning", "Error-source table entry fails its checks (tag, type)",
     "docs/sources.md"),
    # -- platform containers: QEMU ERST backing files, edk2 variable stores --------------------
    ("erst-header", "error", "ERST header QEMU refuses (slot size, version, reserved, offset)", E),
    ("erst-magic", "error", "ERST backing file magic is not ERSTSTOR", E),
    ("erst-unformatted", "note", "ERST backing file not formatted yet", E),
    ("erst-size", "error", "ERST file size is not a multiple of the slot size", E),
    ("erst-map-overlap", "error", "ERST RecordID map runs into slot storage", E),
    ("erst-no-slots", "warning", "ERST storage offset leaves no slots", E),
    ("erst-map-stray", "warning", "ERST map entry for a header slot", E),
    ("erst-map-id", "warning", "ERST map holds a reserved or repeated RecordID", E),
    ("erst-map-no-record", "error", "ERST map entry points at a slot without a record", E),
    ("erst-map-cut", "error", "ERST file ends inside its RecordID map (entries missing)", "QEMU hw/acpi/erst.c"),
    ("erst-record-count", "warning", "ERST record count disagrees with the map", E),
    ("erst-record-overflow", "error", "ERST record length below 128 or overflowing its slot", E),
    ("erst-record-id", "warning", "ERST record's RecordID differs from its map entry", E),
    ("erst-cleared", "note", "ERST record cleared but still in its slot (recoverable)", E),
    ("erst-padding", "note", "ERST slot bytes after the record are not 0xFF", E),
    ("fv-signature", "error", "No NVRAM firmware volume header found", V),
    ("fv-located", "note", "NVRAM firmware volume found inside a larger image", V),
    ("record-recoverable", "note", "A record cleared or deleted from its container, still present", V),
    ("event-chunk-checksum", "warning", "Read from an event-log (.evtx) chunk whose checksum fails: "
     "its bytes may be damaged", "docs/sources.md"),
    ("bytes-unread", "error", "Bytes of the record the input did not give (unreadable hex, read as 00)",
     "docs/sources.md"),
    ("fv-skipped", "warning", "An unusable NVRAM volume header passed over for another", V),
    ("fv-header", "error", "Firmware volume header length or size impossible", V),
    ("fv-checksum", "warning", "Firmware volume header checksum does not sum to 0", V),
    ("varstore-header", "error", "Variable store signature, format, state or size wrong", V),
    ("varstore-free-space", "warning", "Variable store bytes after the last variable not erased", V),
    ("var-size-overrun", "error", "A variable's NameSize or DataSize runs past the store", V),
    ("var-name", "warning", "A variable name without its UCS-2 NUL", V),
    ("var-name-size", "error", "A variable's NameSize disagrees with its name's NUL", V),
    ("var-data-size", "error", "A variable's DataSize runs into the next variable header", V),
    ("var-header-skipped", "error", "Bytes without a valid variable header skipped", V),
    ("var-tail-not-erased", "error", "Bytes not erased after the last valid variable header (a torn variable)", V),
    ("var-state", "note", "A variable whose header was written but never completed", V),
    ("var-deleted", "note", "A deleted HwErrRec variable still present (recoverable)", V),
    ("var-attributes", "warning", "HwErrRec attributes are not NV|BS|RT|HR", "UEFI Appendix P"),
    ("var-record-length", "warning", "HwErrRec data is not a CPER record of its size", "UEFI Appendix P"),
]


def register(code: str, level: str, title: str, spec: str) -> str:
    if code in CATALOGUE:
        raise ValueError(f"finding code {code!r} registered twice")
    if level not in LEVEL_RANK:
        raise ValueError(f"finding code {code!r}: unknown level {level!r}")
    CATALOGUE[code] = FindingKind(code, level, title, spec)
    return code


for _row in _ROWS:
    register(*_row)


def markdown() -> str:
    """docs/findings.md: the catalogue as a table."""
    lines = ["# Findings", "",
             "Every finding `whea decode` reports has one of these codes (the JSON `code` key). The",
             "level is the worst a finding of that kind is given; a decoder may give a milder one",
             "where the bytes allow (for example zero padding is a note, non-zero bytes a warning).",
             "Generated from `whea_gui/core/findings.py` by `python -m whea_gui.core.findings`.", "",
             "| code | worst level | what it means | rule from |", "|---|---|---|---|"]
    for k in sorted(CATALOGUE.values(), key=lambda k: k.code):
        lines.append(f"| `{k.code}` | {k.level} | {k.title} | {k.spec} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
