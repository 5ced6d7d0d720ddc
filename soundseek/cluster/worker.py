"""What one cluster worker does, with no Ray in sight: load the model once, then decode and
embed chunks of files, returning each file's vectors or the reason it failed.

It decodes and featurizes exactly as the local indexer does (the same decoder, log-mel on the
CPU for a CPU model, the model's own GPU features on a GPU), so a file gets the same vectors
whichever way it was indexed. One bad file is a FailedFile; it never fails the chunk.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundseek.embed.base import FeatureEncoder
from soundseek.ingest.embedding import NON_FINITE, EmbeddedFile
from soundseek.ingest.workers import Decode, decode_file


@dataclass(frozen=True)
class ModelSpec:
    """How a worker loads the model: every node needs the folder at this path (a shared
    SoundSeek home, or the same models folder copied to each node)."""

    folder: str
    model_id: str
    device: str = "cpu"
    threads: int = 1
    backend: str = "auto"
    precision: str = "auto"
    batch_size: int = 8


@dataclass(frozen=True)
class FailedFile:
    digest: str
    reason: str


Result = EmbeddedFile | FailedFile


class _File:
    """Windows of one file as they come out of the decoder, then their vectors."""

    def __init__(self, digest: str) -> None:
        self.digest = digest
        self.meta: list[tuple[int, float, float]] = []
        self.vectors: list[np.ndarray] = []
        self.failed = ""


class EmbedWorker:
    """Loads the model in its process; `embed` takes [(digest, path)] and returns results."""

    def __init__(self, spec: ModelSpec, decode: Decode | None = None) -> None:
        from soundseek.embed.clap import ClapEmbedder

        if not Path(spec.folder).is_dir():
            raise FileNotFoundError(f"the model folder {spec.folder} is not on {_host()}")
        self.spec = spec
        self.embedder = ClapEmbedder(Path(spec.folder), spec.model_id, spec.device,
                                     spec.threads, spec.backend, spec.precision)  # fmt: skip
        cpu_features = isinstance(self.embedder, FeatureEncoder) and spec.device == "cpu"
        self.logmel = self.embedder.logmel if cpu_features else None
        self.decode = decode or decode_file

    def where(self) -> str:
        return f"{_host()} pid {os.getpid()} on {self.embedder.device}"

    def embed(self, jobs: list[tuple[str, str]]) -> list[Result]:
        batch: list[tuple[_File, np.ndarray]] = []
        files, results = [], []
        for digest, path in jobs:
            f = _File(digest)
            files.append(f)

            def send(msg: tuple, f: _File = f) -> None:
                if msg[0] == "window":
                    f.meta.append((msg[2], msg[3], msg[4]))
                    batch.append((f, msg[5]))
                    if len(batch) >= self.spec.batch_size:
                        self._run(batch)

            end = self.decode(digest, path, self.logmel, send)
            results.append(end)
        self._run(batch)
        return [self._result(f, end) for f, end in zip(files, results, strict=True)]

    def _run(self, batch: list[tuple[_File, np.ndarray]]) -> None:
        if not batch:
            return
        data = [d for _, d in batch]
        if self.logmel is not None:
            vecs = self.embedder.embed_features(np.stack(data))
        else:
            vecs = self.embedder.embed_audio(data)
        for (f, _), v in zip(batch, vecs, strict=True):
            if not np.isfinite(v).all():
                f.failed = NON_FINITE
            f.vectors.append(np.asarray(v, dtype=np.float32))
        batch.clear()

    @staticmethod
    def _result(f: _File, end: tuple) -> Result:
        if end[0] == "failed":
            return FailedFile(f.digest, end[2])
        if f.failed:
            return FailedFile(f.digest, f.failed)
        idxs = [m[0] for m in f.meta]
        starts, ends = [m[1] for m in f.meta], [m[2] for m in f.meta]
        vecs = np.stack(f.vectors) if f.vectors else None
        return EmbeddedFile(f.digest, end[2], idxs, starts, ends, vecs)


def _host() -> str:
    return socket.gethostname()
