"""One number style for every sentence a section decoder writes (issue #13, docs/explain.md).

Addresses, IDs, handles, codes and serial numbers are hex with ``0x`` and UPPERCASE digits;
counts and positions (node, card, module, rank, bank, row, column, DRAM device, core, CPU,
APIC ID, MCA bank) are decimal; a PCI address is ``SSSS:BB:DD.F`` in hex. Section summaries
build their numbers only through these functions, so a kind of number never appears in two
bases (``tests/sections/test_summary_style.py`` checks every summary mechanically).
"""

from __future__ import annotations

# The largest PCI device and function numbers (PCI Local Bus / PCIe base specification).
PCI_DEVICE_MAX = 31
PCI_FUNCTION_MAX = 7


def hex_id(value: int, width: int = 0) -> str:
    """An ID, handle, code or register value: ``0x`` and uppercase digits, zero-padded to width."""
    return f"0x{value:0{width}X}"


def address(value: int) -> str:
    """A memory, bus or register address: ``0xABCDE000`` (no padding: the value as it is)."""
    return f"0x{value:X}"


def decimal(value: int) -> str:
    """A count or a position (row, column, rank, bank, node, core ...)."""
    return str(value)


def pci_range_problems(device: int | None, function: int | None) -> list[str]:
    """Why a device/function pair cannot be a PCI address (empty when it can)."""
    problems = []
    if device is not None and device > PCI_DEVICE_MAX:
        problems.append(f"device {device} is above {PCI_DEVICE_MAX}")
    if function is not None and function > PCI_FUNCTION_MAX:
        problems.append(f"function {function} is above {PCI_FUNCTION_MAX}")
    return problems


def pci_address(segment: int | None, bus: int | None, device: int | None = None,
                function: int | None = None, *, say_impossible: bool = True) -> str:
    """``SSSS:BB:DD.F`` in uppercase hex, unknown parts as ``?``; without device and function,
    the bus alone (``SSSS:BB``). An impossible device or function is shown as it is, but the
    text says the address is impossible so it never reads as a valid one."""
    def part(v: int | None, width: int) -> str:
        return "?" * width if v is None else f"{v:0{width}X}"
    text = f"{part(segment, 4)}:{part(bus, 2)}"
    if device is None and function is None:
        return text
    text += f":{part(device, 2)}.{part(function, 1)}"
    problems = pci_range_problems(device, function)
    if problems and say_impossible:
        text += f" (impossible PCI address: {' and '.join(problems)})"
    return text


def requester_id(rid: int) -> str:
    """A 16-bit PCI requester ID as ``BB:DD.F`` (no segment: the ID carries none); its 5-bit
    device and 3-bit function are always in range."""
    return f"{rid >> 8:02X}:{rid >> 3 & 0x1F:02X}.{rid & 7:X}"


def vendor_device(vendor_id: int | None, device_id: int | None) -> str:
    """``vendor 0x8086 device 0x2030`` from whichever IDs are known; empty when neither is."""
    parts = []
    if vendor_id is not None:
        parts.append(f"vendor {hex_id(vendor_id, 4)}")
    if device_id is not None:
        parts.append(f"device {hex_id(device_id, 4)}")
    return " ".join(parts)
