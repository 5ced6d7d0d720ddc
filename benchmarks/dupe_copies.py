"""The transformed copies bench_dupe_methods makes of each original: other rates and bit
depths, MP3 (PyAV libmp3lame), Ogg Vorbis and FLAC (libsndfile), gain, trims, padding, mono fold
and a 2 s region with its offset."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from benchmarks.dupe_fingerprints import FP_RATE
from soundseek.audio.decode import downmix


def _mp3(path: Path, data: np.ndarray, rate: int) -> None:
    """MP3 128 kb/s through PyAV's libmp3lame (what ffmpeg users get)."""
    import av

    if rate not in (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000):
        data, rate = soxr.resample(data, rate, 44100), 44100
    if data.shape[1] > 2:
        data = downmix(data)[:, None]
    layout = "stereo" if data.shape[1] == 2 else "mono"
    with av.open(str(path), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate)
        stream.layout, stream.bit_rate = layout, 128_000
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(data.T, dtype=np.float32), format="fltp", layout=layout
        )
        frame.sample_rate = rate
        for packet in list(stream.encode(frame)) + list(stream.encode(None)):
            out.mux(packet)


def _write(folder: Path, name: str, data: np.ndarray, rate: int, kind: str = "FLOAT") -> str:
    path = folder / name
    if kind == "MP3":
        _mp3(path, data, rate)
    elif kind == "VORBIS":
        sf.write(str(path), data, rate, format="OGG", subtype="VORBIS")
    elif kind == "FLAC":
        sf.write(str(path), np.clip(data, -1, 1), rate, format="FLAC", subtype="PCM_16")
    else:
        sf.write(str(path), np.clip(data, -1, 1) if kind != "FLOAT" else data, rate, subtype=kind)
    return str(path)


def make_copies(folder: Path, data: np.ndarray, rate: int, rng: random.Random) -> list[tuple]:
    """(transform, path, offset_s) for each copy of one original that makes sense for it."""
    dur = len(data) / rate
    out = []
    other = 48000 if rate == 44100 else 44100
    out.append(("rate_44k1", _write(folder, "r44.wav", soxr.resample(data, rate, other), other)))
    out.append(("rate_96k", _write(folder, "r96.wav", soxr.resample(data, rate, 96000), 96000)))
    out.append(("pcm16", _write(folder, "p16.wav", data, rate, "PCM_16")))
    out.append(("pcm24", _write(folder, "p24.wav", data, rate, "PCM_24")))
    out.append(("mp3", _write(folder, "c.mp3", data, rate, "MP3")))
    out.append(("ogg_vorbis", _write(folder, "c.ogg", data, rate, "VORBIS")))
    out.append(("flac", _write(folder, "c.flac", data, rate, "FLAC")))
    out.append(("gain_+6dB", _write(folder, "gp.wav", data * 2.0, rate)))
    out.append(("gain_-6dB", _write(folder, "gm.wav", data * 0.5, rate)))
    for ms in (50, 200, 500):
        cut = int(ms * rate / 1000)
        if dur - ms / 1000 >= max(0.1, dur / 2):  # a trim that leaves most of the sound
            out.append((f"trim_start_{ms}", _write(folder, f"ts{ms}.wav", data[cut:], rate)))
            out.append((f"trim_end_{ms}", _write(folder, f"te{ms}.wav", data[:-cut], rate)))
    pad = np.zeros((int(0.3 * rate), data.shape[1]), np.float32)
    out.append(("pad_start_300", _write(folder, "ps.wav", np.concatenate([pad, data]), rate)))
    out.append(("pad_end_300", _write(folder, "pe.wav", np.concatenate([data, pad]), rate)))
    if data.shape[1] == 2:
        out.append(("mono_fold", _write(folder, "mono.wav", downmix(data)[:, None], rate)))
    if dur > 6.0:
        start = rng.uniform(0.0, dur - 2.0)
        a = int(start * rate)
        out.append(("region_2s", _write(folder, "reg.wav", data[a : a + 2 * rate], rate), start))
    return [t if len(t) == 3 else (*t, 0.0) for t in out]


def to_mono(data: np.ndarray, rate: int) -> np.ndarray:
    return soxr.resample(downmix(data.astype(np.float32)), rate, FP_RATE).astype(np.float32)
