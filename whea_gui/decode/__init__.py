"""Located decoding (Qt-free): records and their sections decoded into the core's FieldNode
trees with findings, summaries, explanations and the ``whea decode --json`` object."""

from ..core.model import ERROR, NOTE, WARNING, DecodedRecord, DecodedSection, FieldNode, Finding
from .jsonout import record_to_json
from .record import decode_record, record_extent
from .split import decode_buffer, split_records

__all__ = ["ERROR", "NOTE", "WARNING", "DecodedRecord", "DecodedSection", "FieldNode", "Finding",
           "decode_record", "record_extent", "decode_buffer", "split_records", "record_to_json"]
