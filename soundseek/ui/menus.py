"""The window's menus and what each entry calls: File, Review (the review keys, accept all
above a confidence, write-back, undo), Transfer, Library (duplicates) and the results table's
context menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from soundseek.ui import actions

TRANSFER_KEY = "Ctrl+Shift+T"
SPOT_KEY = "Ctrl+Shift+P"
DUPLICATES_KEY = "Ctrl+Alt+D"

if TYPE_CHECKING:
    from soundseek.search.hits import Hit
    from soundseek.ui.results_copies import CopyRows
    from soundseek.ui.review_actions import ReviewActions
    from soundseek.ui.search_controller import SearchController
    from soundseek.ui.transfer_actions import TransferActions
    from soundseek.ui.write_actions import WriteActions


def add_file_menu(
    window: QMainWindow, add_folder: Callable, open_settings: Callable, quit_: Callable
) -> None:
    menu = window.menuBar().addMenu("&File")
    for text, slot, key in (("Add folder…", add_folder, "Ctrl+O"),
                            ("Settings…", open_settings, "Ctrl+,"),
                            ("Quit", quit_, "Ctrl+Q")):  # fmt: skip
        _add_action(window, menu, text, slot, key)


def add_review_menu(window: QMainWindow, review: ReviewActions, writes: WriteActions) -> None:
    """The review keys work in the results table (A, R, E, T); the menu shows them."""
    menu = window.menuBar().addMenu("&Review")
    for text, slot in (("Accept suggestion\tA", review.accept_selected),
                       ("Reject suggestion\tR", review.reject_selected),
                       ("Edit category…\tE", review.edit_category),
                       ("Tag selected files…\tT", review.focus_tags)):  # fmt: skip
        menu.addAction(text, slot)
    menu.addSeparator()
    _add_action(window, menu, "Accept all suggestions above…", review.accept_all_above,
                "Ctrl+Shift+A")  # fmt: skip
    menu.addSeparator()
    menu.addAction("Write metadata to files…", writes.write_to_files)
    menu.addAction("Undo last change", lambda: writes.undo_last_change())


def add_transfer_menu(window: QMainWindow, transfers: TransferActions) -> None:
    """Getting sounds into a DAW besides dragging: the transfer folder, Pro Tools."""
    menu = window.menuBar().addMenu("&Transfer")
    _add_action(window, menu, "Transfer selected to folder", transfers.transfer_selected,
                TRANSFER_KEY)  # fmt: skip
    _add_action(window, menu, "Spot to Pro Tools", transfers.spot_to_pro_tools, SPOT_KEY)
    menu.addSeparator()
    menu.addAction("Transfer history…", transfers.show_history)


def add_library_menu(window: QMainWindow, find_duplicates: Callable) -> None:
    """What concerns the library as a whole: its copies of one sound."""
    menu = window.menuBar().addMenu("&Library")
    _add_action(window, menu, "Find duplicates…", find_duplicates, DUPLICATES_KEY)


def _add_action(owner: QWidget, menu: QMenu, text: str, slot: Callable, key: str) -> None:
    act = QAction(text, owner, shortcut=QKeySequence(key))
    act.triggered.connect(slot)
    menu.addAction(act)


def show_hit_menu(
    parent: QWidget, at: QPoint, hit: Hit, search: SearchController, review: ReviewActions,
    transfers: TransferActions, copies: CopyRows | None = None,
) -> None:  # fmt: skip
    """What can be done with one hit of the results, at a point on screen."""
    menu = QMenu(parent)
    if copies is not None and copies.can_show():
        menu.addAction(f"Show copies ({len(hit.copies)})\tRight", copies.show)
    elif copies is not None and copies.can_hide():
        menu.addAction("Fold copies\tLeft", copies.hide)
    menu.addAction("Copy path", lambda: QGuiApplication.clipboard().setText(hit.path))
    menu.addAction("Reveal in file manager", lambda: actions.reveal(hit.path))
    menu.addAction("More like this", lambda: search.more_like(hit, None))
    menu.addAction("Good match (rank toward it)\t+", lambda: search.mark_current(True))
    menu.addAction("Bad match (rank away, hide it)\t-", lambda: search.mark_current(False))
    menu.addAction("Export…", lambda: search.export(hit, None))
    menu.addSeparator()
    menu.addAction(f"Transfer to folder\t{TRANSFER_KEY}", transfers.transfer_selected)
    menu.addAction(f"Spot to Pro Tools\t{SPOT_KEY}", transfers.spot_to_pro_tools)
    menu.addSeparator()
    menu.addAction("Accept suggestion\tA", review.accept_selected)
    menu.addAction("Reject suggestion\tR", review.reject_selected)
    menu.addAction("Edit category…\tE", review.edit_category)
    menu.addAction("Tag…\tT", review.focus_tags)
    menu.exec(at)
