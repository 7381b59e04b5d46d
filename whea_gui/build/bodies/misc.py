"""Firmware reference (§6.10), Arm RAS node (§6.18), and vendor sections (Ampere, NVIDIA)."""

from __future__ import annotations

import random
import struct

from ._pack import layout, pack, rand_guid, take

FIRMWARE = layout("firmware_reference", [
    ("record_type", 1), ("revision", 1), ("reserved", 6), ("record_id", 8), ("record_guid", 16)])


def pack_firmware(r: random.Random, severity: int, over: dict) -> bytes:
    rtype = take(over, "record_type", r.choice([0, 2]))
    v = {"record_type": rtype, "revision": 2,
         "record_guid": rand_guid(r) if rtype == 2 else None}
    v.update(over)
    return pack(FIRMWARE, v)


ARM_RAS = layout("arm_ras_node", [
    ("revision", 4), ("component_type", 1), ("reserved1", 3), ("syndrome_count", 4),
    ("syndrome_offset", 2), ("aux_offset", 2), ("ip_instance_format", 1), ("ip_type_format", 1),
    ("reserved2", 6), ("ip_instance", 16), ("ip_type", 24), ("user_data", 16)])


def pack_arm_ras(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "syndromes", r.randrange(1, 3))
    corrected = severity in (2, 3)
    syn = b""
    for i in range(n):
        status = (1 << 30) | (1 << 26) | (int(not corrected) << 29) | (1 << 31) | r.getrandbits(16)
        syn += struct.pack("<IB3s8Q", i, 0x11, b"", 0x0A5A, 0x10D, status,
                           r.getrandbits(40) & ~0x3F, r.getrandbits(32), 0, 0, 0)
    core = r.randrange(0, 80)
    head = pack(ARM_RAS, {"revision": 1, "component_type": take(over, "component_type", 0),
                          "syndrome_count": n, "syndrome_offset": ARM_RAS.size, "aux_offset": 0,
                          "ip_instance_format": 0, "ip_type_format": 0,
                          "ip_instance": struct.pack("<QQ", 0x81000000 | (core // 4) << 8 | core % 4, 0),
                          "ip_type": struct.pack("<QQQ", 0x413FD0C1, 0, 0),
                          "user_data": b"core-ras", **over})
    return head + syn


def pack_ampere(r: random.Random, severity: int, over: dict) -> bytes:
    return struct.pack("<HHI", take(over, "type_id", r.randrange(0, 8)),
                       take(over, "subtype_id", r.randrange(0, 16)),
                       take(over, "instance_id", r.randrange(0, 64)))


NVIDIA = layout("nvidia", [
    ("signature", 16), ("error_type", 2), ("error_instance", 2), ("severity", 1), ("socket", 1),
    ("register_count", 1), ("reserved", 1), ("instance_base", 8)])
NVIDIA_SIGNATURES = ["DCC-COH", "CCPLEXSCF", "MCF", "PCIe", "GPU-ECC", "CMET-INFO"]


def pack_nvidia(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "register_count", r.randrange(1, 7))
    head = pack(NVIDIA, {"signature": take(over, "signature", r.choice(NVIDIA_SIGNATURES)).encode(),
                         "error_type": r.randrange(0, 64), "error_instance": r.randrange(0, 16),
                         "severity": severity, "socket": take(over, "socket", r.randrange(0, 2)),
                         "register_count": n, "instance_base": 0x1_0000_0000 | r.getrandbits(20) << 12,
                         **over})
    return head + b"".join(struct.pack("<QQ", 0x1_0000_0000 + 8 * i, r.getrandbits(64)) for i in range(n))


# -- NVIDIA event (libcper "NvidiaEvent"; layout in formats/sections/nvidia_event.py) -------------------
NVIDIA_EVENT_XIDS = [(48, "An uncorrectable double bit error (DBE) has been detected on GPU"),
                     (63, "Row Remapper: New row marked for remapping, reset gpu to activate."),
                     (79, "GPU has fallen off the bus."), (94, "Contained ECC error.")]


def _event_context(ftype: int, data: bytes) -> bytes:
    """A context: 16-byte header, the data, zero padding to a 16-byte multiple (CtxSize includes it)."""
    size = (16 + len(data) + 15) & ~15
    head = struct.pack("<IHHHHI", size, 0, 0, ftype, 0x100 if ftype >= 0x8000 else 0, len(data))
    return (head + data).ljust(size, b"\0")


def pack_nvidia_event(r: random.Random, severity: int, over: dict) -> bytes:
    """A CPU event with key/value contexts, or a GPU event with an Xid and recommended actions."""
    gpu = take(over, "source_device_type", r.choice([0, 1])) == 1
    sig = take(over, "signature", r.choice(["GPU-MemSys", "GPU-Core"] if gpu else ["CPU-FAULT", "L2 RESET"]))
    if gpu:
        info = struct.pack("<HB", 0x0100, 16) + struct.pack("<BHHQ", 2, r.randrange(0, 4),
                                                             r.randrange(0, 2), r.getrandbits(64))
        code, text = r.choice(NVIDIA_EVENT_XIDS)
        contexts = [_event_context(0x8001, struct.pack("<I", code) + text.encode() + b"\0"),
                    _event_context(0x8002, struct.pack("<B3xHHQ", 0, r.randrange(0, 4), 0, 0))]
    else:
        info = struct.pack("<HB", 0x0000, 32) + struct.pack(
            "<BI4IQ", r.randrange(0, 2), 0x00010141, *(r.getrandbits(32) for _ in range(4)),
            0x0000FFFF00000000)  # 3 + 29 = 32 bytes: the contexts start 16-byte aligned
        pairs = b"".join(struct.pack("<QQ", 0x1000 + 8 * i, r.getrandbits(64)) for i in range(2))
        contexts = [_event_context(1, pairs), _event_context(4, struct.pack("<4I", *range(4)))]
    head = struct.pack("<BBBBHHQ16s", 1, len(contexts), 1 if gpu else 0, 0,
                       take(over, "event_type", r.randrange(1, 0x300)), r.randrange(0, 8),
                       r.getrandbits(64) if r.random() < 0.5 else 0, sig.encode())
    return head + info + b"".join(contexts)
