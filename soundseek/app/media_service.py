"""`app.media`: audio the shells hand around: waveform envelopes, files for a DAW drag,
exports of a file or a region, and the renders they leave behind. The audio work lives in
`media` and `soundseek.audio`; this object knows where renders go and reads stored
envelopes from the open index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from soundseek.app import media
from soundseek.app.media import Region
from soundseek.app.settings import Settings
from soundseek.audio.render import clean_renders
from soundseek.files.scanner import is_audio
from soundseek.search.hits import Hit

if TYPE_CHECKING:
    from soundseek.index.store import Store


class Media:
    """Envelopes, drags and exports of library files."""

    def __init__(
        self, render_dir: Path, settings: Callable[[], Settings], store: Callable[[], Store]
    ) -> None:
        self._render_dir = render_dir
        self._settings = settings
        self._store = store  # the open index's store (opened on first use)

    @staticmethod
    def is_audio_file(path: str) -> bool:
        """Whether SoundSeek would index this file (by its extension)."""
        return is_audio(path)

    def envelope(self, hit: Hit) -> np.ndarray:
        stored = self._store().envelopes.of(hit.file.content_hash)
        return media.envelope(stored, hit.path)

    @staticmethod
    def detail_envelope(path: str, start: float, end: float) -> np.ndarray:
        return media.detail(path, start, end)

    def drag_file(self, path: str, region: Region | None = None) -> str:
        convert = self._settings().drag_render_unsupported
        return media.drag_file(path, region, self._render_dir, convert)

    def export(self, path: str, folder: str, region: Region | None = None) -> str:
        return media.export(path, region, folder, self._render_dir)

    def clean_renders(self) -> int:
        return clean_renders(self._render_dir)
