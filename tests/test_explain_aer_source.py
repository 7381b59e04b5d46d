"""A PCIe root port's AER Error Source Identification register names the function whose message
the port received (PCIe Base Spec: ERR_COR source ID in bits 15:0, ERR_FATAL/NONFATAL source ID
in bits 31:16, each current only while Root Error Status says that message was received). The
tree and JSON show the IDs as bus:device.function; the explanation names the sender only when
its "received" bit is set (audit 2, M7). Records are made with the project's builder."""

from __future__ import annotations

import random
import struct

from tests.explain_checks import check
from whea_gui.compose.bodies import catalog
from whea_gui.compose.layout import SectionPart, assemble, make_descriptor, make_header
from whea_gui.decode.explain import explain_record
from whea_gui.decode.record import decode_record

AER = 112  # the AER block in the PCIe section body (FORMAT.md §6.7)
ROOT_STATUS, SOURCE_ID = AER + 48, AER + 52


def _root_port(severity: int, root_status: int, source_id: int, port: int = 4,
               secondary: int = 1) -> bytes:
    kind = catalog.find("pcie")
    body = bytearray(kind.pack(random.Random(5), severity, {"port_type": port}))
    body[0:8] = struct.pack("<Q", 0xFF)  # port type .. AER valid
    # device ID (FORMAT.md §6.7): function @7, device @8, segment @9, primary bus @11,
    # secondary bus @12: the port is 0000:00:1b.0 with the link to `secondary` below it
    body[24 + 7:24 + 13] = bytes((0, 0x1B, 0, 0, 0, secondary))
    struct.pack_into("<II", body, ROOT_STATUS, root_status, source_id)
    part = SectionPart(make_descriptor(kind.guid, severity=severity), bytes(body))
    return assemble(make_header(severity=severity), [part])


def _explained(data: bytes) -> tuple[object, dict, str]:
    rec = decode_record(data)
    e = explain_record(rec)
    check(rec, e, None, "root port")
    return rec, e, " ".join(s["text"] for s in e["statements"])


def test_received_err_cor_names_the_sender_in_tree_json_and_explanation():
    rec, e, text = _explained(_root_port(2, root_status=0x1, source_id=0x0100))
    sec = rec.sections[0]
    source = sec.fields["aer_info"]["error_source_id"]
    assert source["err_cor_source_identification"] == 0x0100  # the old key, unchanged
    assert source["err_cor_source_bdf"] == "01:00.0"
    node = sec.body.find("aer_info.error_source_id")
    assert node.display == "0x00000100 (ERR_COR source 01:00.0)"
    assert node.find("err_cor_source_identification").display == "01:00.0 (0x0100)"
    assert ("its Error Source Identification register says it received the ERR_COR message from "
            "0000:01:00.0; it is on the link below the port, secondary bus 1 (0x01)") in text
    assert "The record does not name the device" not in text
    said = next(s for s in e["statements"] if "Error Source Identification" in s["text"])
    assert "section_0.aer_info.error_source_id.err_cor_source_identification" in said["cites"]
    assert "section_0.aer_info.root_error_status.err_cor_received" in said["cites"]


def test_an_id_whose_received_bit_is_clear_is_stale_and_not_used():
    # ERR_FATAL/NONFATAL received (bit 2) with its ID 0x0200; the ERR_COR ID 0x0100 is left over
    rec, e, text = _explained(_root_port(1, root_status=0x4, source_id=0x0200_0100))
    source = rec.sections[0].fields["aer_info"]["error_source_id"]
    # the JSON address of the left-over ID is null (audit 3, N6): a consumer reading the key must
    # not take a sender the port did not receive from; the raw register value stays
    assert source["err_fatal_nonfatal_source_bdf"] == "02:00.0" and source["err_cor_source_bdf"] is None
    assert source["err_cor_source_identification"] == 0x0100
    node = rec.sections[0].body.find("aer_info.error_source_id")
    assert "ERR_COR source 01:00.0, not current: ERR_COR received is clear" in node.display
    assert "the ERR_FATAL/NONFATAL message from 0000:02:00.0" in text
    assert "0000:01:00.0" not in text
    # bus 2 is not the secondary bus 1
    assert "the link below the port is secondary bus 1 (0x01), so a sender on a higher bus" in text


def test_no_message_received_keeps_the_link_advice():
    rec, _e, text = _explained(_root_port(2, root_status=0, source_id=0x0100))
    source = rec.sections[0].fields["aer_info"]["error_source_id"]
    assert source["err_cor_source_bdf"] is None and source["err_fatal_nonfatal_source_bdf"] is None
    assert "Error Source Identification" not in text and "01:00.0" not in text
    assert "The record does not name the device on that bus" in text


def test_the_port_naming_itself_is_not_a_device_below():
    _rec, _e, text = _explained(_root_port(2, root_status=0x1, source_id=0x00D8))  # 00:1b.0
    assert "names the port itself as the sender" in text
    assert "The record does not name the device on that bus" in text


def test_an_endpoint_never_reads_the_root_registers():
    _rec, e, text = _explained(_root_port(2, root_status=0x1, source_id=0x0100, port=0))
    assert "Error Source Identification" not in text


def test_a_sender_on_a_bus_lower_than_the_secondary_bus_is_not_below_the_port():
    # audit 6, A6-5: secondary bus 0x3C, ERR_COR received from 00:02.0 (bus 0, the port's own
    # primary bus): it was "further below it, behind a switch. Reseat that device"
    rec, e, text = _explained(_root_port(2, root_status=0x1, source_id=0x0010, secondary=0x3C))
    assert "behind a switch" not in text and "Reseat that device" not in text, text
    assert ("names 0000:00:02.0 for the ERR_COR message, on a bus lower than the port's secondary bus: "
            "no device there is below this port") in text
    assert "The record does not name the device on that bus" in text
    # a higher bus is still below the port
    rec, e, text = _explained(_root_port(2, root_status=0x1, source_id=0x3E09, secondary=0x3C))
    assert "so a sender on a higher bus sits further below it, behind a switch" in text
