"""NTSTATUS values the store's PSHED-style calls return (values as in the WDK's ntstatus.h).

The PSHED documentation names STATUS_SUCCESS and STATUS_UNSUCCESSFUL for WriteErrorRecord and
ClearErrorRecord, and adds STATUS_OBJECT_NOT_FOUND and STATUS_BUFFER_TOO_SMALL for
ReadErrorRecord. ntstatus.h has no STATUS_OBJECT_NOT_FOUND; like the project brief we use
0xC0000034 (ntstatus.h: STATUS_OBJECT_NAME_NOT_FOUND). The more specific failures below
(invalid record, store full, disk full, read-only) are all "not success" to a PSHED caller.
"""

from __future__ import annotations

STATUS_SUCCESS = 0x00000000
STATUS_UNSUCCESSFUL = 0xC0000001
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_BUFFER_TOO_SMALL = 0xC0000023
STATUS_OBJECT_NOT_FOUND = 0xC0000034
STATUS_OBJECT_NAME_COLLISION = 0xC0000035  # the key is stored with other bytes (no replace)
STATUS_DISK_FULL = 0xC000007F
STATUS_INSUFFICIENT_RESOURCES = 0xC000009A  # the store's capacity (NVRAM size) is used up
STATUS_MEDIA_WRITE_PROTECTED = 0xC00000A2

WHEA_WRITE_FLAG_DUMMY = 0x00000001

NAMES = {
    STATUS_SUCCESS: "STATUS_SUCCESS",
    STATUS_UNSUCCESSFUL: "STATUS_UNSUCCESSFUL",
    STATUS_INVALID_PARAMETER: "STATUS_INVALID_PARAMETER",
    STATUS_BUFFER_TOO_SMALL: "STATUS_BUFFER_TOO_SMALL",
    STATUS_OBJECT_NOT_FOUND: "STATUS_OBJECT_NOT_FOUND",
    STATUS_OBJECT_NAME_COLLISION: "STATUS_OBJECT_NAME_COLLISION",
    STATUS_DISK_FULL: "STATUS_DISK_FULL",
    STATUS_INSUFFICIENT_RESOURCES: "STATUS_INSUFFICIENT_RESOURCES",
    STATUS_MEDIA_WRITE_PROTECTED: "STATUS_MEDIA_WRITE_PROTECTED",
}


def status_name(code: int) -> str:
    return NAMES.get(code, f"0x{code:08X}")


def nt_success(code: int) -> bool:
    """NT_SUCCESS(): the status, read as a signed 32-bit value, is not negative."""
    return code & 0x80000000 == 0
