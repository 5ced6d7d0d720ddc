"""The sounds the end-to-end drag check drops into the DAWs: a few seconds each, at the rates
and depths a sound designer's library mixes (96 kHz/24-bit stereo BWF, 44.1 kHz mono, 48 kHz
24-bit), UCS-style names, one of them not ASCII."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.audiofiles import bext_bytes, ixml_bytes


@dataclass(frozen=True)
class Sound:
    name: str
    rate: int
    channels: int
    seconds: float
    freq: float


BWF96 = Sound("DOORWood_Creak Slow_96k.wav", 96000, 2, 3.0, 2200.0)
CAFE = Sound("Café_Door.wav", 44100, 1, 2.0, 180.0)
THUNDER = Sound("WTHR_Thunder Distant Roll_48k.wav", 48000, 2, 4.0, 60.0)
STEPS = Sound("FOLYFeet_Footsteps Gravel.wav", 48000, 1, 2.5, 900.0)
SOUNDS = (BWF96, CAFE, THUNDER, STEPS)  # by name, the non-ASCII one sorts first


def _samples(s: Sound) -> np.ndarray:
    """A decaying tone under noise bursts: a waveform with shape, different per channel."""
    rng = np.random.default_rng(len(s.name))
    t = np.arange(int(s.seconds * s.rate)) / s.rate
    bursts = (np.sin(2 * np.pi * 1.5 * t) > 0.6) * rng.standard_normal(t.size) * 0.25
    mono = 0.5 * np.sin(2 * np.pi * s.freq * t) * np.exp(-t / s.seconds) + bursts
    chans = [mono * (1.0 - 0.3 * c) for c in range(s.channels)]
    return np.clip(np.stack(chans, axis=1), -0.95, 0.95).astype(np.float32)


def _chunk(cid: bytes, data: bytes) -> bytes:
    return cid + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def write_bwf24(path: Path, samples: np.ndarray, rate: int, description: str) -> None:
    """A 24-bit PCM broadcast WAV (bext and iXML before the data), as field recorders write."""
    ints = np.round(samples * 8388607).astype("<i4")
    pcm = ints.reshape(-1).view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    ch = samples.shape[1]
    fmt = struct.pack("<HHIIHH", 1, ch, rate, rate * ch * 3, ch * 3, 24)
    body = b"WAVE" + _chunk(b"fmt ", fmt) + _chunk(b"bext", bext_bytes(description, "E2E"))
    body += _chunk(b"iXML", ixml_bytes({"LIBRARY": "E2E"})) + _chunk(b"data", pcm)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def write_library(folder: Path) -> dict[str, Path]:
    """The sounds under `folder`; name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for s in SOUNDS:
        path = folder / s.name
        data = _samples(s)
        if s is BWF96:
            write_bwf24(path, data, s.rate, "Slow wooden door creak, 96k")
        else:
            subtype = "PCM_24" if s.rate == 48000 else "PCM_16"
            sf.write(str(path), data if s.channels > 1 else data[:, 0], s.rate, subtype=subtype)
        out[s.name] = path
    return out


def make_home(home: Path):
    """A SoundSeek home with the tiny test model imported and the sounds under Library/;
    returns the opened App and the library folder (the window indexes it when it starts)."""
    import os

    os.environ["SOUNDSEEK_HOME"] = str(home)
    from soundseek.app import App
    from tests.tinyclap import build_tiny_clap

    app = App.open()
    app.models.import_model(str(build_tiny_clap(home / "build" / "tiny")), "tiny")
    library = home / "Library" / "E2E SFX"
    write_library(library)
    return app, library
