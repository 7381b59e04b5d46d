"""Located decoding (Qt-free): FieldNode trees, findings, summaries, JSON."""

from .jsonout import record_to_json
from .model import ERROR, NOTE, WARNING, DecodedRecord, DecodedSection, FieldNode, Finding
from .record import decode_record, record_extent
from .split import decode_buffer, split_records

__all__ = ["ERROR", "NOTE", "WARNING", "DecodedRecord", "DecodedSection", "FieldNode", "Finding",
           "decode_record", "record_extent", "decode_buffer", "split_records", "record_to_json"]
