"""`app.review`: the user's tags and UCS categories, and the lists a reviewer works through.

Tags and category verdicts are written by the one index writer (they raise StoreLocked
while another process writes the index); suggestions, notes and review lists are read from
the open index. The rules live in `tagging`, `category_choices` and `review_lists`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from soundseek.app import category_choices, review_lists, tagging
from soundseek.app.category_choices import CategoryChoice, FileCategories
from soundseek.app.review_lists import FileNotes, Learned
from soundseek.app.tagging import TagChange, TagSuggestion
from soundseek.index.places.place import Place
from soundseek.search.hits import Hit, SearchResult

if TYPE_CHECKING:
    from soundseek.index.store import Store


class Review:
    """Tagging, categorising and reviewing files of the open index."""

    def __init__(self, place: Callable[[], Place], store: Callable[[], Store]) -> None:
        self._place = place  # where the writer writes (changes with the library's location)
        self._store = store  # the open index's store (opened on first use)

    # -- the user's tags -----------------------------------------------------------------------
    def tag(self, tag: str, paths: list[str], on: bool = True, reject: bool = False) -> TagChange:
        """Tag (on=False: untag) files by path, or (reject) record that the tag does not fit
        them; raises StoreLocked while another process writes the index."""
        kind = "not" if reject else "tag"
        return tagging.set_tag(self._place(), self._store(), tag, paths, on, kind)

    def suggest_tag(self, tag: str, limit: int = 50) -> list[TagSuggestion]:
        """Files the tag probably fits, learned from the files that carry it."""
        return tagging.suggest_tag(self._store(), tag, limit)

    def tags_of(self, paths: list[str]) -> dict[str, list[str]]:
        return tagging.tags_of(self._store(), paths)

    def tag_counts(self) -> dict[str, int]:
        return self._store().annotations.tag_counts()

    def learned_tags(self) -> Learned:
        """Content hash -> learned tags that probably fit (slow on a big library: a worker's)."""
        return tagging.learned_tags(self._store())

    # -- UCS categories: suggested, accepted, rejected or replaced ------------------------------
    def category_suggestions(self, paths: list[str] | None = None) -> list[FileCategories]:
        """Top-3 zero-shot UCS categories of indexed files (computed at the end of indexing)."""
        return category_choices.suggestions(self._store(), paths)

    def accept_categories(self, paths: list[str] | None = None, min_confidence: float = 0.0) -> int:
        """Accept the top UCS suggestion of files (all indexed files when no paths) whose
        confidence reaches `min_confidence`; raises StoreLocked while the index is written."""
        return category_choices.accept(self._place(), self._store(), paths, min_confidence)

    def reject_categories(self, paths: list[str]) -> int:
        """Reject each file's top UCS suggestion for good (the next one moves up)."""
        return category_choices.reject(self._place(), self._store(), paths)

    def set_category(self, paths: list[str], catid: str) -> int:
        """Accept a UCS CatID the user picked for these files, whatever was suggested."""
        return category_choices.accept_as(self._place(), self._store(), paths, catid)

    @staticmethod
    def ucs_subcategories() -> list[CategoryChoice]:
        """Every UCS CatID with its name ("DOORS-WOOD"), for a category picker."""
        return category_choices.ucs_choices()

    # -- what a reviewer sees ---------------------------------------------------------------------
    def file_notes(self, hits: list[Hit], learned: Learned | None = None) -> dict[str, FileNotes]:
        """Content hash -> category, open suggestion, tags and learned guesses of these hits."""
        return review_lists.notes_for(self._store(), hits, learned)

    def uncategorised(self) -> SearchResult:
        return review_lists.uncategorised(self._store())

    def to_review(self, learned: Learned | None = None) -> SearchResult:
        """Files with a UCS suggestion or a learned tag nobody accepted or rejected yet."""
        return review_lists.to_review(self._store(), learned)
