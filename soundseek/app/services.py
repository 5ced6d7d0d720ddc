"""What the application hands out beside its own methods: the services a shell uses for one
job each (review, writes, media, transfers, copies). Each brings LanceDB or numpy with it, so
each is built on first use; App inherits them, and they reach the library through App's
`place`, `_store`, `_settings` and `paths`."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from soundseek.app.copies_service import Copies
    from soundseek.app.media_service import Media
    from soundseek.app.review_service import Review
    from soundseek.app.transfer_service import Transfers
    from soundseek.app.write_service import Writes
    from soundseek.index.store import Store
    from soundseek.search.hits import SearchResult


class Services:
    # Review, writes and media bring LanceDB and numpy with them: each is built on first use.
    @cached_property
    def review(self) -> Review:
        """Tags, UCS categories and the review lists (review_service)."""
        from soundseek.app.review_service import Review

        return Review(lambda: self.place, self._store)

    @cached_property
    def writes(self) -> Writes:
        """Metadata written into the files, and undone (write_service)."""
        from soundseek.app.write_service import Writes

        return Writes(self.paths.data_dir, lambda: self._settings, lambda: self.place,
                      self._store, self._every_copy, self.own_writes)  # fmt: skip

    @cached_property
    def media(self) -> Media:
        """Envelopes, drags and exports (media_service)."""
        from soundseek.app.media_service import Media

        return Media(self.paths.render_dir, lambda: self._settings, self._store)

    @cached_property
    def transfers(self) -> Transfers:
        """Files and regions rendered for DAWs, their history, spotting (transfer_service)."""
        from soundseek.app.transfer_service import Transfers

        return Transfers(self.paths.data_dir, self.paths.transfer_dir, lambda: self._settings,
                         self._store_if_any, self.media.drag_file,
                         self.paths.render_dir / "staged")  # fmt: skip

    @cached_property
    def copies(self) -> Copies:
        """Copies of one sound: groups, the keeper, and what to do with the others."""
        from soundseek.app.copies_service import Copies, CopyActions

        return Copies(self._store, lambda: self._library.store if self._library else None,
                      lambda: self.place.cache_dir, self.registry.by_id,
                      CopyActions(self.paths.data_dir, lambda: self.place,
                                  lambda: self.registry.by_id(), self.own_writes))  # fmt: skip

    def _store(self) -> Store:
        return self.library().store

    def _every_copy(self, query: str, limit: int) -> SearchResult:
        """What a query matches, every file its own row: writes by query change each copy."""
        return self.search(query, limit, all_copies=True)
