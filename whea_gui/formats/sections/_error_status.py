"""Generic Error Status (FORMAT.md §6.0): the 8-byte status in memory, memory-2 and PCI sections."""

from __future__ import annotations

from typing import Any

from ...core.fields import Bits, Field, hexint, make_node

# UEFI "Error Types" (WDK ERRTYP_*): (name, plain meaning)
ERROR_TYPES: dict[int, tuple[str, str]] = {
    1: ("ERR_INTERNAL", "internal error"),
    4: ("ERR_MEM", "memory (DRAM) storage error"),
    5: ("ERR_TLB", "TLB storage error"),
    6: ("ERR_CACHE", "cache storage error"),
    7: ("ERR_FUNCTION", "functional unit error"),
    8: ("ERR_SELFTEST", "self-test failure"),
    9: ("ERR_FLOW", "internal queue overflow or underflow"),
    16: ("ERR_BUS", "bus error"),
    17: ("ERR_MAP", "virtual address not found on IO-TLB or IO-PDIR"),
    18: ("ERR_IMPROPER", "improper access"),
    19: ("ERR_UNIMPL", "access to an unmapped address"),
    20: ("ERR_LOL", "loss of lockstep"),
    21: ("ERR_RESPONSE", "response not associated with a request"),
    22: ("ERR_PARITY", "bus parity error"),
    23: ("ERR_PROTOCOL", "protocol error"),
    24: ("ERR_ERROR", "path error"),
    25: ("ERR_TIMEOUT", "bus operation timeout"),
    26: ("ERR_POISONED", "read of poisoned data"),
}

ERROR_STATUS_BITS = (
    Bits(8, "error_type", "Error type", 8, "Encoded error type (UEFI Error Types)",
         values={k: v[0] for k, v in ERROR_TYPES.items()}),
    Bits(16, "address", "Address", meaning="Error on the address signals or address part of the transaction"),
    Bits(17, "control", "Control", meaning="Error on the control signals or control part of the transaction"),
    Bits(18, "data", "Data", meaning="Error on the data signals or data part of the transaction"),
    Bits(19, "responder", "Responder", meaning="Detected by the responder of the transaction"),
    Bits(20, "requester", "Requester", meaning="Detected by the requester of the transaction"),
    Bits(21, "first_error", "First error", meaning="First error in chronological order"),
    Bits(22, "overflow", "Overflow", meaning="Further errors were not logged for lack of resources"),
)
_DEFINED = 0xFF << 8 | 0x7F << 16
RESERVED_MASK = 0xFFFFFFFFFFFFFFFF & ~_DEFINED

ERROR_STATUS_FIELD = Field("error_status", "Error status", 8, "hex", bits=ERROR_STATUS_BITS,
                           reserved_mask=RESERVED_MASK,
                           description="Generic error status: error type and where it was seen")


def error_type_name(code: int) -> str:
    return ERROR_TYPES.get(code, (f"reserved ({code})", ""))[0]


def error_status_text(value: int) -> str:
    code = value >> 8 & 0xFF
    flags = [b.label.lower() for b in ERROR_STATUS_BITS[1:] if value >> b.bit & 1]
    name, meaning = ERROR_TYPES.get(code, (f"reserved type {code}", ""))
    text = f"{name}" + (f" ({meaning})" if meaning else "")
    return text + (f"; {', '.join(flags)}" if flags else "")


def error_status_node(f: Field, value: int, offset: int):
    return make_node(f, value, offset, display=f"{hexint(value, 8)}: {error_status_text(value)}")


def error_status_json(value: int) -> dict[str, Any]:
    code = value >> 8 & 0xFF
    return {
        "value": value,
        "error_type": code,
        "error_type_name": error_type_name(code),
        "address": bool(value >> 16 & 1),
        "control": bool(value >> 17 & 1),
        "data": bool(value >> 18 & 1),
        "responder": bool(value >> 19 & 1),
        "requester": bool(value >> 20 & 1),
        "first_error": bool(value >> 21 & 1),
        "overflow": bool(value >> 22 & 1),
    }
