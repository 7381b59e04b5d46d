"""Located decoding (Qt-free): FieldNode trees, findings, summaries, JSON.

Names are imported lazily so that ``formats`` (which builds FieldNodes) can import
``decode.model`` without pulling in the record decoder that imports ``formats``.
"""

from importlib import import_module

from .model import ERROR, NOTE, WARNING, DecodedRecord, DecodedSection, FieldNode, Finding

_LAZY = {"decode_record": "record", "record_extent": "record", "decode_buffer": "split",
         "split_records": "split", "record_to_json": "jsonout"}

__all__ = ["ERROR", "NOTE", "WARNING", "DecodedRecord", "DecodedSection", "FieldNode", "Finding",
           *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)
