"""Small helpers shared by the body packers: layouts from (name, size) lists, address data."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from ...core import guids
from ...core.fields import Field, Layout


def layout(name: str, spec: Sequence[tuple[str, int]]) -> Layout:
    """A packing layout: integers for sizes 1/2/4/8, bytes otherwise (GUIDs are 16 bytes)."""
    return Layout(name, [Field(n, n, size, "int" if size in (1, 2, 4, 8) else "bytes")
                         for n, size in spec])


def pack(lay: Layout, values: Mapping[str, Any]) -> bytes:
    """Pack with the construct definition; fields not given are zero."""
    full = {}
    for f in lay.fields:
        v = values.get(f.name)
        if v is None:
            v = 0
        if isinstance(v, Mapping):  # a register as its JSON object: the whole number
            v = register_value(v)
        if f.fmt.endswith("s"):
            if isinstance(v, int):  # e.g. a 3-byte class code given as its number
                v = v.to_bytes(f.size, "little")
            if isinstance(v, str):
                v = guids.guid_bytes(v) if f.size == 16 and v.count("-") == 4 else v.encode("latin-1")
            v = bytes(v) if v else b""
            v = v[:f.size].ljust(f.size, b"\0")
        elif isinstance(v, (bytes, bytearray)):
            v = int.from_bytes(bytes(v)[:f.size].ljust(f.size, b"\0"), "little")
        full[f.name] = v
    return lay.pack(full)


def register_value(v: Any) -> int:
    """A register's number, given as it or as the decoder's JSON object for it (the number
    under "raw" or "value", beside its named bits)."""
    if isinstance(v, Mapping):
        v = v["raw"] if "raw" in v else v.get("value", 0)
    return v or 0


def pack_at(size: int, *parts: tuple[Layout, Mapping[str, Any]]) -> bytes:
    """Layouts packed one after another, zero-filled to ``size`` bytes."""
    out = b"".join(pack(lay, values) for lay, values in parts)
    assert len(out) <= size, (len(out), size)
    return out.ljust(size, b"\0")


def take(over: dict, name: str, default: Any) -> Any:
    return over.pop(name) if name in over else default


def rand_guid(r: random.Random) -> str:
    import uuid
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def dram_address(r: random.Random) -> int:
    """A physical DRAM address below 512 GiB, cache-line aligned, avoiding the PCI hole."""
    addr = r.randrange(0x1_0000_0000, 0x80_0000_0000) & ~0x3F
    return addr


ERROR_STATUS_MEM = 4
ERROR_STATUS_BUS = 16


def error_status(error_type: int, *, address=False, control=False, data=True,
                 responder=False, requester=False, first=False, overflow=False) -> int:
    """The 8-byte Generic Error Status (FORMAT.md §6.0)."""
    bits = [address, control, data, responder, requester, first, overflow]
    return (error_type << 8) | sum(1 << (16 + i) for i, b in enumerate(bits) if b)


def bdf(r: random.Random) -> dict:
    """A plausible PCIe location: segment 0, a root-port bus, device, function."""
    return {"segment": 0, "bus": r.choice([0x17, 0x3A, 0x5D, 0x85, 0xAE, 0xD7, 0x01, 0x02]),
            "device": r.randrange(0, 4), "function": 0}


PCI_DEVICES = [  # (vendor, device, class code, name)
    (0x8086, 0x2030, 0x060400, "Intel Sky Lake-E PCIe Root Port"),
    (0x144D, 0xA808, 0x010802, "Samsung NVMe SSD Controller"),
    (0x15B3, 0x1017, 0x020000, "Mellanox ConnectX-5"),
    (0x10DE, 0x20B0, 0x030200, "NVIDIA A100"),
    (0x8086, 0x1572, 0x020000, "Intel X710 10GbE"),
    (0x1022, 0x1483, 0x060400, "AMD Starship PCIe GPP Bridge"),
]
