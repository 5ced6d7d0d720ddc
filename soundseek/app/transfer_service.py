"""`app.transfers`: transfers as the shells use them: the options a preset, the user's
overrides and a command's flags add up to; the metadata a copy carries (the file's own plus
what the user accepted in SoundSeek: category, tags); the history; the window's drag and
its render-ahead; spotting to Pro Tools.

One transfer at a time per process: the render-ahead thread and a drag asking for the same
sound must get one file, not two.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import TYPE_CHECKING

from soundseek.app.settings import Settings
from soundseek.app.transfer_history import TransferHistory, TransferRecord
from soundseek.errors import SoundSeekError, TransferError, UnreadableFile
from soundseek.metadata.fields import MetadataChange
from soundseek.metadata.reader import read_metadata
from soundseek.metadata.ucs import load_catalog
from soundseek.transfer.engine import Transferred, TransferRequest, transfer
from soundseek.transfer.naming import NameFields
from soundseek.transfer.options import Region, TransferOptions
from soundseek.transfer.output import Identity
from soundseek.transfer.presets import PRESETS, options_for, preset
from soundseek.transfer.protools import DEFAULT_ADDRESS, ProToolsBridge, spot_sources
from soundseek.transfer.protools_types import SessionFormat, SpotResult
from soundseek.writing.plan import Naming, target

if TYPE_CHECKING:
    from soundseek.index.store import Store

PTSL_ADDRESS_ENV = "SOUNDSEEK_PTSL_ADDRESS"  # where Pro Tools' scripting server listens


@dataclass(frozen=True)
class TransferProgress:
    """One source done (or refused) of a batch."""

    done: int
    total: int
    source: str
    result: Transferred | None = None
    error: str = ""


def own_change(meta: object) -> MetadataChange:
    """What a file outside the index says about itself, as a change to write into its copy."""
    names = (f.name for f in dataclass_fields(MetadataChange))
    return MetadataChange(**{n: getattr(meta, n, "") or "" for n in names})


class Transfers:
    def __init__(self, data_dir: Path, default_folder: Path, settings: Callable[[], Settings],
                 store: Callable[[], Store | None],
                 keep_drag: Callable[[str, tuple[float, float] | None], str],
                 staging: Path) -> None:  # fmt: skip
        self.history = TransferHistory(data_dir / "transfers.jsonl")
        self.staging = staging  # renders made ahead of a drag (cache): linked out on the drop
        self._keep_drag = keep_drag  # "keep original": the file itself (media.drag_file)
        self._default_folder = default_folder
        self._settings = settings
        self._store = store  # the open index's store, or None (a file outside the library)
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        chosen = self._settings().transfer_folder
        return Path(chosen).expanduser() if chosen else self._default_folder

    @property
    def active_preset(self) -> str:
        return self._settings().transfer_preset

    @staticmethod
    def presets() -> list[tuple[str, str, str]]:
        """(key, label, what it makes) of every DAW preset, for a selector."""
        return [(p.key, p.label, p.note) for p in PRESETS.values()]

    def for_drag(self, path: str, region: tuple[float, float] | None = None,
                 semitones: float = 0.0, reverse: bool = False) -> list[str]:  # fmt: skip
        """The files a drag of this sound delivers under the active preset, as auditioned
        (varispeed, reverse). "Keep original" with nothing changed drags the file itself
        (OGG/MP3 as WAV if the settings say so); a region is a transfer at the file's own rate
        and depth, into the transfer folder: a DAW that references files where they lie
        (REAPER, Logic) must find it there next year, not in a cache."""
        options, span = self._as_auditioned(region, semitones, reverse)
        if options.passthrough and span is None:
            return [self._keep_drag(path, None)]
        return list(self.transfer_one(path, options, span).outputs)

    def for_folder(self, path: str, region: tuple[float, float] | None = None,
                   semitones: float = 0.0, reverse: bool = False) -> list[str]:  # fmt: skip
        """The files a transfer of this sound leaves in the transfer folder (a copy of the
        file itself under "keep original")."""
        options, span = self._as_auditioned(region, semitones, reverse)
        return list(self.transfer_one(path, options, span).outputs)

    def prepare(self, path: str, region: tuple[float, float] | None = None,
                semitones: float = 0.0, reverse: bool = False) -> None:  # fmt: skip
        """Render what a drag of this sound would deliver, ahead of the drag, into the cache:
        the drop then links it into the transfer folder at once. A sound the user only
        listened to never lands in the transfer folder or its history."""
        options, span = self._as_auditioned(region, semitones, reverse)
        if options.passthrough and span is None:
            return
        staged = options.replace(folder=str(self.staging), name="")
        self.transfer_one(path, staged, span, staged=True)

    def _as_auditioned(self, region: tuple[float, float] | None, semitones: float,
                       reverse: bool) -> tuple[TransferOptions, Region | None]:  # fmt: skip
        """The active preset's options with the preview's varispeed and reverse, and the
        region to render (None: the whole file)."""
        options = self.options(None, semitones=semitones or None, reverse=reverse or None)
        return options, Region(*region).checked() if region else None

    def clean_staged(self, keep_days: float = 7.0) -> int:
        """Renders made ahead and not dropped within a week (a drop made its own link)."""
        cutoff, removed = time.time() - keep_days * 86400, 0
        for entry in self.staging.glob("*") if self.staging.is_dir() else []:
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                entry.unlink(missing_ok=True)
                removed += 1
        return removed

    @staticmethod
    def parse_region(text: str) -> Region:
        """`START-END` in seconds; TransferOptionError if it is not one."""
        return Region.parse(text)

    def options(self, preset_key: str | None = None, **flags: object) -> TransferOptions:
        """The preset's options (the active one if none named), the user's saved overrides
        for it, then the flags given (None: not given)."""
        s = self._settings()
        base = options_for(preset_key or s.transfer_preset, s.transfer_overrides)
        return base.replace(**flags)

    def transfer_one(self, source: str, options: TransferOptions, region: Region | None = None,
                     preset_key: str = "", staged: bool = False) -> Transferred:  # fmt: skip
        """Transfer (or reuse) one file; TransferError says why not, in one line. "Keep
        original" copies the file as it is (a drag of it hands over the file itself instead,
        through `for_drag`)."""
        source = os.path.abspath(source)
        change, names = self._metadata(source)
        folder = Path(options.folder).expanduser() if options.folder else self.folder
        key = preset_key or self.active_preset
        label = preset(key).key if key else ""
        request = TransferRequest(source, options, region, change, names, label, copy=True)
        span = (region.start, region.end) if region else None
        recorded: list[Transferred] = []

        def remember(made: Transferred, files: list[Identity]) -> None:
            """On record before the copy takes its name: a kill leaves no unknown copy."""
            self.history.add(made, span, label, options.as_dict(), files, staged)
            recorded.append(made)

        with self._lock:
            done = transfer(request, folder, lambda k: self.history.made(k, str(folder)), remember)
            if not done.original and not recorded and not staged:  # reused where it was
                self.history.add(done, span, label, options.as_dict())
        return done

    def transfer(self, sources: list[str], options: TransferOptions, region: Region | None = None,
                 preset_key: str = "", cancel: threading.Event | None = None,
                 ) -> Iterator[TransferProgress]:  # fmt: skip
        """A batch as a cancellable generator: one progress per source; a file that cannot be
        transferred is reported and the batch goes on."""
        for n, source in enumerate(sources, 1):
            if cancel is not None and cancel.is_set():
                return
            try:
                done = self.transfer_one(source, options, region, preset_key)
                yield TransferProgress(n, len(sources), source, result=done)
            except SoundSeekError as exc:
                yield TransferProgress(n, len(sources), source, error=str(exc))

    def retransfer(self, record_id: str) -> Transferred:
        """The same source, region and options again (reused if the copy is still intact)."""
        rec = self.history.find(record_id)
        if rec is None:
            raise TransferError(record_id, "no such transfer in the history")
        region = Region(*rec.region) if rec.region else None
        options = TransferOptions.from_dict(rec.options)
        return self.transfer_one(rec.source, options, region, rec.preset)

    def spot(self, sources: list[str], region: tuple[float, float] | None = None,
             at: str | None = None, track: str | None = None, semitones: float = 0.0,
             reverse: bool = False, address: str | None = None) -> SpotResult:  # fmt: skip
        """Transfer at the open Pro Tools session's rate and depth (the Pro Tools preset for the
        rest, with the user's overrides), then spot at `at` (a timecode) or the edit cursor,
        on `track` or new tracks. SpotError in one line if Pro Tools cannot take it."""
        address = address or os.environ.get(PTSL_ADDRESS_ENV) or DEFAULT_ADDRESS
        base = self.options("protools", semitones=semitones or None, reverse=reverse or None)
        span = Region(*region).checked() if region else None
        if base.channels == "split":  # Pro Tools takes an interleaved file onto one track
            base = base.replace(channels="keep")

        def render(source: str, session: SessionFormat) -> str:
            opts = base.replace(rate=session.rate, bits=session.bits)
            return self.transfer_one(source, opts, span, "protools").outputs[0]

        with ProToolsBridge.connect(address) as pro_tools:
            return spot_sources(pro_tools, sources, render, at, track)

    def records(self) -> list[TransferRecord]:
        """The transfers made, oldest first (not the renders made ahead of a drag)."""
        return self.history.shown()

    def _metadata(self, source: str) -> tuple[MetadataChange, NameFields]:
        """The file's own metadata plus what the user accepted for it in the index."""
        catalog = load_catalog()
        try:
            meta = read_metadata(source, catalog)
        except (UnreadableFile, OSError) as exc:
            raise TransferError(source, str(getattr(exc, "reason", exc))) from exc
        store = self._store()
        rec = store.record_at(source) if store is not None else None
        s = self._settings()
        naming = Naming(s.ucs_creator_id, s.ucs_source_id)
        if rec is not None:
            tags = store.annotations.tags_of([rec.content_hash]).get(rec.content_hash, [])
            change = target(meta, rec, tags, catalog, naming)
        else:
            change = own_change(meta)
        names = NameFields(Path(source).stem, change.fx_name, change.catid, change.creator_id,
                           change.source_id, self.history.takes(source) + 1)  # fmt: skip
        return change, names
