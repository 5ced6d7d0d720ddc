"""`app.models`: the LAION-CLAP models this home can use and the one loaded now.

It owns the loaded embedder (None: metadata only) and the error of the last load, announces
loads and one-time preparation steps on the event bus, and changes the configured model
through the application's settings. Loading a model imports torch; nothing here does so
before a shell asks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from soundseek.app.events import EventBus, ModelChanged, ModelPreparing
from soundseek.app.settings import Settings
from soundseek.app.status import ModelState, preparing_text
from soundseek.embed import models
from soundseek.errors import ModelError
from soundseek.paths import AppPaths

if TYPE_CHECKING:
    from soundseek.embed.base import Embedder, PrepStep
    from soundseek.embed.models import ModelInfo


class Models:
    """The configured model: installed or not, loaded or not, and the ways to get one."""

    def __init__(
        self,
        paths: AppPaths,
        settings: Callable[[], Settings],
        update_settings: Callable[..., Settings],
        events: EventBus,
        on_change: Callable[[Embedder | None], None],
    ) -> None:
        self._paths = paths
        self._settings = settings
        self._update_settings = update_settings
        self._events = events
        self._on_change = on_change  # the open library's searcher follows the loaded model
        self._embedder: Embedder | None = None
        self.model_error: ModelError | None = None

    @property
    def embedder(self) -> Embedder | None:
        """The loaded model (None: metadata only). Set by `load_model`; services and tests
        may set any object with the Embedder protocol."""
        return self._embedder

    @embedder.setter
    def embedder(self, emb: Embedder | None) -> None:
        self._embedder = emb
        self._on_change(emb)

    def model_installed(self) -> bool:
        return models.is_installed(models.model_dir(self._paths, self._settings().model))

    def model_state(self, with_device: bool = True) -> ModelState:
        """The configured model; `with_device` resolves "auto" (which imports torch)."""
        s = self._settings()
        folder = models.model_dir(self._paths, s.model)
        emb = self._embedder
        device = emb.device if emb is not None else s.device
        if emb is None and with_device:
            device = _device_name(s.device)
        return ModelState(
            model=s.model,
            folder=str(folder),
            installed=models.is_installed(folder),
            loaded=emb is not None,
            device=device,
            error=str(self.model_error) if self.model_error else "",
            runtime=emb.pipeline.runtime if getattr(emb, "pipeline", None) else "",
            hint=models.missing_message(s.model, folder),
        )

    @staticmethod
    def known_models() -> list[ModelInfo]:
        """The LAION-CLAP models users can pick (id, summary, size, CPU speed)."""
        return list(models.KNOWN_MODELS.values())

    def installed_models(self) -> list[str]:
        return [p.name for p in models.installed_models(self._paths)]

    def load_model(self, precision: str | None = None) -> Embedder:
        """Load the configured model from disk; raises (and announces) a typed ModelError.
        `precision` overrides the setting for this load (`soundseek index --precision`)."""
        s = self._settings()
        try:
            emb = models.load_embedder(self._paths, s.model, s.device, s.torch_threads,
                                       s.audio_backend, precision or s.precision,
                                       self._preparing)  # fmt: skip
        except ModelError as exc:
            self.embedder, self.model_error = None, exc
            self._events.emit(ModelChanged(None, exc))
            raise
        self.embedder, self.model_error = emb, None
        self._events.emit(ModelChanged(emb, None))
        return emb

    def download_model(
        self, model: str | None = None, progress: Callable[[int, int], None] | None = None
    ) -> Path:
        model = model or self._settings().model
        return models.download_model(self._paths, model, progress, self._preparing)

    def import_model(self, source: str, name: str | None = None) -> Path:
        """Copy (or convert) a model into the models folder and make it the current one."""
        from soundseek.embed import importing  # numpy and the converters: only when importing

        folder = importing.import_model(self._paths, source, name, self._preparing)
        self._update_settings(model=folder.name)
        return folder

    def use_model(self, model: str) -> Path:
        folder = models.require_model(self._paths, model)
        self._update_settings(model=model)
        return folder

    def _preparing(self, step: PrepStep) -> None:
        """A one-time model step (export, gate) starts: shells show it as a named stage."""
        text = preparing_text(step.step, step.steps, step.what)
        self._events.emit(ModelPreparing(step.step, step.steps, step.what, text))


def _device_name(preference: str) -> str:
    from soundseek.embed.clap import resolve_device  # imports torch: only when asked

    return resolve_device(preference)
