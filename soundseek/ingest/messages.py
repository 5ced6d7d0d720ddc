"""The typed records of an embedding run, one definition for every runner: the job a decoder
gets, the messages a decoder sends back (across a process pipe or a Ray call, so all of them
pickle), and what each file comes to: its vectors (`EmbeddedFile`) or the reason it could not
be taken (`FileFailed`, whether the decoder, the model or a dying worker gave it up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


class FileJob(NamedTuple):
    """One content to decode and embed, read from one of its copies."""

    digest: str
    path: str


@dataclass(frozen=True)
class DecodeStarted:
    """A decoder process took this file up (the one a crash or hang would cost)."""

    digest: str


@dataclass(frozen=True)
class DecodedWindow:
    digest: str
    index: int
    start: float
    end: float
    data: np.ndarray  # (frames, mels) features, or the window's samples


@dataclass(frozen=True)
class FileDone:
    """The decoder's last word on a file it read to the end."""

    digest: str
    envelope: bytes
    count: int
    print: bytes = b""  # audio.soundprint.SoundPrint.to_bytes(): how its copies are found


@dataclass(frozen=True)
class FileFailed:
    """A file an embedding run could not take, with the reason recorded in the index."""

    digest: str
    reason: str


@dataclass
class EmbeddedFile:
    """One content's vectors, ready to store (made on this machine or by a cluster actor)."""

    digest: str
    envelope: bytes
    idxs: list[int]
    starts: list[float]
    ends: list[float]
    vectors: np.ndarray | None  # (windows, dim); None for a file without audio windows
    print: bytes = b""  # the sound print (see FileDone)

    @property
    def count(self) -> int:
        return len(self.idxs)

    @property
    def seconds(self) -> float:
        return sum(e - s for s, e in zip(self.starts, self.ends, strict=True))


DecoderMessage = DecodeStarted | DecodedWindow | FileDone | FileFailed
FileEnd = FileDone | FileFailed  # how a decoder's work on one file ended
Outcome = EmbeddedFile | FileFailed  # what a file comes to
