"""Qt enum values looked up once: each ``Qt.SomeRole`` attribute access costs microseconds in
PySide6, and item models compare roles for every cell painted."""

from PySide6.QtCore import Qt

DISPLAY = Qt.DisplayRole
TOOLTIP = Qt.ToolTipRole
FOREGROUND = Qt.ForegroundRole
FONT = Qt.FontRole
DECORATION = Qt.DecorationRole
ALIGNMENT = Qt.TextAlignmentRole
USER = Qt.UserRole
HORIZONTAL = Qt.Horizontal
VERTICAL = Qt.Vertical
RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
NO_FLAGS = Qt.NoItemFlags
ITEM_FLAGS = Qt.ItemIsEnabled | Qt.ItemIsSelectable
LEAF_FLAGS = Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemNeverHasChildren


def column_title(headers, section: int, orientation, role):
    """``headerData`` of a model whose columns are titled by ``headers``: the title of a column
    of the horizontal header, None for anything else (rows are not titled by column names)."""
    if orientation == HORIZONTAL and role == DISPLAY and 0 <= section < len(headers):
        return headers[section]
    return None
