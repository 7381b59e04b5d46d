"""The persistent error-record store (Qt-free): PSHED write/read/clear semantics over SQLite.

See docs/store.md for the API, status codes, the first-record convention and the schema.
"""

from .backend import RecordStore, engine_of, open_store, redact
from .results import (
    AmbiguousRecordId,
    ReadResult,
    StoreDamaged,
    StoreError,
    WriteResult,
    WriteSummary,
)
from .rules import FIRST_RECORD_ID, INVALID_RECORD_ID
from .status import (
    STATUS_BUFFER_TOO_SMALL,
    STATUS_DISK_FULL,
    STATUS_INSUFFICIENT_RESOURCES,
    STATUS_INVALID_PARAMETER,
    STATUS_MEDIA_WRITE_PROTECTED,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_OBJECT_NOT_FOUND,
    STATUS_SUCCESS,
    STATUS_UNSUCCESSFUL,
    WHEA_WRITE_FLAG_DUMMY,
    nt_success,
    status_name,
)
from .store import DEFAULT_PATH, Store, host_of

__all__ = [
    "FIRST_RECORD_ID", "INVALID_RECORD_ID", "STATUS_BUFFER_TOO_SMALL", "STATUS_DISK_FULL",
    "STATUS_INSUFFICIENT_RESOURCES", "STATUS_INVALID_PARAMETER", "STATUS_MEDIA_WRITE_PROTECTED",
    "STATUS_OBJECT_NAME_COLLISION", "STATUS_OBJECT_NOT_FOUND", "STATUS_SUCCESS", "STATUS_UNSUCCESSFUL", "WHEA_WRITE_FLAG_DUMMY",
    "nt_success", "status_name", "DEFAULT_PATH", "ReadResult", "Store", "StoreDamaged",
    "StoreError", "WriteResult", "WriteSummary", "AmbiguousRecordId", "host_of",
    "RecordStore", "engine_of", "open_store", "redact",
]
