"""Memory sections: platform memory (§6.5), memory 2 (§6.6), FRU memory poison (§6.17)."""

from __future__ import annotations

import random

from ...formats.sections import fmp, memory
from ._pack import ERROR_STATUS_MEM, dram_address, error_status, pack, take

# Bodies are packed with the decoder's layouts (formats/sections/memory.py), under its names.
MEMORY_VALID = {"error_status": 0, "physical_address": 1, "physical_address_mask": 2, "node": 3,
                "card": 4, "module": 5, "bank": 6, "device": 7, "row": 8, "column": 9,
                "bit_position": 10, "requestor_id": 11, "responder_id": 12, "target_id": 13,
                "error_type": 14, "rank": 15, "card_handle": 16, "module_handle": 17}


def dimm(r: random.Random, over: dict) -> dict:
    """Where a memory error is: socket (node), channel (card), DIMM slot (module), rank..."""
    return {"node": take(over, "node", r.randrange(0, 2)), "card": take(over, "card", r.randrange(0, 8)),
            "module": take(over, "module", r.randrange(0, 2)),
            "rank": take(over, "rank", r.randrange(0, 2)),
            "bank": take(over, "bank", r.randrange(0, 16)), "device": take(over, "device", r.randrange(0, 18)),
            "row": take(over, "row", r.randrange(0, 0x10000)),
            "column": take(over, "column", r.randrange(0, 0x400) & ~7)}


def pack_memory(r: random.Random, severity: int, over: dict) -> bytes:
    corrected = severity in (2, 3)
    loc = dimm(r, over)
    v = {"error_status": error_status(ERROR_STATUS_MEM, data=True),
         "physical_address": take(over, "physical_address", dram_address(r)),
         "physical_address_mask": 0xFFFFFFFFFFFFFFC0,
         "error_type": take(over, "error_type", 2 if corrected else 3),
         "bit_position": r.randrange(0, 72) if corrected else None,
         "card_handle": 0x1000 + loc["node"], "module_handle": 0x1100 + loc["card"] * 2 + loc["module"],
         **loc}
    v.update(over)
    v["validation_bits"] = v.get("validation_bits", None) or _valid(v, MEMORY_VALID)
    return pack(memory.MEMORY, v)


def _valid(v: dict, bits: dict) -> int:
    return sum(1 << b for name, b in bits.items() if v.get(name) is not None)


MEMORY2_VALID = {"error_status": 0, "physical_address": 1, "physical_address_mask": 2, "node": 3,
                 "card": 4, "module": 5, "bank": 6, "device": 7, "row": 8, "column": 9, "rank": 10,
                 "bit_position": 11, "chip_id": 12, "error_type": 13, "status": 14,
                 "card_handle": 18, "module_handle": 19}


def pack_memory2(r: random.Random, severity: int, over: dict) -> bytes:
    corrected = severity in (2, 3)
    loc = dimm(r, over)
    loc["row"] = take(over, "row", r.randrange(0, 0x40000))
    v = {"error_status": error_status(ERROR_STATUS_MEM, data=True),
         "physical_address": take(over, "physical_address", dram_address(r)),
         "physical_address_mask": 0xFFFFFFFFFFFFFFC0, "bit_position": r.randrange(0, 72),
         "chip_id": r.randrange(0, 8), "error_type": 2 if corrected else 3,
         "status": 0 if corrected else 1, "card_handle": 0x1000 + loc["node"],
         "module_handle": 0x1100 + loc["card"] * 2 + loc["module"], **loc}
    v.update(over)
    v["validation_bits"] = v.get("validation_bits", None) or _valid(v, MEMORY2_VALID)
    return pack(memory.MEMORY2, v)


def pack_fmp(r: random.Random, severity: int, over: dict) -> bytes:
    n = take(over, "entries", r.randrange(1, 4))
    base = 1_700_000_000 + r.randrange(0, 50_000_000)
    body = bytearray(pack(fmp.HEAD, {"validation_bits": 0x3F, "fru_architecture_type": 0,
                                     "fru_architecture": 0x00A10F11, "fru_id_type": 0,
                                     "fru_id": take(over, "ppin", r.getrandbits(64)),
                                     "poison_list_entries": n}))
    for i in range(n):
        body += pack(fmp.DESCRIPTOR, {"timestamp": base + 3600 * i, "hw_id_type": 0,
                                      "hw_id": 0x1000_0096_0000_0000 | r.getrandbits(16),
                                      "address_type": 0, "address": dram_address(r)})
    # Σ bytes after the checksum + checksum ≡ 0 (mod 2^32), as Linux computes it
    total = sum(body[4:]) & 0xFFFFFFFF
    fmp.HEAD.write(body, "checksum", (-total) & 0xFFFFFFFF)
    return bytes(body)
