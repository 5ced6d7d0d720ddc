"""The results table: how it is set up (columns, sorting, drag) and what is selected in it.
The window, the search, the review keys and the write-back all ask it for the hits they act on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

from soundseek.ui.results_model import HIT_ROLE, SORT_ROLE

if TYPE_CHECKING:
    from soundseek.search.hits import Hit

COLUMN_WIDTHS = {0: 360, 1: 80, 2: 60, 3: 80, 4: 60, 5: 60, 6: 40, 7: 90, 8: 150, 9: 140}
SELECT_ROW = (
    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
)


class ResultsProxy(QSortFilterProxyModel):
    """Sorts the results by a column; rows that sort alike keep relevance order, and a hit's
    listed copies stay right under it (they sort as their hit does), either way round."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left, right) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a != b:
            return super().lessThan(left, right)
        source = self.sourceModel()
        descending = self.sortOrder() == Qt.SortOrder.DescendingOrder
        return (source.place(left.row()) < source.place(right.row())) != descending


def make_results_table(model: QSortFilterProxyModel) -> QTableView:
    """Whole rows, several at a time, dragged out as files, sorted by score at first."""
    table = QTableView()
    table.setModel(model)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setDragEnabled(True)
    table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    for col in range(header.count()):  # never narrower than the header's own words
        width = max(COLUMN_WIDTHS.get(col, header.sectionSize(col)),
                    header.sectionSizeFromContents(col).width())  # fmt: skip
        header.resizeSection(col, width)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    return table


class ResultsSelection:
    """The current and the selected hits of the results table, and moving the selection."""

    def __init__(self, table: QTableView, proxy: QSortFilterProxyModel) -> None:
        self.table = table
        self.proxy = proxy

    def current_hit(self) -> Hit | None:
        idx = self.table.currentIndex()
        return idx.data(HIT_ROLE) if idx.isValid() else None

    def has_current(self) -> bool:
        return self.table.currentIndex().isValid()

    def selected_hits(self) -> list[Hit]:
        """The selected rows' hits, top to bottom (the current row when none is selected)."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row())
        hits = [i.data(HIT_ROLE) for i in rows]
        current = self.current_hit()
        return hits or ([current] if current is not None else [])

    def first_selected_row(self) -> int | None:
        """The top selected row (the current one when none is selected), if any."""
        rows = self.table.selectionModel().selectedRows()
        current = self.table.currentIndex()
        first = min((i.row() for i in rows), default=current.row() if current.isValid() else -1)
        return first if first >= 0 else None

    def select_hit(self, hit: Hit) -> bool:
        """Make the row showing this hit the current and selected one."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(HIT_ROLE) is hit:
                self.table.selectionModel().setCurrentIndex(self.proxy.index(row, 0), SELECT_ROW)
                return True
        return False

    def select_row(self, row: int) -> bool:
        """Make this row (or the last, when fewer are shown) the current and selected one."""
        if not self.proxy.rowCount():
            return False
        index = self.proxy.index(min(row, self.proxy.rowCount() - 1), 0)
        self.table.selectionModel().setCurrentIndex(index, SELECT_ROW)
        return True
