"""Building, editing, generating and comparing records (Qt-free).

- ``fromjson.build_record``: bytes from ``whea decode --json`` output (``whea build``)
- ``edit.RecordEditor`` / ``edit.new_record``: field edits with undo/redo, section operations
- ``generate.generate_records``: reproducible synthetic records and timelines (``whea generate``)
- ``diff.diff_records``: field-by-field comparison (``whea diff``)
"""

from .edit import RecordEditor, SectionTemplate, new_record
from .fromjson import BuildResult, build_jsonl, build_record
from .values import EditError

__all__ = ["BuildResult", "EditError", "RecordEditor", "SectionTemplate", "build_jsonl",
           "build_record", "new_record"]
