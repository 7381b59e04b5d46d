"""PCI Express error section (§6.7): libcper oracle, register decoding, RCRB form, summaries, bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uefi_b_oracle import (
    Rule,
    b64,
    body_bytes,
    build_record,
    check_located,
    compare_with_libcper,
    libcper_sections,
    load_case,
    section_body,
    section_findings,
)

from whea_gui.compose.bodies.io import pcie_body as build_pcie_body
from whea_gui.decode import decode_record
from whea_gui.formats.sections.pcie import PCIE_GUID

# libcper register-field names that differ from ours (ours follow the PCIe spec register names)
_CAP_NAMES = {
    "function_level_reset_capability_supported": "function_level_reset_capability",
    "relaxed_ordering_enable": "enable_relaxed_ordering",
    "unsupported_request_reporting_enabled": "unsupported_request_reporting_enable",
    "_128_bit_cas_completer_supported": "cas_128_bit_completer_supported",
    "_32_bit_atomicop_completer_supported": "atomicop_32_bit_completer_supported",
    "_64_bit_atomicop_completer_supported": "atomicop_64_bit_completer_supported",
    "bit_tag_requester_10_enable": "ten_bit_tag_requester_enable",
}
_DEV_ID = {"vendorID": "vendor_id", "deviceID": "device_id", "classCode": "class_code",
           "functionNumber": "function", "deviceNumber": "device", "segmentNumber": "segment",
           "primaryOrDeviceBusNumber": "primary_bus", "secondaryBusNumber": "secondary_bus",
           "slotNumber": "slot"}


def _cap(m) -> str:
    return f"capability_structure.{m.group(1)}.{_CAP_NAMES.get(m.group(2), m.group(2))}"


def raw_bits(body_offset: int, size: int, shift: int, width: int):
    """A tree fallback: bits of the little-endian integer at a body offset (what libcper read)."""
    def get(sec, rec, _m):
        start = sec.body.offset + body_offset
        return int.from_bytes(rec.data[start:start + size], "little") >> shift & ((1 << width) - 1)
    return get


# libcper's link_capabilities2_t puts a union after a 1-bit field inside a packed struct, so the union
# starts at byte 1 and the struct is 8 bytes: it reads Link Capabilities 2 from the wrong bits and the
# registers after it 4 bytes late. Its values are checked against those bytes (ours follow the spec).
_CAP = 52  # capability structure offset in the section body
_LIBCPER_LC2 = {  # name: (body offset, size, shift, width)
    "supported_link_speeds": (_CAP + 45, 1, 0, 7), "crosslink_supported": (_CAP + 49, 4, 0, 1),
    "lower_skp_os_generation_supported": (_CAP + 49, 4, 1, 7),
    "lower_skp_os_reception_supported": (_CAP + 49, 4, 8, 7),
    "retimer_presence_detect_supported": (_CAP + 49, 4, 15, 1),
    "two_retimers_presence_detect_supported": (_CAP + 49, 4, 16, 1), "drs_supported": (_CAP + 49, 4, 23, 1),
}
_LC2_BITS = {"target_link_speed": (0, 4), "enter_compliance": (4, 1), "hardware_autonomous_speed_disable": (5, 1),
             "selectable_de_emphasis": (6, 1), "transmit_margin": (7, 3), "enter_modified_compliance": (10, 1),
             "compliance_sos": (11, 1), "compliance_preset_de_emphasis": (12, 4)}
_LS2_BITS = {"current_de_emphasis_level": (0, 1), "equalization_8gts_complete": (1, 1),
             "equalization_8gts_phase1_successful": (2, 1), "equalization_8gts_phase2_successful": (3, 1),
             "equalization_8gts_phase3_successful": (4, 1), "link_equalization_request_8gts": (5, 1),
             "retimer_presence_detected": (6, 1), "two_retimers_presence_detected": (7, 1),
             "crosslink_resolution": (8, 2), "flit_mode_status": (10, 1),
             "downstream_component_presence": (12, 3), "drs_message_received": (15, 1)}
_LIBCPER_SHIFTED = "libcper reads this register 4 bytes late (its Link Capabilities 2 struct is 8 bytes)"
# 2-bit fields that libcper prints as Supported/NotSupported: "Supported" for any non-zero value
_TWO_BIT_WORDS = ("device_capabilities.phantom_functions_supported", "device_capabilities2.obff_supported",
                  "device_capabilities2.tph_completer_supported",
                  "device_capabilities2.emergency_power_reduction_supported")

PCIE_RULES = [
    Rule(r"portType\.value", "port_type"),
    Rule(r"portType\.name", None, reason="port type names are worded differently; values compared"),
    Rule(r"version\.(minor|major)", r"version.\1"),
    Rule(r"commandStatus\.commandRegister", "command_status.command"),
    Rule(r"commandStatus\.statusRegister", "command_status.status"),
    Rule(r"deviceID\.(segmentNumber|slotNumber)_Hex", None,
         reason="libcper formats the 16-bit segment and 13-bit slot with its 8-bit hex helper (truncated)"),
    *[Rule(rf"deviceID\.{k}_Hex", f"device_id.{v}", theirs=lambda s: int(s, 16))
      for k, v in _DEV_ID.items() if k not in ("segmentNumber", "slotNumber")],
    *[Rule(rf"deviceID\.{k}", f"device_id.{v}") for k, v in _DEV_ID.items()],
    Rule(r"deviceID\.class", None, reason="class-code name text (the code itself is compared)"),
    Rule(r"deviceSerialNumber", "device_serial_number"),
    Rule(r"bridgeControlStatus\.secondaryStatusRegister", "bridge_control_status.secondary_status"),
    Rule(r"bridgeControlStatus\.controlRegister", "bridge_control_status.bridge_control"),
    Rule(r"capabilityStructure\.data", None, theirs=b64, fallback=body_bytes(52, 60),
         reason="raw 60 bytes"),
    Rule(r"aerInfo\.data", None, theirs=b64, fallback=body_bytes(112, 96), reason="raw 96 bytes"),
    Rule(r"capabilityStructure\.pcie_capabilities\.device_port_type\.value", None,
         reason="libcper looks the name up by position in a 9-entry table, so 4-10 get the wrong name "
                "(the raw value is compared)"),
    Rule(r"capabilityStructure\.device_status\.emergency_power_reduction", None,
         reason="libcper reads 2 bits (6-7); the PCIe spec defines bit 6 only (bit 7 reserved)"),
    *[Rule(rf"capabilityStructure\.link_capabilities2\.{k}", None, fallback=raw_bits(*v),
           reason="libcper link_capabilities2_t layout bug (union starts at byte 1)")
      for k, v in _LIBCPER_LC2.items()],
    *[Rule(rf"capabilityStructure\.link_control2\.{k}(?:\.raw)?", None,
           fallback=raw_bits(_CAP + 52, 2, *v), reason=_LIBCPER_SHIFTED) for k, v in _LC2_BITS.items()],
    *[Rule(rf"capabilityStructure\.link_status2\.{k}", None,
           fallback=raw_bits(_CAP + 54, 2, *v), reason=_LIBCPER_SHIFTED) for k, v in _LS2_BITS.items()],
    *[Rule(rf"capabilityStructure\.{k.replace('.', chr(92) + '.')}", f"capability_structure.{k}",
           mine=lambda v: int(v != 0)) for k in _TWO_BIT_WORDS],
    Rule(r"aerInfo\.root_error_status\.advanced_error_interrupt_message_number", None,
         fallback=raw_bits(112 + 48, 4, 25, 5),
         reason="libcper declares the reserved field as 16 bits for bits 9-26, so it reads bits 25-29 "
                "instead of 27-31"),
    Rule(r"capabilityStructure\.slot_control\.rsvdp", "capability_structure.slot_control.value",
         mine=lambda raw: raw >> 15 & 1),
    Rule(r"capabilityStructure\.(\w+)\.(\w+)(?:\.raw)?", _cap),
    Rule(r"aerInfo\.(uncorrectable_error_(?:status|mask|severity)|correctable_error_(?:status|mask))"
         r"\.(\w+?)(?:_status|_mask|_severity)?", r"aer_info.\1.\2"),
    Rule(r"aerInfo\.(\w+)\.(\w+)", r"aer_info.\1.\2"),
]


CASES = libcper_sections("Pcie", ("pcie",), ("pcie",))


def test_oracle_cases_exist():
    assert len(CASES) >= 23  # 21 generated + the example + multi-section records


@pytest.mark.parametrize("rel,index", CASES)
def test_pcie_matches_libcper(rel, index):
    rec, sec, oracle = load_case(rel, index, "Pcie")
    result = compare_with_libcper(oracle, sec, rec, PCIE_RULES)
    assert not result.unmapped, result.unmapped
    assert not result.mismatches, result.mismatches
    assert result.compared > 0
    check_located(rec)


# -- bodies built here ------------------------------------------------------------------------------
def pcie_body(valid: int, *, port_type=4, version=0x0310, command=0x0547, status=0x0010, rcrb_high=0,
              vendor=0x8086, device=0x2030, class_code=0x060400, function=0, dev=0, segment=0, bus=0x3B,
              secondary=0x3C, slot=5, serial=0x1122334455667788, bridge=0, cap=None, aer=None) -> bytes:
    """Packed by the builder with the decoder's layouts, from the JSON names."""
    body = build_pcie_body({
        "validation_bits": valid, "port_type": port_type, "version": version,
        "command_status": status << 16 | command, "rcrb_high_address": rcrb_high,
        "device_id": {"vendor_id": vendor, "device_id": device, "class_code": class_code,
                      "function": function, "device": dev, "segment": segment, "primary_bus": bus,
                      "secondary_bus": secondary, "slot": slot},
        "device_serial_number": serial, "bridge_control_status": bridge,
        "capability_structure": cap, "aer_info": aer})
    assert len(body) == 208
    return body


def aer_block(uncorrectable=0, unc_mask=0, severity=0, correctable=0, first_error=0, root_status=0,
              source_ids=0) -> dict:
    return {"capability_header": 0x14820001, "uncorrectable_error_status": uncorrectable,
            "uncorrectable_error_mask": unc_mask, "uncorrectable_error_severity": severity,
            "correctable_error_status": correctable,
            "advanced_error_capabilities_and_control": first_error,
            "root_error_status": root_status, "error_source_id": source_ids}


def _decode(body: bytes, **kw):
    rec = decode_record(build_record(PCIE_GUID, body, **kw))
    check_located(rec)
    return rec, rec.sections[0]


def test_summary_and_location_for_an_uncorrectable_aer_error():
    body = pcie_body(0b1000_1011, aer=aer_block(uncorrectable=1 << 14 | 1 << 20, severity=1 << 14,
                                                first_error=14))
    rec, sec = _decode(body, severity=1)
    assert sec.summary == ("PCIe uncorrectable error at 0000:3B:00.0 (vendor 0x8086 device 0x2030): "
                           "Completion Timeout, Unsupported Request Error")
    assert sec.component == "pcie"
    assert sec.location == {"segment": 0, "bus": 0x3B, "device": 0, "function": 0,
                            "vendor_id": 0x8086, "device_id": 0x2030}
    f = sec.fields
    assert f["port_type"] == 4 and f["port_type_name"] == "Root port"
    assert f["version"] == {"value": 0x0310, "major": 3, "minor": 10}
    assert f["device_id"]["class_code"] == 0x060400 and f["device_id"]["slot"] == 5
    assert f["device_id"]["secondary_bus"] == 0x3C
    unc = f["aer_info"]["uncorrectable_error_status"]
    assert unc["completion_timeout"] is True and unc["unsupported_request_error"] is True
    assert unc["value"] == 1 << 14 | 1 << 20
    assert f["aer_info"]["uncorrectable_error_severity"]["completion_timeout"] is True
    assert f["aer_info"]["advanced_error_capabilities_and_control"]["first_error_pointer"] == 14
    assert f["command_status"] is None and f["device_serial_number"] is None  # bits 2 and 4 clear
    # the invalid serial number is still in the tree, marked invalid
    node = sec.body.find("device_serial_number")
    assert node.value == 0x1122334455667788 and node.valid is False


def test_first_error_pointer_orders_the_names():
    body = pcie_body(0b1000_1001, aer=aer_block(uncorrectable=1 << 14 | 1 << 20, first_error=20))
    _rec, sec = _decode(body)
    assert sec.summary.endswith(": Unsupported Request Error, Completion Timeout")


def test_correctable_errors_named_when_no_uncorrectable_bit_is_set():
    body = pcie_body(0b1000_1001, aer=aer_block(correctable=1 << 6 | 1 << 0))
    _rec, sec = _decode(body)
    assert sec.summary == ("PCIe correctable error at 0000:3B:00.0 (vendor 0x8086 device 0x2030): "
                           "Receiver Error, Bad TLP")


def test_register_fields_follow_the_pcie_spec_bit_positions():
    cap = {"pcie_capability_header": 0x10 | 0x48 << 8,  # capability ID 0x10, next 0x48
           "pcie_capabilities": 0x2 | 4 << 4 | 1 << 8,  # version 2, root port, slot implemented
           "link_capabilities2": 0b0011110 << 1 | 1 << 8 | 1 << 31,
           "link_control2": 4 | 1 << 5,  # target 16 GT/s, HASD
           "link_status2": 1 << 1 | 3 << 12 | 1 << 15}
    aer = aer_block(root_status=0b101 | 21 << 27, source_ids=0x3B00 | 0x0100 << 16)
    body = pcie_body(0b1100_0001, cap=cap, aer=aer)
    assert body[52 + 44:52 + 48] == (0b0011110 << 1 | 1 << 8 | 1 << 31).to_bytes(4, "little")
    rec, sec = _decode(body)
    c = sec.fields["capability_structure"]
    assert c["pcie_capability_header"] == {"value": 0x4810, "capability_id": 0x10,
                                           "next_capability_pointer": 0x48}
    assert c["pcie_capabilities"]["device_port_type"] == 4 and c["pcie_capabilities"]["slot_implemented"]
    lc2 = c["link_capabilities2"]
    assert lc2["supported_link_speeds"] == 0b0011110 and lc2["crosslink_supported"] and lc2["drs_supported"]
    assert c["link_control2"]["target_link_speed"] == 4
    assert c["link_control2"]["hardware_autonomous_speed_disable"] is True
    ls2 = c["link_status2"]
    assert ls2["equalization_8gts_complete"] and ls2["downstream_component_presence"] == 3
    assert ls2["drs_message_received"] and not ls2["current_de_emphasis_level"]
    a = sec.fields["aer_info"]
    assert a["root_error_status"]["advanced_error_interrupt_message_number"] == 21
    assert a["root_error_status"]["err_cor_received"] and a["root_error_status"]["err_fatal_nonfatal_received"]
    assert a["error_source_id"]["err_cor_source_identification"] == 0x3B00
    assert a["error_source_id"]["err_fatal_nonfatal_source_identification"] == 0x0100
    assert a["capability_header"]["capability_id"] == 1
    # the bit nodes sit on the right bytes: bit 27 of the root error status dword is byte 3, bit 3
    root = sec.body.find("aer_info.root_error_status")
    msg = next(n for n in root.children if n.name == "advanced_error_interrupt_message_number")
    assert (msg.offset, msg.length, msg.bit_offset, msg.bit_width) == (root.offset + 3, 1, 3, 5)
    assert not [f for f in section_findings(rec) if "capability ID" in f.message]


def test_rcrb_form_of_the_device_id():
    body = bytearray(pcie_body(1 << 8 | 1 << 9 | 1, rcrb_high=0x1))
    body[24 + 7:24 + 11] = (0xFED1C000).to_bytes(4, "little")  # RCRB low dword replaces fn/dev/segment
    rec, sec = _decode(bytes(body))
    d = sec.fields["device_id"]
    assert d["rcrb_low_address"] == 0xFED1C000 and d["rcrb_base_address"] == 0x1_FED1C000
    assert "function" not in d and sec.fields["rcrb_high_address"] == 1
    assert sec.location["rcrb_base_address"] == 0x1_FED1C000
    assert "at RCRB 0x1FED1C000" in sec.summary
    assert not [f for f in section_findings(rec) if f.code == "valid-bits-conflict"]


def test_device_id_bits_3_and_8_together_are_flagged():
    rec, sec = _decode(pcie_body(1 << 8 | 1 << 3))
    found = [f for f in section_findings(rec) if f.code == "valid-bits-conflict"]
    assert found and found[0].offset == 200 and found[0].length == 8
    assert sec.fields["device_id"]["function"] == 0  # bit 3 wins: the classic layout


def test_short_section_is_an_error_and_decodes_what_fits():
    body = pcie_body(0xFF, aer=aer_block(uncorrectable=1 << 14))[:130]
    rec, sec = _decode(body)
    errs = [f for f in section_findings(rec) if f.code == "section-too-small"]
    assert errs and errs[0].level == "error" and (errs[0].offset, errs[0].length) == (200, 130)
    aer = sec.body.find("aer_info")
    assert aer.length == 18 and sec.fields["aer_info"]["uncorrectable_error_status"]["value"] == 1 << 14
    assert "uncorrectable_error_severity" in sec.fields["aer_info"]  # AER +12..+16 = body 124..128
    assert "correctable_error_status" not in sec.fields["aer_info"]  # AER +16..+20 crosses the end
    assert sec.summary.endswith(": Completion Timeout")
    assert sec.fields["capability_structure"]


def test_unknown_port_type_warns():
    rec, _sec = _decode(pcie_body(1, port_type=3))
    assert [f.code for f in section_findings(rec)] == ["pcie-port-type"]


def test_real_record_bytes_are_kept_in_the_vector_case():
    _guid, body = section_body("libcper-examples/pcie.cper")
    assert len(body) == 208


BASE = pcie_body(0x3FF, aer=aer_block(uncorrectable=1 << 14))


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(0, 240), flips=st.lists(st.tuples(st.integers(0, 207), st.integers(0, 255)),
                                                max_size=6),
       valid=st.integers(0, 2**64 - 1), full_declared=st.booleans())
def test_truncated_and_mutated_bodies_never_raise(cut, flips, valid, full_declared):
    from uefi_b_oracle import decode_bad_body, mutate
    body = mutate(BASE + bytes(32), cut, flips, [(0, 8, valid)])
    decode_bad_body(PCIE_GUID, body, declared_length=240 if full_declared and body else None)
