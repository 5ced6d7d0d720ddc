"""The one embed batcher, as both runners use it: windows of several files share model
batches, a file comes out whole once its windows are embedded, and a file the model gives
non-numbers for comes out once, as a FileFailed, however its later windows arrive."""

from __future__ import annotations

import numpy as np

from soundseek.ingest.batcher import NON_FINITE, WindowBatcher
from soundseek.ingest.messages import DecodedWindow, EmbeddedFile, FileDone, FileFailed


class MarkEmbedder:
    """A window's vector is its first sample, repeated; a NaN sample gives a NaN vector."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def embed_audio(self, windows: list[np.ndarray]) -> np.ndarray:
        self.batches.append(len(windows))
        return np.array([np.full(4, w[0]) for w in windows], dtype=np.float32)


def window(digest: str, index: int, value: float) -> DecodedWindow:
    return DecodedWindow(digest, index, index * 10.0, index * 10.0 + 10.0, np.full(8, value))


def test_windows_of_several_files_share_batches_and_files_come_out_whole():
    model = MarkEmbedder()
    batcher = WindowBatcher(model, batch_size=3, features=False)
    ran = [batcher.add(m) for m in (window("a", 0, 1.0), window("a", 1, 2.0))]
    ran += [batcher.add(FileDone("a", b"env-a", 2)), batcher.add(window("b", 0, 3.0))]
    assert ran == [False, False, False, True] and model.batches == [3]
    assert [o.digest for o in batcher.take()] == ["a"]
    batcher.add(FileDone("b", b"env-b", 1))  # an empty batch: b is complete at once
    (b,) = batcher.take()
    assert isinstance(b, EmbeddedFile) and b.envelope == b"env-b" and b.count == 1
    assert b.vectors.dtype == np.float32 and b.vectors[0, 0] == 3.0
    assert batcher.audio_seconds == 30.0 and batcher.take() == []


def test_a_non_finite_file_fails_once_and_its_later_windows_are_dropped():
    batcher = WindowBatcher(MarkEmbedder(), batch_size=1, features=False)
    batcher.add(window("x", 0, float("nan")))
    assert batcher.take() == [FileFailed("x", NON_FINITE)]
    batcher.add(window("x", 1, 1.0))  # still decoding after its failure was committed
    batcher.add(FileFailed("x", "the decoder gave up too"))
    batcher.add(FileDone("x", b"", 2))
    batcher.add(window("y", 0, 1.0))
    batcher.add(FileDone("y", b"", 1))
    batcher.run_batch()
    assert [(type(o).__name__, o.digest) for o in batcher.take()] == [("EmbeddedFile", "y")]
