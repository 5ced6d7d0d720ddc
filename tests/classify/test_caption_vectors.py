"""The UCS caption vectors (what suggestions score against, and the search's confidence null)
are encoded once per model: a second library, or a second home with the model, reads them."""

from __future__ import annotations

import numpy as np

from soundseek.classify.zero_shot import caption_vectors
from soundseek.metadata.ucs import load_catalog


class CountingEncoder:
    def __init__(self) -> None:
        self.texts = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        rng = np.random.default_rng(len(texts))
        v = rng.standard_normal((len(texts), 8)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_a_second_library_reads_the_models_caption_vectors(tmp_path):
    catalog, encode = load_catalog(), CountingEncoder()
    model, first, second = tmp_path / "model", tmp_path / "lib1", tmp_path / "lib2"
    catids, made = caption_vectors(catalog, "m@1/logmel-v1", encode, [model, first])
    assert encode.texts == 2 * len(catids) == 2 * len(catalog.by_catid)
    _, read = caption_vectors(catalog, "m@1/logmel-v1", encode, [model, second])
    assert encode.texts == 2 * len(catids), "not encoded again"
    assert np.array_equal(made, read) and list(second.glob("captions-*.npy"))


def test_another_model_or_a_damaged_file_is_encoded_again(tmp_path):
    catalog, encode = load_catalog(), CountingEncoder()
    model, lib = tmp_path / "model", tmp_path / "lib"
    catids, _ = caption_vectors(catalog, "m@1/logmel-v1", encode, [model, lib])
    caption_vectors(catalog, "m@2/logmel-v1", encode, [model, lib])
    assert encode.texts == 4 * len(catids), "another model's space: its own vectors"
    for kept in [*model.glob("captions-*.npy"), *lib.glob("captions-*.npy")]:
        kept.write_bytes(b"not a numpy file")
    _, again = caption_vectors(catalog, "m@1/logmel-v1", encode, [model, None, lib])
    assert encode.texts == 6 * len(catids) and again.shape == (len(catids), 8)
