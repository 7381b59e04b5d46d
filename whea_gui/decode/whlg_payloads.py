"""Payload decoders for WHEA_EVENT_LOG_ENTRY ("WhLg") entries, by entry Id (FORMAT.md §8.18).

Layouts are the packed WDK ``ntddk.h`` ``WHEAP_*_EVENT`` structures minus their 32-byte header;
WheaInit's payload (not public) is an array of the kernel's 1072-byte x64 error-source records
(as reverse-engineered by DecodeWheaRecord). Each decoder adds located nodes under the payload
node, returns a JSON dict and sets a one-line ``rec.summary``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.fields import Field, Layout, ascii_text
from ..core.model import NOTE, WARNING, DecodedRecord, FieldNode
from ..formats import error_source, error_source_table
from .whlg_ids import ENTRY_IDS

PayloadDecoder = Callable[[DecodedRecord, bytes, int, int, FieldNode], "dict | None"]
PAYLOADS: dict[int, PayloadDecoder] = {}


def register_payload(*entry_ids: int):
    def deco(fn: PayloadDecoder) -> PayloadDecoder:
        for i in entry_ids:
            PAYLOADS[i] = fn
        return fn
    return deco

BOOL = {0: "FALSE", 1: "TRUE"}
TEXT = 32  # WHEA_ERROR_TEXT_LEN


def _b(name: str, label: str) -> Field:
    return Field(name, label, 1, "enum", enum=BOOL)


def _u32(name: str, label: str, kind: str = "int") -> Field:
    return Field(name, label, 4, kind)


def _text(name: str, label: str) -> Field:
    return Field(name, label, TEXT, "ascii")


NTSTATUS = Field("status", "Status (NTSTATUS)", 4, "hex")
# Fixed-layout payloads: Id → (layout, sentence template using the decoded values).
FIXED: dict[int, tuple[Layout, str]] = {
    0x8000001B: (Layout("WHEAP_CMCI_RESTART_EVENT", [
        _u32("cmci_restore_attempts", "CMCI restore attempts"),
        _u32("max_cmci_restore_limit", "Max CMCI restore limit"),
        _u32("max_corrected_errors_found", "Max corrected errors found"),
        _u32("max_corrected_error_limit", "Max corrected error limit")]),
        "CMCI re-enabled after polling (attempt {cmci_restore_attempts} of "
        "{max_cmci_restore_limit})"),
    0x80000031: (Layout("WHEAP_EDPC_ENABLED_EVENT", [
        _b("edpc_enabled", "eDPC enabled"), _b("edpc_recov_enabled", "eDPC recovery enabled")]),
        "PCIe enhanced DPC enabled: {edpc_enabled}, recovery enabled: {edpc_recov_enabled}"),
    0x8000000A: (Layout("WHEAP_OSC_IMPLEMENTED", [
        _b("osc_implemented", "_OSC implemented"), _b("debug_checked", "Debug checked")]),
        "Firmware _OSC implemented: {osc_implemented}"),
    0x80000021: (Layout("WHEAP_GENERIC_ERR_MEM_MAP_EVENT", [
        _text("map_reason", "Map reason"), Field("physical_address", "Physical address", 8, "hex"),
        Field("length", "Length", 8, "int")]),
        "Mapped generic error memory ({map_reason}) at 0x{physical_address:X}, {length} bytes"),
    0x80000013: (Layout("WHEAP_PROCESS_EINJ_EVENT", [
        _text("error", "Error"), _b("injection_action_table_valid", "Injection action table valid"),
        *[_u32(f"{n}_instruction_count", f"{t} instructions") for n, t in (
            ("begin_injection", "BeginInjection"),
            ("get_trigger_error_action_table", "GetTriggerErrorActionTable"),
            ("set_error_type", "SetErrorType"), ("get_error_type", "GetErrorType"),
            ("end_operation", "EndOperation"), ("execute_operation", "ExecuteOperation"),
            ("check_busy_status", "CheckBusyStatus"), ("get_command_status", "GetCommandStatus"),
            ("set_error_type_with_address", "SetErrorTypeWithAddress"),
            ("get_execute_operation_timings", "GetExecuteOperationTimings"))]]),
        "ACPI EINJ table processed: action table valid {injection_action_table_valid}{error_note}"),
    0x80000014: (Layout("WHEAP_PROCESS_HEST_EVENT", [
        _text("error", "Error"), _text("entry_type", "Entry type"), _u32("entry_index", "Entry index"),
        _b("hest_valid", "HEST valid"),
        *[_u32(f"{n}_count", f"{t} count") for n, t in (
            ("cmc", "CMC"), ("mce", "MCE"), ("nmi", "NMI"), ("aer_root", "AER root port"),
            ("aer_bridge", "AER bridge"), ("aer_end_point", "AER endpoint"),
            ("generic_v1", "Generic v1"), ("generic_v2", "Generic v2"))]]),
        "ACPI HEST processed: valid {hest_valid}; MCE {mce_count}, CMC {cmc_count}, NMI {nmi_count}, "
        "AER {aer_root_count}/{aer_bridge_count}/{aer_end_point_count}, GHES "
        "{generic_v1_count}/{generic_v2_count}{error_note}"),
    0x80000004: (Layout("WHEAP_DROPPED_CORRECTED_ERROR_EVENT", [
        Field("error_source_type", "Error source type", 4, "enum", enum=error_source.SOURCE_TYPE),
        _u32("error_source_id", "Error source ID")]),
        "Dropped a corrected error from error source {error_source_id}"),
    0x80000012: (Layout("WHEAP_CLEARED_POISON_EVENT", [
        Field("physical_address", "Physical address", 8, "hex")]),
        "Cleared poison at physical address 0x{physical_address:X}"),
    0x8000000F: (Layout("WHEAP_FOUND_ERROR_IN_BANK_EVENT", [
        _u32("ep_index", "Processor index"), _u32("bank", "Bank"),
        Field("mci_status", "MCi_STATUS", 8, "hex"), _u32("error_type", "Error type")]),
        "Machine-check error found in bank {bank} of processor {ep_index}"),
    0x80000010: (Layout("WHEAP_STUCK_ERROR_EVENT", [
        _u32("ep_index", "Processor index"), _u32("bank", "Bank"),
        Field("mci_status", "MCi_STATUS", 8, "hex")]),
        "Stuck machine-check error in bank {bank} of processor {ep_index}"),
    0x80000011: (Layout("WHEAP_ERROR_CLEARED_EVENT", [
        _u32("ep_index", "Processor index"), _u32("bank", "Bank")]),
        "Machine-check error cleared in bank {bank} of processor {ep_index}"),
    0x80000028: (Layout("WHEAP_CMCI_IMPLEMENTED_EVENT", [_b("cmci_available", "CMCI available")]),
                 "CMCI available: {cmci_available}"),
    0x80000032: (Layout("WHEA_OFFLINE_DONE_EVENT", [Field("address", "Address", 8, "hex")]),
                 "Memory page offlined at 0x{address:X}"),
    0x80000019: (Layout("WHEAP_ERR_SRC_ARRAY_INVALID_EVENT", [
        _u32("error_source_count", "Error source count"), _u32("reported_length", "Reported length"),
        _u32("expected_length", "Expected length")]),
        "Invalid error source array: {error_source_count} sources, length {reported_length} "
        "(expected {expected_length})"),
    0x8000001A: (Layout("WHEAP_ACPI_TIMEOUT_EVENT", [
        _text("table_type", "Table type"), _text("table_request", "Table request")]),
        "ACPI {table_type} request {table_request} timed out"),
    0x80000006: (Layout("WHEAP_PFA_MEMORY_OFFLINED", [
        _u32("decision_type", "Decision type"), _b("immediate_success", "Immediate success"),
        _u32("page", "Page"), _b("notify_vid", "Notify VID")]),
        "Predictive failure analysis offlined memory page 0x{page:X}"),
    0x8000004C: (Layout("WHEAP_DPC_ERROR_EVENT", [
        _u32("err_type", "Error type"), _u32("bus", "Bus"), _u32("device", "Device"),
        _u32("function", "Function"), Field("device_id", "Device ID", 2, "hex"),
        Field("vendor_id", "Vendor ID", 2, "hex")]),
        "PCIe DPC error {err_type} on {bus:02x}:{device:02x}.{function}"),
}
PAYLOAD_SIZE_WHEAINIT = 1072
# the kernel's error-source entry (x64), as the Event ID 5 ErrorSourceTable also holds it
INIT_SOURCE = error_source_table.X64_ENTRY
assert INIT_SOURCE.size == 96  # then the 972-byte descriptor and 4 bytes of alignment padding


def _json(values: dict) -> dict:
    return {k: (ascii_text(v) if isinstance(v, (bytes, bytearray)) and k != "list_entry"
                else bytes(v).hex() if isinstance(v, (bytes, bytearray)) else v)
            for k, v in values.items() if not k.startswith("padding")}


def _set_summary(rec: DecodedRecord, text: str) -> None:
    rec.summary = f"WHEA event {rec.header.get('id_name')} ({rec.header.get('type_name')}): {text}"


def _fixed(entry_id: int):
    layout, template = FIXED[entry_id]

    def decode(rec: DecodedRecord, buf: bytes, start: int, end: int, node: FieldNode) -> dict:
        v, count = layout.decode(buf, start, end, node)
        out = _json(v)
        name = ENTRY_IDS.get(entry_id, hex(entry_id))
        if count < len(layout.fields):
            rec.add_finding(WARNING, f"{name} payload is {end - start} bytes; {layout.name} needs "
                                     f"{layout.size}: {count} of {len(layout.fields)} fields decoded",
                            start, end - start, "payload-truncated")
            _set_summary(rec, "payload truncated")
            return out
        if end - start > layout.size:
            extra = end - start - layout.size
            node.add(FieldNode("extra", "Bytes after the payload structure",
                               bytes(buf[start + layout.size:end]), f"{extra} bytes",
                               start + layout.size, extra, kind="bytes"))
            rec.add_finding(NOTE, f"{name} payload has {extra} byte(s) after the {layout.size}-byte "
                                  "structure", start + layout.size, extra, "payload-extra")
        for f in layout.fields:
            if f.enum is BOOL:
                out[f.name] = bool(out[f.name])
        shown = {k: ("yes" if x else "no") if isinstance(x, bool) else x for k, x in out.items()}
        shown["error_note"] = f"; error: {out['error']}" if out.get("error") else ""
        try:
            _set_summary(rec, template.format(**shown))
        except (KeyError, ValueError):
            _set_summary(rec, layout.name)
        return out
    return decode


for _id in FIXED:
    register_payload(_id)(_fixed(_id))


@register_payload(0x8000000C)
def add_remove_error_source(rec: DecodedRecord, buf: bytes, start: int, end: int,
                            node: FieldNode) -> dict:
    desc = error_source.decode_descriptor(buf, start, end, node, rec.add_finding,
                                          "AddRemoveErrorSource")
    out: dict = {"descriptor": desc}
    pos = start + error_source.DESCRIPTOR_SIZE
    tail = Layout("status", [NTSTATUS, _b("is_remove", "Is remove")])
    if pos < end:
        v, _ = tail.decode(buf, pos, end, node)
        out.update(v)
        if "is_remove" in out:
            out["is_remove"] = bool(out["is_remove"])
    if "is_remove" not in out:
        rec.add_finding(WARNING, f"AddRemoveErrorSource payload is {end - start} bytes "
                                 f"({error_source.DESCRIPTOR_SIZE + 5} expected)", start,
                        end - start, "payload-truncated")
    verb = "Removed" if out.get("is_remove") else "Added"
    status = f", status 0x{out['status']:08X}" if "status" in out else ""
    _set_summary(rec, f"{verb} {desc.get('type_name', 'an')} error source "
                      f"{desc.get('error_source_id', '?')}{status}")
    return out


@register_payload(0x80000002)
def whea_init(rec: DecodedRecord, buf: bytes, start: int, end: int, node: FieldNode) -> dict:
    size = end - start
    count, rest = divmod(size, PAYLOAD_SIZE_WHEAINIT)
    if rest:
        rec.add_finding(WARNING, f"WheaInit payload ({size} bytes) is not a whole number of "
                                 f"{PAYLOAD_SIZE_WHEAINIT}-byte error-source records; "
                                 f"{rest} byte(s) left over", start + count * PAYLOAD_SIZE_WHEAINIT,
                        rest, "payload-size")
    sources = []
    for i in range(count):
        off = start + i * PAYLOAD_SIZE_WHEAINIT
        snode = node.add(FieldNode(f"error_source_{i}", f"Error source {i}", None, "", off,
                                   PAYLOAD_SIZE_WHEAINIT, kind="struct"))
        v, _ = INIT_SOURCE.decode(buf, off, end, snode)
        desc = error_source.decode_descriptor(buf, off + INIT_SOURCE.size, end, snode,
                                              rec.add_finding, f"WheaInit error source {i}")
        pad = off + INIT_SOURCE.size + error_source.DESCRIPTOR_SIZE
        snode.add(FieldNode("padding", "Alignment padding", bytes(buf[pad:pad + 4]), "4 bytes", pad,
                            4, kind="bytes"))
        entry = _json(v)
        entry["type_name"] = error_source.SOURCE_TYPE.get(v["type"], "Unknown")
        entry["descriptor"] = desc
        snode.display = f"{entry['type_name']} (source {desc.get('error_source_id', '?')})"
        sources.append(entry)
    if rest:
        tail = start + count * PAYLOAD_SIZE_WHEAINIT
        node.add(FieldNode("leftover", "Left-over bytes", bytes(buf[tail:end]), f"{rest} bytes",
                           tail, rest, kind="bytes"))
    kinds = ", ".join(s["type_name"] for s in sources) or "none"
    declared = rec.header.get("payload_length")
    if isinstance(declared, int) and declared > size:  # the entry is cut short: not all are here
        total = -(-declared // PAYLOAD_SIZE_WHEAINIT)
        present = f"{count} of them present: {kinds}" if sources else "none of them present"
        _set_summary(rec, f"WHEA initialised; the entry is cut short: its payload length ({declared} bytes) "
                          f"makes {total} error source(s), {present}")
    else:
        _set_summary(rec, f"WHEA initialised with {count} error source(s): {kinds}")
    return {"error_sources": sources}


@register_payload(0x80000018)
def aer_not_granted(rec: DecodedRecord, buf: bytes, start: int, end: int, node: FieldNode) -> dict:
    # No payload is defined; called only when one is present anyway.
    rec.add_finding(NOTE, f"AerNotGrantedToOs has no defined payload but {end - start} byte(s) are "
                          "present", start, end - start, "payload-extra")
    return {"raw": bytes(buf[start:end]).hex()}



PAYLOAD_IDS = tuple(sorted(set(FIXED) | {0x8000000C, 0x80000002, 0x80000018}))
