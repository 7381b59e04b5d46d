"""NVIDIA event sections (libcper "NvidiaEvent"): every value against libcper's JSON, byte locations,
and hostile input (truncation at every byte, huge counts and sizes).

Deliberate differences from libcper (its JSON is still compared value by value where it has one):
  * EventContextCount is a CHAR8 that libcper sign-extends on x86-64, so 0x80-0xFF loop ~2^64 times
    (m31). We read it as the unsigned byte the format means and report the contexts that are missing.
  * libcper leaves out linkId when it is zero; we always give ``link_id``.
  * libcper drops the device info when the info major version is not the one it knows; we show those
    bytes raw with a warning (no values either way).
  * libcper counts array entries in a UINT8, so a context with 256+ entries wraps; we count them all.
  * libcper replaces a string with non-printable or unterminated bytes by ""; we show the printable
    text with \\x escapes for the rest.
  * libcper reads DataSize bytes even when they run past CtxSize into the next context; we clip the
    data to its context and report an error.
  * An InfoSize below 3 makes libcper start the contexts inside the info header; we report an error
    and start them after the 3-byte header.
"""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uefi_b_oracle import (
    VECTORS,
    Rule,
    build_record,
    check_located,
    decode_bad_body,
    libcper_sections,
    load_case,
    matches_libcper,
    section_body,
    section_findings,
)

from whea_gui.decode import decode_record
from whea_gui.formats.sections.nvidia_event import NVIDIA_EVENT_GUID


def hx(s: str) -> int:
    return int(s, 16)


_REV = ("libcper prints 'major.minor'; ours are two numbers, joined here")
RULES = [
    Rule(r"eventHeader\.signature", "signature"),
    Rule(r"eventHeader\.version", "event_version"),
    Rule(r"eventHeader\.sourceDeviceType", "source_device_type_name"),
    Rule(r"eventHeader\.type", "event_type", theirs=hx),
    Rule(r"eventHeader\.subtype", "event_subtype", theirs=hx),
    Rule(r"eventHeader\.linkId", "link_id", theirs=hx),
    Rule(r"eventInfo\.version", "info", mine=lambda i: f"{i['version_major']}.{i['version_minor']}",
         reason=_REV),
    Rule(r"eventInfo\.cpu\.SocketNum", "info.cpu.socket"),
    Rule(r"eventInfo\.cpu\.Architecture\.hidFam", "info.cpu.architecture.hid_family", theirs=hx),
    Rule(r"eventInfo\.cpu\.Architecture\.revision", "info.cpu.architecture",
         mine=lambda a: f"{a['major_revision']}.{a['minor_revision']}", reason=_REV),
    Rule(r"eventInfo\.cpu\.Architecture\.chipId", "info.cpu.architecture.chip_id", theirs=hx),
    Rule(r"eventInfo\.cpu\.Architecture\.preSiPlatform", "info.cpu.architecture.pre_silicon_platform",
         theirs=lambda s: s != "Silicon", mine=bool),
    Rule(r"eventInfo\.cpu\.Architecture\.errorInjection", "info.cpu.architecture.error_injection",
         theirs=bool, mine=bool),
    Rule(r"eventInfo\.cpu\.Ecid(\d)", lambda m: f"info.cpu.ecid[{int(m.group(1)) - 1}]", theirs=hx),
    Rule(r"eventInfo\.cpu\.InstanceBase", "info.cpu.instance_base", theirs=hx),
    Rule(r"eventInfo\.gpu\.EventOriginator", "info.gpu.event_originator_name"),
    Rule(r"eventInfo\.gpu\.SourcePartition", "info.gpu.source_partition"),
    Rule(r"eventInfo\.gpu\.SourceSubPartition", "info.gpu.source_sub_partition"),
    Rule(r"eventInfo\.gpu\.Pdi", "info.gpu.pdi_text"),
    Rule(r"eventContexts\[(\d+)\]\.version", r"contexts[\1].context_version"),
    Rule(r"eventContexts\[(\d+)\]\.dataFormatType", r"contexts[\1].data_format_type", theirs=hx),
    Rule(r"eventContexts\[(\d+)\]\.dataFormatVersion", r"contexts[\1].data_format_version"),
    Rule(r"eventContexts\[(\d+)\]\.dataSize", r"contexts[\1].data_size"),
    Rule(r"eventContexts\[(\d+)\]\.data\.type[12]\.keyValArray(?:64|32)\[(\d+)\]\.key(?:64|32)",
         r"contexts[\1].data.key_values[\2].key", theirs=hx),
    Rule(r"eventContexts\[(\d+)\]\.data\.type[12]\.keyValArray(?:64|32)\[(\d+)\]\.val(?:64|32)",
         r"contexts[\1].data.key_values[\2].value", theirs=hx),
    Rule(r"eventContexts\[(\d+)\]\.data\.type[34]\.valArray(?:64|32)\[(\d+)\]\.val(?:64|32)",
         r"contexts[\1].data.values[\2].value", theirs=hx),
    Rule(r"eventContexts\[(\d+)\]\.data\.opaque", r"contexts[\1].data.opaque", theirs=str.lower),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuInitMetadata\.(deviceName|firmwareVersion|"
         r"pfDriverMicrocodeVersion|pfDriverVersion|vfDriverVersion)",
         lambda m: f"contexts[{m.group(1)}].data.init_metadata.{_snake(m.group(2))}"),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuInitMetadata\.configuration",
         r"contexts[\1].data.init_metadata.configuration", theirs=hx),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuInitMetadata\.pdi", r"contexts[\1].data.init_metadata.pdi_text"),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuInitMetadata\.architectureId\.raw",
         r"contexts[\1].data.init_metadata.architecture_id", theirs=hx),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuInitMetadata\.architectureId\.architecture",
         r"contexts[\1].data.init_metadata.architecture_name"),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuInitMetadata\.hardwareInfoType",
         r"contexts[\1].data.init_metadata.hardware_info_type"),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuInitMetadata\.pciInfo\.(\w+)",
         lambda m: f"contexts[{m.group(1)}].data.init_metadata.pci_info."
                   f"{'class_code' if m.group(2) == 'class' else 'revision' if m.group(2) == 'rev' else _snake(m.group(2))}",
         theirs=hx),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuLegacyXid\.xidCode", r"contexts[\1].data.legacy_xid.xid_code"),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuLegacyXid\.message", r"contexts[\1].data.legacy_xid.message"),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuRecommendedActions\.flags",
         r"contexts[\1].data.recommended_actions.flags", theirs=hx),
    Rule(r"eventContexts\[(\d+)\]\.data\.gpuRecommendedActions\.(recoveryAction|diagnosticFlow)",
         lambda m: f"contexts[{m.group(1)}].data.recommended_actions.{_snake(m.group(2))}"),
]


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


CASES = libcper_sections("NvidiaEvent", ("nvidiaevent",),
                         ("nvidia_event_all_types", "nvidia_event_gpu_init", "nvidia_event_gpu_uce_ecc"))
M32 = "malformed/m32-nvidiaevent-context-count-0x7f.cper"


def _clean(rec) -> None:
    assert not [f for f in rec.findings if f.code in ("internal", "decoder-failed")]
    check_located(rec)


def test_oracle_cases_exist():
    assert len(CASES) >= 21 + 4


def _m32_case():
    rec = decode_record((VECTORS / M32).read_bytes())
    doc = json.loads((VECTORS / M32.replace(".cper", ".libcper.json")).read_text())
    return rec, rec.sections[0], doc["sections"][0]["NvidiaEvent"]


@pytest.mark.parametrize("rel,index", CASES + [(M32, 0)])
def test_matches_libcper(rel, index):
    rec, sec, oracle = _m32_case() if rel == M32 else load_case(rel, index, "NvidiaEvent")
    _clean(rec)
    result = matches_libcper(oracle, sec, rec, RULES)
    assert result.compared >= 10
    # the contexts libcper prints are all there, none more
    assert len(sec.fields["contexts"]) == len(oracle["eventContexts"])
    assert sec.summary.startswith("NVIDIA ") and sec.component in ("cpu", "gpu", "platform")


def test_all_types_example_to_the_byte():
    rec = decode_record((VECTORS / "libcper-examples/nvidia_event_all_types.cper").read_bytes())
    _clean(rec)
    sec = rec.sections[0]
    b = sec.values["offset"]
    assert b == 200 and sec.component == "cpu" and sec.location == {"socket": 2}
    assert sec.summary == "NVIDIA CPU event TEST-EVT (type 0x0100, subtype 0x0200) on socket 2"
    f = sec.fields
    assert f["context_count"] == 5 and len(f["contexts"]) == 5
    assert [c["offset"] for c in f["contexts"]] == [64, 112, 144, 176, 208]
    assert sec.body.find("event_header.signature").offset == b + 16
    assert sec.body.find("event_info.info_size").offset == b + 34
    assert sec.body.find("event_info.cpu.instance_base").offset == b + 35 + 21
    arch = sec.body.find("event_info.cpu.architecture")
    kids = {c.name: (c.value, c.offset, c.bit_offset) for c in arch.children}
    assert kids["chip_id"] == (0x11, b + 36 + 1, 0) and kids["pre_silicon_platform"][0] == 0x11
    entry = sec.body.find("contexts.context_0.data.entry_1.value")
    assert (entry.offset, entry.length, entry.value) == (b + 64 + 16 + 16 + 8, 8, 0xBBBBBBBBBBBBBBBB)
    opaque = sec.body.find("contexts.context_4.data")
    assert (opaque.offset, opaque.length) == (b + 208 + 16, 16)


def test_gpu_legacy_xid_and_init_metadata_locations():
    rec = decode_record((VECTORS / "libcper-examples/nvidia_event_gpu_init.cper").read_bytes())
    _clean(rec)
    sec = rec.sections[0]
    b = sec.values["offset"]
    meta = sec.fields["contexts"][0]["data"]["init_metadata"]
    assert meta["device_name"] == "NVIDIA B200" and meta["pci_info"]["device_id"] == 0x2920
    assert sec.location["gpu_model"] == "NVIDIA B200" and sec.component == "gpu"
    # contexts start after the 32-byte header and the 16-byte GPU info (InfoSize 16)
    ctx0 = b + 32 + 16
    assert sec.body.find("contexts.context_0.data.device_name").offset == ctx0 + 16
    pci = sec.body.find("contexts.context_0.data.hardware_info.device_id")
    assert pci.offset == ctx0 + 16 + 133 + 5 and pci.value == 0x2920
    rec = decode_record((VECTORS / "libcper-examples/nvidia_event_gpu_uce_ecc.cper").read_bytes())
    _clean(rec)
    sec = rec.sections[0]
    assert "xid" not in sec.location and "Xid 48" in sec.summary
    msg = sec.body.find("contexts.context_0.data.message")
    assert msg.offset == sec.values["offset"] + 48 + 16 + 4 and msg.length == 140


def _cpu_event(count: int, contexts: list[bytes]) -> bytes:
    head = struct.pack("<BBBBHHQ16s", 1, count, 0, 0, 0x6E, 0x7D, 0, b"HOSTILE")
    info = struct.pack("<HB", 0x0000, 32) + struct.pack("<BI4IQ", 1, 0, 1, 2, 3, 4, 5)
    return head + info + b"".join(contexts)


def _context(ftype: int, data: bytes, *, size: int | None = None, data_size: int | None = None) -> bytes:
    raw = 16 + len(data)
    size = (raw + 15) & ~15 if size is None else size
    ds = len(data) if data_size is None else data_size
    out = struct.pack("<IHHHHI", size, 0, 0, ftype, 0, ds) + data
    pad = size - len(out) if size <= 4096 else 0  # a hostile CtxSize is not padded out
    return out + bytes(max(0, pad))


def test_m31_count_0x80_is_bounded_and_reported():
    rec = decode_record((VECTORS / "malformed/m31-nvidiaevent-context-count-0x80.cper").read_bytes())
    _clean(rec)
    sec = rec.sections[0]
    assert sec.fields["context_count"] == 0x80 and len(sec.fields["contexts"]) == 5
    [err] = [f for f in section_findings(rec) if f.code == "count-exceeds-section"]
    assert err.level == "error" and err.offset == sec.values["offset"] + 1


def test_m30_section_of_16_bytes_is_an_error():
    rec = decode_record((VECTORS / "malformed/m30-nvidiaevent-section-length-16.cper").read_bytes())
    _clean(rec)
    assert any(f.code == "section-too-small" and f.level == "error" for f in rec.findings)
    assert "contexts" not in rec.sections[0].fields


@pytest.mark.parametrize("count", [0x7F, 0x80, 0xFF])
def test_huge_context_count_without_contexts(count):
    rec = decode_bad_body(NVIDIA_EVENT_GUID, _cpu_event(count, [_context(1, bytes(16))]))
    assert any(f.code == "count-exceeds-section" for f in rec.findings)
    assert len(rec.sections[0].fields["contexts"]) == 1


def test_context_sizes_that_cannot_be_walked():
    for bad in (0, 8, 15):
        body = _cpu_event(3, [_context(1, bytes(16), size=bad)[:32]])
        rec = decode_bad_body(NVIDIA_EVENT_GUID, body)
        assert any(f.code == "nvidia-event-context-size" and f.level == "error" for f in rec.findings)
    # CtxSize far beyond the section, DataSize far beyond CtxSize
    rec = decode_bad_body(NVIDIA_EVENT_GUID, _cpu_event(1, [_context(1, bytes(16), size=0xFFFFFFF0)]))
    assert any(f.code == "nvidia-event-context-size" for f in rec.findings)
    rec = decode_bad_body(NVIDIA_EVENT_GUID, _cpu_event(2, [_context(3, bytes(16), data_size=0xFFFFFFFF),
                                                            _context(4, bytes(16))]))
    assert any(f.code == "nvidia-event-data-size" and f.level == "error" for f in rec.findings)
    assert len(rec.sections[0].fields["contexts"]) == 2


def test_info_size_extremes():
    for info_size in (0, 2, 255):
        body = bytearray(_cpu_event(1, [_context(4, bytes(8))]))
        body[34] = info_size
        rec = decode_bad_body(NVIDIA_EVENT_GUID, bytes(body))
        assert any(f.code == "nvidia-event-info-size" for f in rec.findings)


def test_many_entries_are_all_in_json_and_the_tree_is_bounded():
    data = b"".join(struct.pack("<I", i) for i in range(5000))
    rec = decode_bad_body(NVIDIA_EVENT_GUID, _cpu_event(1, [_context(4, data)]))
    sec = rec.sections[0]
    values = sec.fields["contexts"][0]["data"]["values"]
    assert len(values) == 5000 and values[4999]["value"] == 4999
    assert sec.body.find("contexts.context_0.data.entry_4095") is not None
    assert sec.body.find("contexts.context_0.data.entry_4096") is None
    assert sec.body.find("contexts.context_0.data.more_entries").length == (5000 - 4096) * 4


@pytest.mark.parametrize("rel", ["libcper-examples/nvidia_event_all_types.cper",
                                 "libcper-examples/nvidia_event_gpu_init.cper",
                                 "libcper-examples/nvidia_event_gpu_uce_ecc.cper"])
def test_truncation_at_every_byte(rel):
    guid, body = section_body(rel)
    assert guid == NVIDIA_EVENT_GUID
    for cut in range(len(body)):
        # the section's own length says cut (a malformed section) ...
        rec = decode_bad_body(NVIDIA_EVENT_GUID, body[:cut])
        if cut:  # too short for the header, or a context (or the count) does not fit
            assert any(f.level == "error" for f in section_findings(rec)), cut
        # ... or it says the full length and the record is cut short
        rec = decode_bad_body(NVIDIA_EVENT_GUID, body[:cut], declared_length=len(body))


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=400), st.integers(0, 255))
def test_random_bodies_never_raise(tail, count):
    body = _cpu_event(count, []) + tail
    decode_bad_body(NVIDIA_EVENT_GUID, body)
    decode_bad_body(NVIDIA_EVENT_GUID, body, declared_length=len(body) + 64)


def test_one_record_around_builder_bytes():
    # the builder's own record shape with an event body: decodes cleanly
    rec = decode_record(build_record(NVIDIA_EVENT_GUID, _cpu_event(2, [_context(1, bytes(32)),
                                                                         _context(0, b"\x01" * 5)])))
    _clean(rec)
    assert not section_findings(rec)
    assert [c["data_format_type_name"] for c in rec.sections[0].fields["contexts"]] == [
        "Key/value pairs (64-bit)", "Opaque"]


def test_generated_events_decode_cleanly():
    from whea_gui.compose.generate import generate_records

    seen = set()
    for data in generate_records(["nvidia-event"], 24, seed=5):
        rec = decode_record(data)
        _clean(rec)
        sec = rec.sections[0]
        assert not section_findings(rec), [f.message for f in section_findings(rec)]
        seen.add(sec.component)
        if sec.component == "gpu":
            assert "xid" not in sec.location and "Xid" in sec.summary
            assert [c["data_format_type"] for c in sec.fields["contexts"]] == [0x8001, 0x8002]
        else:
            assert "socket" in sec.location
    assert seen == {"cpu", "gpu"}
