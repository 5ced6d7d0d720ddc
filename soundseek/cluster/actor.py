"""What one cluster actor does, with no Ray in sight: load the model once, then decode and
embed chunks of files, returning each file's vectors or the reason it failed.

It decodes, featurizes and batches exactly as the local runner does (the same decoder, log-mel
on the CPU for a CPU model, the model's own GPU features on a GPU, the same batcher), so a file
gets the same vectors whichever way it was indexed. One bad file is a FileFailed; it never
fails the chunk.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from soundseek.embed.base import FeatureEncoder
from soundseek.ingest.batcher import WindowBatcher
from soundseek.ingest.decoders import Decode, decode_file
from soundseek.ingest.messages import FileJob, Outcome


@dataclass(frozen=True)
class ModelSpec:
    """How an actor loads the model: every node needs the folder at this path (a shared
    SoundSeek home, or the same models folder copied to each node)."""

    folder: str
    model_id: str
    device: str = "cpu"
    threads: int = 1
    backend: str = "auto"
    precision: str = "auto"
    batch_size: int = 8


class EmbedActor:
    """Loads the model in its process; `embed` takes a chunk of jobs and returns outcomes."""

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

    def embed(self, jobs: list[FileJob]) -> list[Outcome]:
        """The chunk's files one after another, their windows batched across files."""
        batcher = WindowBatcher(self.embedder, self.spec.batch_size, self.logmel is not None)
        for job in jobs:
            batcher.add(self.decode(job.digest, job.path, self.logmel, batcher.add))
        batcher.run_batch()
        return batcher.take()


def _host() -> str:
    return socket.gethostname()
