"""What every embedder offers: one L2-normalised space for audio windows and text queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from soundseek.embed.features import FeatureSpec

# What SoundSeek makes for a model (exports, gate verdicts, text vectors), kept beside it
MODEL_CACHE = ".soundseek"

CAPTION_TEMPLATES = ("the sound of {}", "{} sound effect", "a recording of {}")


@dataclass(frozen=True)
class PrepStep:
    """One of the one-time steps that make a model fast on this computer (an ONNX export,
    a fidelity gate), as it starts: `step` of `steps` (what == "": all done)."""

    step: int
    steps: int
    what: str  # "text export" | "audio export" | "gate" | ""


OnStep = Callable[[PrepStep], None]


class Steps:
    """Counts the one-time steps as they start and tells `on_step` (if any)."""

    def __init__(self, planned: list[str], on_step: OnStep | None) -> None:
        self.total, self.done, self.on_step = len(planned), 0, on_step

    def start(self, what: str) -> None:
        self.done += 1
        self.total = max(self.total, self.done)
        if self.on_step is not None:
            self.on_step(PrepStep(self.done, self.total, what))

    def finish(self) -> None:
        if self.done and self.on_step is not None:
            self.on_step(PrepStep(self.done, self.done, ""))


class Embedder(Protocol):
    """Maps audio windows and text into one L2-normalised vector space."""

    model_id: str
    dim: int
    device: str

    def embed_audio(self, windows: list[np.ndarray]) -> np.ndarray: ...

    def embed_text(self, texts: list[str]) -> np.ndarray: ...


@runtime_checkable
class FeatureEncoder(Protocol):
    """An embedder whose features can be computed elsewhere (worker processes, a GPU): the
    indexer sends it log-mel arrays instead of samples."""

    feature_spec: FeatureSpec

    def embed_features(self, feats: np.ndarray) -> np.ndarray: ...


def pipeline_of(embedder: Embedder) -> tuple[str, str]:
    """(space, runtime) of an embedder; stand-ins without a pipeline are their own space."""
    pipeline = getattr(embedder, "pipeline", None)
    if pipeline is None:
        return embedder.model_id, ""
    return pipeline.space, pipeline.runtime


def caption_variants(query: str) -> list[str]:
    """Short keyword queries read better to CLAP as captions (LAION-CLAP's keyword-to-caption)."""
    q = query.strip()
    if not q or len(q.split()) > 3:
        return [q]
    return [q, *(t.format(q) for t in CAPTION_TEMPLATES)]


def normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


def query_vector(embedder: Embedder, text: str, captions: bool = True) -> np.ndarray:
    """One vector for a query: mean of caption phrasings for short keywords, when enabled."""
    variants = caption_variants(text) if captions else [text]
    vecs = embedder.embed_text(variants)
    return normalise(vecs.mean(axis=0, keepdims=True))[0]


def text_vector_folder(encoder: object) -> Path | None:
    """Where text vectors that depend only on this model are kept: beside the model (copied
    with it on import), or None for an encoder without a folder."""
    folder = getattr(encoder, "folder", None)
    return Path(folder) / MODEL_CACHE / "text-vectors" if folder is not None else None
