"""What a search returns: ranked files, why each ranked, and where inside it the sound matched."""

from __future__ import annotations

from dataclasses import dataclass, field

from soundseek.index.tables.records import FileRecord

NO_MODEL = "sound search is off: no CLAP model loaded (metadata search only)"
NOTHING_EMBEDDED = "sound search has nothing to search yet: no file is embedded"
JSON_FIELDS = ("duration", "samplerate", "channels", "bit_depth", "format", "catid", "category",
               "subcategory", "description", "keywords", "library")  # fmt: skip


@dataclass(frozen=True)
class HitCopy:
    """Another file holding the same sound as a hit (results collapse copies into one row):
    `level` is "identical" (the same audio) or "recording" (another encode, rate, gain or a
    trim of it)."""

    path: str
    level: str
    file: FileRecord = field(repr=False)

    def to_json(self) -> dict:
        return {"path": self.path, "level": self.level, "format": self.file.format,
                "samplerate": self.file.samplerate, "bit_depth": self.file.bit_depth}  # fmt: skip


@dataclass
class Hit:
    """One ranked file. `sound`: the sound side's calibrated confidence, the fraction of this
    library's null (unrelated texts' scores) its best window beats (None: not matched by
    sound). `confidence`: the hit's, both sides judged (search.confidence); `strong`: above
    the divider, where the strong matches end."""

    path: str
    rank: int
    score: float
    sound: float | None
    start: float | None
    end: float | None
    matched: list[str]
    file: FileRecord = field(repr=False)
    why: list[str] = field(default_factory=list)  # words that stood in: "gunshot → pistol ..."
    confidence: float = 1.0
    strong: bool = True
    copies: list[HitCopy] = field(default_factory=list)  # the other files of its sound

    def to_json(self) -> dict:
        """The `--json` line: its keys are an interface scripts rely on (add, never rename)."""
        return {
            "path": self.path, "rank": self.rank, "score": round(self.score, 4),
            "sound": None if self.sound is None else round(self.sound, 4),
            "start": self.start, "end": self.end, "matched": self.matched, "why": self.why,
            **{k: getattr(self.file, k) for k in JSON_FIELDS},
            "root_id": self.file.root_id,
            "confidence": round(self.confidence, 4), "strong": self.strong,
            "copies": [c.to_json() for c in self.copies],
        }  # fmt: skip


@dataclass
class SearchResult:
    hits: list[Hit]
    notes: list[str] = field(default_factory=list)

    @property
    def strong(self) -> int:
        """How many hits are above the divider (the rest are weaker matches)."""
        return sum(h.strong for h in self.hits)

    def at_least(self, confidence: float) -> SearchResult:
        """Only the hits this confident or more (ranks as they were)."""
        return SearchResult([h for h in self.hits if h.confidence >= confidence], self.notes)
