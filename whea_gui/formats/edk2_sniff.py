"""Whether bytes start an edk2 NVRAM firmware volume or an Intel flash image: the test every
input gets (``sources.uefi_varstore``), in a module that does not import the variable store's
layouts (``edk2_varstore``, which uses these definitions)."""

from __future__ import annotations

# gEfiSystemNvDataFvGuid fff12b8d-7696-4c8b-a985-2747075b4f50 in its wire (mixed-endian) order;
# as bytes, so judging every input does not import ``uuid`` (and ``platform`` with it)
NV_DATA_FV_LE = bytes.fromhex("8d2bf1ff96768b4ca9852747075b4f50")
FVH = b"_FVH"
_NV_DATA_FV_LE = NV_DATA_FV_LE
_FLASH_DESCRIPTOR = b"\x5a\xa5\xf0\x0f"


def sniff(head: bytes) -> int:
    """90: an NVRAM firmware volume at the start; 40: an Intel flash descriptor (a flash image
    whose NVRAM volume lies further on); 0 otherwise."""
    if len(head) >= 48 and head[40:44] == FVH and bytes(head[16:32]) == _NV_DATA_FV_LE:
        return 90
    if len(head) >= 20 and head[16:20] == _FLASH_DESCRIPTOR:
        return 40
    return 0
