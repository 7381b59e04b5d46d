"""Reports (Qt-free apart from the PDF writer): HTML, PDF, Markdown, JSON, JSON Lines and CSV.

``write_report(records_or_paths, out_path, fmt, filters, progress=, cancel=)`` is what
``whea report`` and the window's File → Export call; ``record_markdown(rec)`` is the window's
"Copy record as Markdown".
"""

from .filters import FilterError, ReportFilters
from .inputs import ReportCancelled
from .markdown import record_markdown
from .writer import EXTENSIONS, FORMATS, ReportResult, format_for, write_report

__all__ = ["EXTENSIONS", "FORMATS", "FilterError", "ReportCancelled", "ReportFilters",
           "ReportResult", "format_for", "record_markdown", "write_report"]
