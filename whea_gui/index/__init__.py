"""Columnar indexes over many records (Qt-free): built from raw bytes, never from decodes."""

from .table import COLUMNS, ROW_DTYPE, TIME_SOURCES, RecordTable, to_epoch

__all__ = ["COLUMNS", "ROW_DTYPE", "TIME_SOURCES", "RecordTable", "to_epoch"]
