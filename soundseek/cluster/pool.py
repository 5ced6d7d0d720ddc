"""Ray actors that embed chunks of files, scheduled by the driver.

Ray's own actor pools (and Ray Data's) retry a dead actor's work forever by default; a file
that crashes its decoder would kill actor after actor. Here each actor restarts at most
`max_restarts` times, a task is never retried by Ray, and the driver isolates the culprit: a
chunk whose actor died is re-sent one file at a time, and a file that kills an actor on its
own is recorded as unreadable. The job finishes with the others.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from soundseek.cluster.actor import EmbedActor, ModelSpec
from soundseek.errors import ClusterError
from soundseek.ingest.decoders import Decode
from soundseek.ingest.messages import FileFailed, FileJob, Outcome

log = logging.getLogger(__name__)

IN_FLIGHT_PER_ACTOR = 2  # one embedding, one queued: an actor never waits for the driver
POLL_SECONDS = 0.5
DIED = "the embedding worker died on this file (its decoder or the model crashed the process)"


@dataclass(frozen=True)
class ClusterPlan:
    """How many actors, and what each asks Ray for."""

    actors: int
    cpus_per_actor: float
    gpus_per_actor: float
    max_restarts: int = 3


def connect(address: str | None, local_cpus: int | None = None) -> bool:
    """Join a cluster (`ray://host:10001`, `auto`) or start a local one; True if started here
    (the caller shuts it down)."""
    import ray

    if ray.is_initialized():
        return False
    # Ray starts its processes by fork + exec; nothing of LanceDB's runs in them.
    warnings.filterwarnings("ignore", "lancedb fork support", RuntimeWarning)
    kwargs = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=local_cpus, **kwargs)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError...
        raise ClusterError(f"cannot reach the Ray cluster at {address or 'local'}: {exc}") from exc
    return True


def default_plan(
    actors: int = 0, gpus_per_actor: float | None = None, max_restarts: int = 3
) -> ClusterPlan:
    """One actor per GPU where the cluster has GPUs, else one per two CPUs."""
    import ray

    res = ray.cluster_resources()
    gpus, cpus = int(res.get("GPU", 0)), int(res.get("CPU", 1))
    per_gpu = (1.0 if gpus else 0.0) if gpus_per_actor is None else gpus_per_actor
    if per_gpu:
        return ClusterPlan(actors or max(1, int(gpus / per_gpu)), 2.0, per_gpu, max_restarts)
    per_cpu = 1.0 if cpus <= 2 else 2.0
    return ClusterPlan(actors or max(1, int(cpus / per_cpu)), per_cpu, 0.0, max_restarts)


class ActorPool:
    """Chunks of jobs in, (chunk, results) out as actors finish them, in any order."""

    def __init__(self, spec: ModelSpec, plan: ClusterPlan, decode: Decode | None = None) -> None:
        import ray

        self.plan, self.spec = plan, spec
        remote = ray.remote(EmbedActor).options(
            num_cpus=plan.cpus_per_actor, num_gpus=plan.gpus_per_actor,
            max_restarts=plan.max_restarts, max_task_retries=0,
        )  # fmt: skip
        self.actors = [remote.remote(spec, decode) for _ in range(plan.actors)]
        self.deaths = dict.fromkeys(range(len(self.actors)), 0)
        self.ready = set(range(len(self.actors)))  # actors taking work
        self.probes: dict[object, int] = {}  # readiness checks of restarting actors
        self.suspect: dict[int, int] = {}  # actor -> seq of the task that was running at death
        self.pending: deque[list[FileJob]] = deque()
        self.in_flight: dict[object, tuple[int, int, list[FileJob]]] = {}  # (actor, seq, chunk)
        self.sent = 0

    def describe(self) -> list[str]:
        """Where each actor runs (waits for them to load the model; raises if none can)."""
        import ray

        try:
            return ray.get([a.where.remote() for a in self.actors])
        except ray.exceptions.RayActorError as exc:
            raise ClusterError(f"the embedding workers could not start: {_cause(exc)}") from exc

    def run(
        self, chunks: Iterator[list[FileJob]]
    ) -> Iterator[tuple[list[FileJob], list[Outcome]] | None]:
        """Yields each finished chunk with its results, and None while waiting (a chance to
        cancel or report progress)."""
        import ray

        source = iter(chunks)
        self._fill(source)
        while self.in_flight or self.probes:
            ready, _ = ray.wait([*self.in_flight, *self.probes], num_returns=1,
                                timeout=POLL_SECONDS)  # fmt: skip
            if not ready:
                yield None
            elif ready[0] in self.probes:
                self._probed(ready[0])
            else:
                actor, seq, chunk = self.in_flight.pop(ready[0])
                try:
                    yield chunk, ray.get(ready[0])
                except ray.exceptions.RayActorError as exc:
                    yield from self._failed(actor, seq, chunk, exc)
            self._fill(source)

    def _failed(self, actor: int, seq: int, chunk: list[FileJob], exc: Exception):
        """A task failed because its actor died. Tasks run in the order they were sent, so
        the one running at death was the actor's oldest: its chunk holds the culprit. The
        others never ran; they go back in the queue."""
        if actor in self.ready:  # the first news of this death
            self.ready.discard(actor)
            mine = [s for a, s, _ in self.in_flight.values() if a == actor]
            self.suspect[actor] = min([seq, *mine])
            self.deaths[actor] += 1
            log.warning("embedding actor %d died: %s", actor, _cause(exc))
            self._probe(actor)
        if seq != self.suspect.get(actor):
            self.pending.appendleft(chunk)
        elif len(chunk) == 1:
            yield chunk, [FileFailed(chunk[0].digest, DIED)]
        else:  # one of these killed it: each goes again on its own
            self.pending.extendleft([[job] for job in reversed(chunk)])

    def _probe(self, actor: int) -> None:
        if self.deaths[actor] > self.plan.max_restarts:
            log.warning("embedding actor %d died %d times; not restarted", actor,
                        self.deaths[actor])  # fmt: skip
            return
        self.probes[self.actors[actor].where.remote()] = actor

    def _probed(self, ref) -> None:
        """A restarting actor answered (back to work) or failed (ask again, until the
        restart cap, or until Ray gives it up for good)."""
        import ray

        actor = self.probes.pop(ref)
        try:
            ray.get(ref)
        except ray.exceptions.ActorDiedError:
            log.warning("embedding actor %d is gone for good", actor)
            return
        except ray.exceptions.RayActorError:
            time.sleep(POLL_SECONDS)  # still restarting
            self._probe(actor)
            return
        self.ready.add(actor)

    def _fill(self, source: Iterator[list[FileJob]]) -> None:
        if not self.ready and not self.probes:
            raise ClusterError("every embedding worker died (see the log); nothing more can run")
        for actor in sorted(self.ready):
            while sum(a == actor for a, _, _ in self.in_flight.values()) < IN_FLIGHT_PER_ACTOR:
                chunk = self.pending.popleft() if self.pending else next(source, None)
                if chunk is None:
                    return
                self.sent += 1
                self.in_flight[self.actors[actor].embed.remote(chunk)] = (actor, self.sent, chunk)

    def close(self) -> None:
        import ray

        for a in self.actors:
            ray.kill(a)
        self.actors = []


def disconnect() -> None:
    import ray

    ray.shutdown()


def _cause(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__
