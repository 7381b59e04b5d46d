"""The fixed header of QEMU's ERST backing file and its recognition, apart from the container
decoder (erst_container, which needs numpy): every reader's ``sniff`` runs on each input, so
``whea decode`` must be able to ask "is this an ERST file?" without importing numpy."""

from __future__ import annotations

import struct

MAGIC = b"ERSTSTOR"
VERSION = 0x0100
HEADER_SIZE = 24  # fixed part before the map
MIN_SLOT = 4096  # QEMU: a power of two, at least a page


def sniff(head: bytes) -> int:
    """95 for the magic; 50 for a damaged magic on a header that is otherwise QEMU's (version
    0x0100 and a power-of-two slot size the storage offset is a multiple of)."""
    if head[:8] == MAGIC:
        return 95
    if len(head) < HEADER_SIZE or head[:8] == bytes(8):
        return 0
    slot, start, version = struct.unpack_from("<IIH", head, 8)
    plausible = slot >= MIN_SLOT and not slot & (slot - 1) and start % slot == 0 and start
    if version == VERSION and (plausible or head[:4] == MAGIC[:4]):
        return 50
    return 0
