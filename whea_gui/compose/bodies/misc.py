"""Firmware reference (§6.10), Arm RAS node (§6.18), and vendor sections (Ampere, NVIDIA)."""

from __future__ import annotations

import random
import struct

from ...formats.sections import arm_ras, firmware_reference, nvidia_event, vendor
from ._pack import pack, rand_guid, take


def pack_firmware(r: random.Random, severity: int, over: dict) -> bytes:
    rtype = take(over, "record_type", r.choice([0, 2]))
    v = {"record_type": rtype, "revision": 2,
         "record_guid": rand_guid(r) if rtype == 2 else None}
    v.update(over)
    return pack(firmware_reference.LONG, v)


def pack_arm_ras(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "syndromes", r.randrange(1, 3))
    corrected = severity in (2, 3)
    syn = b""
    for i in range(n):
        status = (1 << 30) | (1 << 26) | (int(not corrected) << 29) | (1 << 31) | r.getrandbits(16)
        syn += pack(arm_ras.DESCRIPTOR, {
            "error_record_index": i, "ras_extension_revision": 0x11, "err_fr": 0x0A5A,
            "err_ctlr": 0x10D, "err_status": status, "err_addr": r.getrandbits(40) & ~0x3F,
            "err_misc0": r.getrandbits(32)})
    core = r.randrange(0, 80)
    head = pack(arm_ras.NODE, {
        "revision": 1, "component_type": take(over, "component_type", 0),
        "error_syndrome_array_num_entries": n, "error_syndrome_array_offset": arm_ras.NODE.size,
        "auxiliary_data_offset": 0, "ip_instance_format": 0, "ip_type_format": 0,
        "ip_instance": 0x81000000 | (core // 4) << 8 | core % 4,  # MPIDR
        "ip_type": 0x413FD0C1,  # MIDR
        "user_data": b"core-ras", **over})
    return head + syn


def pack_ampere(r: random.Random, severity: int, over: dict) -> bytes:
    return pack(vendor.AMPERE, {"type_id": take(over, "type_id", r.randrange(0, 8)),
                                "subtype_id": take(over, "subtype_id", r.randrange(0, 16)),
                                "instance_id": take(over, "instance_id", r.randrange(0, 64))})


NVIDIA_SIGNATURES = ["DCC-COH", "CCPLEXSCF", "MCF", "PCIe", "GPU-ECC", "CMET-INFO"]


def pack_nvidia(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "register_count", r.randrange(1, 7))
    head = pack(vendor.NVIDIA_HEAD, {"signature": take(over, "signature", r.choice(NVIDIA_SIGNATURES)).encode(),
                         "error_type": r.randrange(0, 64), "error_instance": r.randrange(0, 16),
                         "severity": severity, "socket": take(over, "socket", r.randrange(0, 2)),
                         "register_count": n, "instance_base": 0x1_0000_0000 | r.getrandbits(20) << 12,
                         **over})
    return head + b"".join(pack(vendor.NVIDIA_REGISTER, {"address": 0x1_0000_0000 + 8 * i,
                                                          "value": r.getrandbits(64)})
                           for i in range(n))


# -- NVIDIA event (libcper "NvidiaEvent"; layout in formats/sections/nvidia_event.py) -------------------
NVIDIA_EVENT_XIDS = [(48, "An uncorrectable double bit error (DBE) has been detected on GPU"),
                     (63, "Row Remapper: New row marked for remapping, reset gpu to activate."),
                     (79, "GPU has fallen off the bus."), (94, "Contained ECC error.")]


def _event_context(ftype: int, data: bytes) -> bytes:
    """A context: 16-byte header, the data, zero padding to a 16-byte multiple (CtxSize includes it)."""
    size = (nvidia_event.CONTEXT_HEADER.size + len(data) + 15) & ~15
    head = pack(nvidia_event.CONTEXT_HEADER, {
        "context_size": size, "data_format_type": ftype,
        "data_format_version": 0x100 if ftype >= 0x8000 else 0, "data_size": len(data)})
    return (head + data).ljust(size, b"\0")


def pack_nvidia_event(r: random.Random, severity: int, over: dict) -> bytes:
    """A CPU event with key/value contexts, or a GPU event with an Xid and recommended actions."""
    gpu = take(over, "source_device_type", r.choice([0, 1])) == 1
    sig = take(over, "signature", r.choice(["GPU-MemSys", "GPU-Core"] if gpu else ["CPU-FAULT", "L2 RESET"]))
    if gpu:
        info = pack(nvidia_event.INFO_HEADER, {"info_version": 0x0100, "info_size": 16}) + pack(
            nvidia_event.GPU_INFO, {"event_originator": 2, "source_partition": r.randrange(0, 4),
                                    "source_sub_partition": r.randrange(0, 2), "pdi": r.getrandbits(64)})
        code, text = r.choice(NVIDIA_EVENT_XIDS)
        actions = pack(nvidia_event.RECOMMENDED_ACTIONS, {"recovery_action": r.randrange(0, 4)})
        contexts = [_event_context(0x8001, struct.pack("<I", code) + text.encode() + b"\0"),
                    _event_context(0x8002, actions)]
    else:
        cpu = {"socket": r.randrange(0, 2), "architecture": 0x00010141,
               **{f"ecid_{i}": r.getrandbits(32) for i in range(1, 5)},
               "instance_base": 0x0000FFFF00000000}
        info = (pack(nvidia_event.INFO_HEADER, {"info_version": 0x0000, "info_size": 32})
                + pack(nvidia_event.CPU_INFO, cpu))  # 3 + 29 = 32 bytes: contexts start aligned
        key_values, values = nvidia_event.ARRAY_FORMATS[1][0], nvidia_event.ARRAY_FORMATS[4][0]
        pairs = b"".join(pack(key_values, {"key": 0x1000 + 8 * i, "value": r.getrandbits(64)})
                         for i in range(2))
        contexts = [_event_context(1, pairs),
                    _event_context(4, b"".join(pack(values, {"value": i}) for i in range(4)))]
    head = pack(nvidia_event.HEADER, {
        "event_version": 1, "context_count": len(contexts), "source_device_type": 1 if gpu else 0,
        "event_type": take(over, "event_type", r.randrange(1, 0x300)),
        "event_subtype": r.randrange(0, 8),
        "link_id": r.getrandbits(64) if r.random() < 0.5 else 0, "signature": sig.encode()})
    return head + info + b"".join(contexts)
