"""The sound print: what a copy shares with its original, what another recording does not."""

from __future__ import annotations

import numpy as np
import soxr

from soundseek.audio.soundprint import PrintBuilder, SoundPrint, keep_subset, print_of
from soundseek.index.prints.printindex import PrintIndex
from tests.copies.sounds import creak


def _agreeing(a: SoundPrint, b: SoundPrint) -> int:
    """Hashes of b found in a at b's best single offset."""
    ha = {}
    for h, t in a.hashes.tolist():
        ha.setdefault(h, []).append(t)
    offsets: dict[int, int] = {}
    for h, t in b.hashes.tolist():
        for ta in ha.get(h, ()):
            offsets[ta - t] = offsets.get(ta - t, 0) + 1
    return max(offsets.values(), default=0)


def test_a_quieter_resampled_copy_shares_hashes_another_creak_does_not():
    x = creak(3.0, seed=1)
    copy = soxr.resample(soxr.resample(x * 0.5, 48000, 44100), 44100, 48000).astype(np.float32)
    a, b, other = print_of(x), print_of(copy), print_of(creak(3.0, seed=2))
    assert _agreeing(a, b) >= 0.3 * min(len(a.hashes), len(b.hashes))
    assert _agreeing(a, other) < 0.05 * len(a.hashes)


def test_streaming_in_small_blocks_gives_the_same_print_as_one_block():
    """A long file is hashed in ~30 s chunks as it decodes: block sizes must not matter."""
    x = np.tile(creak(11.0, seed=7), 6)  # 66 s: two chunks and a tail
    whole = print_of(x)
    b = PrintBuilder()
    for i in range(0, len(x), 12_345):
        b.feed(x[i : i + 12_345])
    assert np.array_equal(b.finish().hashes, whole.hashes)
    assert whole.stride > 1 and whole.duration == len(x) / 48000


def test_bytes_round_trip_and_damage_reads_as_no_print():
    p = print_of(creak(1.0, seed=3))
    assert np.array_equal(SoundPrint.from_bytes(p.to_bytes()).hashes, p.hashes)
    assert SoundPrint.from_bytes(p.to_bytes()[:-3]) is None
    assert SoundPrint.from_bytes(b"junk") is None


def test_coarser_subsets_lie_inside_finer_ones():
    h = print_of(creak(5.0, seed=4)).hashes
    fine, coarse = keep_subset(h, 2), keep_subset(h, 8)
    assert 0 < len(coarse) < len(fine) and {tuple(r) for r in coarse} <= {tuple(r) for r in fine}


def test_the_print_index_finds_a_region_at_its_offset(tmp_path):
    long = creak(12.0, seed=5)
    index = PrintIndex(tmp_path / "p.sqlite", writable=True)
    p = print_of(long)
    index.add("long", p.duration, p.hashes, p.stride, [])
    index.add("other", 3.0, print_of(creak(3.0, seed=6)).hashes, 1, [])
    region = print_of(long[int(4.25 * 48000) : int(6.25 * 48000)])
    (item, agree, frames), *_ = index.candidates(region.hashes)
    assert item.content == "long" and agree >= 10
    assert abs(frames * 128 / 12000 - 4.25) < 0.05


def test_a_forgotten_content_takes_its_postings_and_relations_along(tmp_path):
    from soundseek.index.prints.relations import RECORDING, Relation

    index = PrintIndex(tmp_path / "p.sqlite", writable=True)
    p = print_of(creak(2.0, seed=8))
    index.add("a", p.duration, p.hashes, p.stride, [])
    index.add("b", p.duration, p.hashes, p.stride, [Relation("a", "b", RECORDING)])
    assert index.forget(["a"]) == 1
    assert index.relations() == [] and index.contents() == ["b"]
    ((item, agree, _off),) = index.candidates(p.hashes)
    assert item.content == "b" and agree == len(np.unique(p.hashes, axis=0))


def test_a_copy_a_sample_longer_still_correlates_fully():
    """Two files of one sound a resampler made one sample apart in length."""
    from soundseek.audio.alignment import wave_correlation

    x = creak(1.0, seed=9)[::4]
    assert wave_correlation(x, np.r_[x, 0.0]) > 0.999
    assert wave_correlation(x, creak(1.0, seed=10)[::4]) < 0.5
