"""What `status` reports, as typed records; `to_json` keys are a scripting interface."""

from __future__ import annotations

from dataclasses import dataclass, field

from soundseek.app.location import LocationInfo
from soundseek.files.roots import Root

PREPARING = "Preparing the model for this computer (one time)"
PREP_STEPS = {
    "text export": "exporting the text encoder",
    "audio export": "exporting the audio encoder",
    "gate": "checking the fast encoder against the original (fidelity gate)",
}


def preparing_text(step: int, steps: int, what: str) -> str:
    """One line for a one-time model step: "Preparing … (one time): step 1 of 2, exporting
    the audio encoder…"; what == "": done."""
    if not what:
        return f"{PREPARING}: done"
    return f"{PREPARING}: step {step} of {steps}, {PREP_STEPS.get(what, what)}…"


@dataclass(frozen=True)
class RootSummary:
    """One library folder: where it is, whether it is mounted, and its files by state."""

    root: Root
    online: bool
    files: int = 0
    indexed: int = 0
    pending: int = 0
    errors: int = 0

    def to_json(self) -> dict:
        return {
            "id": self.root.id, "name": self.root.name, "path": self.root.path,
            "online": self.online, "files": self.files, "indexed": self.indexed,
            "pending": self.pending, "unreadable": self.errors,
        }  # fmt: skip


@dataclass(frozen=True)
class FileError:
    path: str
    reason: str


@dataclass(frozen=True)
class ModelState:
    """The configured model: on disk or not, loaded or not (and why not)."""

    model: str
    folder: str
    installed: bool
    loaded: bool
    device: str
    error: str = ""
    runtime: str = ""  # the audio encoder's backend-precision once loaded
    hint: str = ""  # how to get the model when it is not on disk


@dataclass(frozen=True)
class LibraryStatus:
    roots: list[RootSummary]
    files: int
    indexed: int
    pending: int
    windows: int
    ann_index: bool
    model: ModelState
    index_model: str
    index_dim: int
    index_space: str
    index_runtimes: tuple[str, ...]
    schema_version: int
    store_dir: str
    store_bytes: int
    log_file: str
    errors: list[FileError] = field(default_factory=list)
    location: LocationInfo | None = None
    indexed_by: str = ""
    indexed_at: float = 0.0

    def to_json(self) -> dict:
        """Keys of turn 1 keep their meaning (`library_roots` is still a list of paths)."""
        return {
            "library_roots": [r.root.path for r in self.roots],
            "roots": [r.to_json() for r in self.roots],
            "files": self.files, "indexed": self.indexed, "pending": self.pending,
            "unreadable": len(self.errors), "windows": self.windows, "ann_index": self.ann_index,
            "model": self.model.model, "model_installed": self.model.installed,
            "model_dir": self.model.folder, "index_model": self.index_model,
            "index_dim": self.index_dim, "device": self.model.device,
            "index_space": self.index_space, "index_runtimes": list(self.index_runtimes),
            "model_runtime": self.model.runtime,
            "store_dir": self.store_dir, "store_bytes": self.store_bytes,
            "schema_version": self.schema_version, "log_file": self.log_file,
            "errors": [{"path": e.path, "reason": e.reason} for e in self.errors],
            "location": self.location.uri if self.location else "local",
            "shared": bool(self.location and self.location.shared),
            "indexed_by": self.indexed_by, "indexed_at": self.indexed_at,
        }  # fmt: skip
