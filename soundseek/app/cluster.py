"""`cluster index`: what the application needs to run an index's embedding on Ray."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from soundseek.app.location import who_indexes
from soundseek.app.settings import Settings
from soundseek.paths import AppPaths

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterOptions:
    address: str = ""  # ray://host:10001, "auto" (a `ray start` on this machine), "": local
    actors: int = 0  # 0: one per GPU, else one per two CPUs
    gpus_per_actor: float | None = None  # None: 1 where the cluster has GPUs
    chunk_files: int = 16
    max_restarts: int = 3
    local_cpus: int | None = None  # a local cluster's CPUs (None: all)
    decode: object = None  # tests: a decoder standing in for the real one in the actors


class ClusterJob:
    """Connects (or starts) Ray, starts the actors, and hands the pipeline its embed stage."""

    def __init__(self, options: ClusterOptions, settings: Settings, paths: AppPaths) -> None:
        self.options, self.settings, self.paths = options, settings, paths
        self.who = who_indexes("Ray")

    def _spec(self, plan):
        """How each actor loads the model: on its GPU, or on its CPUs with that many threads."""
        from soundseek.cluster.actor import ModelSpec
        from soundseek.embed.models import require_model

        s = self.settings
        gpu = plan.gpus_per_actor > 0
        return ModelSpec(str(require_model(self.paths, s.model)), s.model,
                         "cuda" if gpu else "cpu", 0 if gpu else max(1, int(plan.cpus_per_actor)),
                         s.audio_backend, s.precision, s.batch_size)  # fmt: skip

    def stage(self):
        """The pipeline's embed stage; Ray and the actors start only if files are pending."""
        from soundseek.cluster.ray_runner import RayRunner

        return RayRunner(self._actors, self.options.chunk_files)

    @contextlib.contextmanager
    def _actors(self) -> Iterator[object]:
        from soundseek.cluster import pool

        o = self.options
        here = pool.connect(o.address or None, o.local_cpus)
        actors = None
        try:
            plan = pool.default_plan(o.actors, o.gpus_per_actor, o.max_restarts)
            actors = pool.ActorPool(self._spec(plan), plan, o.decode)
            where = actors.describe()
            log.info("cluster index: %d actors: %s", len(where), "; ".join(where))
            self.who = who_indexes(f"Ray, {len(where)} actors, {actors.spec.device}")
            yield actors
        finally:
            if actors is not None:
                actors.close()
            if here:
                pool.disconnect()
