"""One index's LanceDB connection as its parts share it: table handles (reused until
store.json changes), what store.json says, and the check that only the live writer writes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from soundseek.errors import StoreLocked
from soundseek.index.tables.info import InfoFile, StoreInfo


class TableAccess:
    """Handed by the Store to each part it composes (annotations, word index sync, window
    table), so none of them needs the Store itself."""

    def __init__(
        self, db, info: InfoFile, writable: bool, lease_lost: Callable[[], bool], where: str
    ) -> None:
        self.db = db
        self.info_file = info
        self.writable = writable
        self.where = where
        self.mutex = threading.RLock()
        self._lease_lost = lease_lost
        self._handles: dict[str, object] = {}
        self._handles_for: StoreInfo | None = None

    @property
    def info(self) -> StoreInfo:
        return self.info_file.read()

    def names(self) -> list[str]:
        return list(self.db.list_tables().tables)

    def table(self, name: str):
        """A table handle, or None if absent. A model switch (store.json changes) drops them."""
        with self.mutex:
            info = self.info
            if info != self._handles_for:
                self._handles, self._handles_for = {}, info
            if name not in self._handles:
                try:
                    self._handles[name] = self.db.open_table(name)
                except (ValueError, FileNotFoundError, RuntimeError):
                    return None
            return self._handles[name]

    def forget_handles(self) -> None:
        with self.mutex:
            self._handles.clear()

    def require_writer(self) -> None:
        if not self.writable:
            raise PermissionError("this Store was opened read-only")
        if self._lease_lost():
            raise StoreLocked(
                f"The writer lease on {self.where} was lost (another writer took over "
                "after it expired); this run stops without writing more."
            )
