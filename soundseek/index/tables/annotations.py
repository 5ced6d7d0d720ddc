"""What the user and the classifiers add to files, kept by content (it follows a file through
renames, moves and rescans): tags and rejected tags, zero-shot UCS suggestions per vector
space, and accepted categories. Composed by the Store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from soundseek.index.tables.access import TableAccess
from soundseek.index.tables.filters import normal_tag, sql_in, sql_str
from soundseek.index.tables.querying import chunks, unique_column
from soundseek.index.tables.records import FileStatus
from soundseek.index.tables.schema import (
    ACCEPTED,
    ACCEPTED_SCHEMA,
    FILES,
    GUESSES,
    GUESSES_SCHEMA,
    TAGS,
    TAGS_SCHEMA,
)

_INDEXED = sql_str(FileStatus.INDEXED.value)


class Annotations:
    """The tags, suggestion and acceptance tables of one index. `changed(hashes)` is told of
    contents whose file rows it updated (the Store keeps the word index in step)."""

    def __init__(self, tables: TableAccess, changed: Callable[[list[str]], None]) -> None:
        self._tables = tables
        self._changed = changed

    # -- the user's tags -------------------------------------------------------------------------
    def hashes_tagged(self, tag: str, kind: str = "tag") -> list[str]:
        """Contents carrying the tag (kind "not": where the user rejected it)."""
        t = self._tables.table(TAGS)
        if t is None:
            return []
        where = f"tag = {sql_str(normal_tag(tag))} AND kind = {sql_str(kind)}"
        q = t.search().where(where).select(["content_hash"]).limit(None)
        return sorted(set(q.to_arrow().column(0).to_pylist()))

    def tags_starting(self, prefix: str, kind: str = "tag") -> list[tuple[str, str]]:
        """(content, tag) of every tag beginning with `prefix`, in one query."""
        t = self._tables.table(TAGS)
        if t is None:
            return []
        if "%" in prefix or "_" in prefix:
            raise ValueError("a tag prefix is matched literally: no % or _")
        pattern = prefix + "%"
        where = f"kind = {sql_str(kind)} AND tag LIKE {sql_str(pattern)}"
        rows = t.search().where(where).select(["content_hash", "tag"]).limit(None).to_arrow()
        return list(zip(rows.column("content_hash").to_pylist(), rows.column("tag").to_pylist(),
                        strict=True))  # fmt: skip

    def tags_of(self, hashes: list[str]) -> dict[str, list[str]]:
        """Each content's tags, sorted."""
        t = self._tables.table(TAGS)
        out: dict[str, list[str]] = defaultdict(list)
        if t is None:
            return out
        for part in chunks(sorted(set(hashes))):
            q = t.search().where(f"kind = 'tag' AND {sql_in('content_hash', part)}")
            rows = q.limit(None).to_arrow()
            for h, tag in zip(rows.column("content_hash").to_pylist(),
                              rows.column("tag").to_pylist(), strict=True):  # fmt: skip
                out[h].append(tag)
        return {h: sorted(set(v)) for h, v in out.items()}

    def tag_counts(self) -> dict[str, int]:
        t = self._tables.table(TAGS)
        if t is None or not t.count_rows():
            return {}
        rows = t.search().where("kind = 'tag'").select(["tag"]).limit(None).to_arrow()
        counts = rows.group_by("tag").aggregate([([], "count_all")]).to_pylist()
        return {r["tag"]: r["count_all"] for r in sorted(counts, key=lambda r: r["tag"])}

    def set_tag(self, tag: str, hashes: list[str], on: bool = True, kind: str = "tag") -> int:
        """Tag (or untag) contents, or record (kind "not") that the tag does not apply; a
        content holds a tag one way at a time. Returns how many changed."""
        self._tables.require_writer()
        tag, t = normal_tag(tag), self._tables.table(TAGS)
        have = set(self.hashes_tagged(tag, kind))
        change = sorted(set(hashes) - have) if on else sorted(set(hashes) & have)
        for part in chunks(change):
            kinds = "" if on else f" AND kind = {sql_str(kind)}"
            t.delete(f"tag = {sql_str(tag)} AND {sql_in('content_hash', part)}{kinds}")
        if on and change:
            rows = {
                "content_hash": change,
                "tag": [tag] * len(change),
                "kind": [kind] * len(change),
            }
            t.add(pa.table(rows, TAGS_SCHEMA))
        return len(change)

    # -- zero-shot UCS categories --------------------------------------------------------------
    def guesses_of(self, hashes: list[str]) -> dict[str, list[tuple[str, float]]]:
        """Each content's suggested CatIDs with confidence, best first, in the index's space."""
        t, space = self._tables.table(GUESSES), self._tables.info.space
        out: dict[str, list[tuple[int, str, float]]] = defaultdict(list)
        if t is None:
            return {}
        for part in chunks(sorted(set(hashes))):
            q = t.search().where(f"space = {sql_str(space)} AND {sql_in('content_hash', part)}")
            for r in q.limit(None).to_arrow().to_pylist():
                out[r["content_hash"]].append((r["rank"], r["catid"], r["confidence"]))
        return {h: [(c, p) for _, c, p in sorted(v)] for h, v in out.items()}

    def contents_without_guesses(self) -> list[str]:
        """Embedded contents with no suggestion in the index's current vector space."""
        files, t = self._tables.table(FILES), self._tables.table(GUESSES)
        if files is None or t is None:
            return []
        live = unique_column(files, "content_hash", f"status = {_INDEXED}")
        done = unique_column(t, "content_hash", f"space = {sql_str(self._tables.info.space)}")
        return live.filter(pc.invert(pc.is_in(live, value_set=done))).to_pylist()

    def put_guesses(self, guesses: dict[str, list[tuple[str, float]]]) -> None:
        self._tables.require_writer()
        t, space = self._tables.table(GUESSES), self._tables.info.space
        for part in chunks(sorted(guesses)):
            t.delete(sql_in("content_hash", part))
        rows = [{"content_hash": h, "space": space, "rank": i, "catid": c, "confidence": p}
                for h, top in guesses.items() for i, (c, p) in enumerate(top)]  # fmt: skip
        if rows:
            t.add(pa.Table.from_pylist(rows, schema=GUESSES_SCHEMA))

    def accepted_of(self, hashes: list[str]) -> dict[str, tuple[str, str, str]]:
        """(catid, category, subcategory) the user accepted for these contents."""
        t = self._tables.table(ACCEPTED)
        out: dict[str, tuple[str, str, str]] = {}
        if t is None or not hashes:
            return out
        for part in chunks(sorted(set(hashes))):
            q = t.search().where(sql_in("content_hash", part)).limit(None)
            for r in q.to_arrow().to_pylist():
                out[r["content_hash"]] = (r["catid"], r["category"], r["subcategory"])
        return out

    def accept_categories(self, accepted: dict[str, tuple[str, str, str]]) -> None:
        """Record accepted categories and show them at once in the files' rows (a rescan of a
        changed file applies them again)."""
        self._tables.require_writer()
        t, files = self._tables.table(ACCEPTED), self._tables.table(FILES)
        for part in chunks(sorted(accepted)):
            t.delete(sql_in("content_hash", part))
        rows = [{"content_hash": h, "catid": c, "category": cat, "subcategory": sub}
                for h, (c, cat, sub) in accepted.items()]  # fmt: skip
        if rows:
            t.add(pa.Table.from_pylist(rows, schema=ACCEPTED_SCHEMA))
        by_value: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for h, value in accepted.items():
            by_value[value].append(h)
        for (catid, cat, sub), hashes in by_value.items():
            for part in chunks(hashes):
                values = {"catid": catid, "category": cat, "subcategory": sub}
                files.update(where=sql_in("content_hash", part), values=values)
        self._changed(sorted(accepted))

    def annotated_contents(self) -> list[str]:
        """Contents with something of the user's to write into their files: an accepted
        category or a tag (rejections are not written)."""
        out: set[str] = set()
        if (t := self._tables.table(ACCEPTED)) is not None:
            out.update(unique_column(t, "content_hash").to_pylist())
        if (t := self._tables.table(TAGS)) is not None:
            out.update(unique_column(t, "content_hash", "kind = 'tag'").to_pylist())
        return sorted(out)
