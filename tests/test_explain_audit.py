"""The independent audit's findings on what the explanation says (AUDIT_REPORT F1-F10), each on
real bytes: a shared vector changed as the auditor changed it, or a record made by the builder.
Each test asserts the corrected sentence and the absence of the false one."""

from __future__ import annotations

from tests.vectorlib import VECTORS
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record


def _patched(rel: str, patches: dict[int, int]) -> bytes:
    data = bytearray((VECTORS / rel).read_bytes())
    for off, val in patches.items():
        data[off] = val
    return bytes(data)


def _all(e: dict) -> str:
    return " ".join([e["headline"], e["where"], e["detail"], e["severity_meaning"]]
                    + e["advice"] + e["caveats"])


def _explain(data: bytes) -> dict:
    rec = decode_record(data)
    assert not [x for x in rec.findings if x.code in ("internal", "decoder-failed")]
    return explain_record(rec)


# -- F5: AMD IOMMU event-log entries without a DeviceID name no device ------------------------
IOMMU = "libcper-examples/dmariommu.cper"  # event 0xA (event counter zero), threshold flag set


def _iommu(code: int) -> bytes:
    # byte 104: clear the Simulated header flag; byte 239 bits 7:4 = event code (bits 63:60)
    raw = (VECTORS / IOMMU).read_bytes()
    return _patched(IOMMU, {104: 0, 239: (raw[239] & 0x0F) | code << 4})


def test_iommu_command_buffer_events_name_no_device():
    for code in (5, 6):
        e = _explain(_iommu(code))
        text = _all(e)
        assert "requester" not in text and "be:0f.1" not in text.lower(), text
        assert "plan to replace or service the part" not in text
        assert e["location"] == [] or all(p["kind"] != "pci_address" for p in e["location"])
        assert f"IOMMU event 0x{code} names no device: the record identifies no part to replace" in text
        assert f"Event 0x{code} concerns the IOMMU's command buffer" in text
        assert "driver of the device doing DMA" not in text


def test_iommu_event_counter_zero_is_not_a_device_fault():
    e = _explain(_iommu(0xA))
    text = _all(e)
    assert "not a device fault" in e["detail"]
    assert "it is not a fault of a device, and no device needs attention" in text
    assert "be:0f.1" not in text.lower() and "replace" not in text.replace("no part to replace", "")


def test_iommu_device_events_still_name_the_requester():
    for code in (1, 2, 7):
        e = _explain(_iommu(code))
        assert "requester PCI device be:0f.1" in e["where"], e["where"]
        assert "plan to replace or service the part at requester PCI device be:0f.1" in _all(e)
