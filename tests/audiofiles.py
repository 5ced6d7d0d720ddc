"""Generate the audio tests need: BWF with bext/iXML, tagged FLAC/OGG, odd and broken files."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf


def tone(seconds: float, freq: float = 440.0, rate: int = 48000, channels: int = 1, amp=0.3):
    t = np.arange(int(seconds * rate)) / rate
    mono = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono


def noise(seconds: float, rate: int = 48000, seed: int = 0, amp=0.2):
    return (amp * np.random.default_rng(seed).standard_normal(int(seconds * rate))).astype(
        np.float32
    )


def _chunk(cid: bytes, data: bytes) -> bytes:
    pad = b"\x00" if len(data) % 2 else b""
    return cid + struct.pack("<I", len(data)) + data + pad


def bext_bytes(description: str, originator: str = "", date: str = "2026-01-02") -> bytes:
    fixed = bytearray(602)
    fixed[0:256] = description.encode("utf-8")[:256].ljust(256, b"\x00")
    fixed[256:288] = originator.encode("utf-8")[:32].ljust(32, b"\x00")
    fixed[320:330] = date.encode("ascii")[:10].ljust(10, b"\x00")
    fixed[330:338] = b"12:00:00"
    return bytes(fixed) + b"A=PCM,F=48000,W=24,M=mono\r\n"


def ixml_bytes(user: dict[str, str], note: str = "") -> bytes:
    fields = "".join(f"<{k}>{v}</{k}>" for k, v in user.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><BWFXML><IXML_VERSION>2.10</IXML_VERSION>'
        f"<NOTE>{note}</NOTE><USER>{fields}</USER></BWFXML>"
    ).encode()


def write_bwf(path: Path, samples: np.ndarray, rate: int = 48000, bext=None, ixml=None) -> Path:
    """A 16-bit PCM WAV with optional bext and iXML chunks before the data chunk."""
    data = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    channels = 1 if data.ndim == 1 else data.shape[1]
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * 2, channels * 2, 16)
    body = b"WAVE" + _chunk(b"fmt ", fmt)
    if bext is not None:
        body += _chunk(b"bext", bext)
    if ixml is not None:
        body += _chunk(b"iXML", ixml)
    body += _chunk(b"data", data.tobytes())
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def write_tagged_flac(path: Path, samples, rate=48000, **tags) -> Path:
    from mutagen.flac import FLAC

    sf.write(str(path), samples, rate, format="FLAC")
    f = FLAC(str(path))
    for k, v in tags.items():
        f[k] = v
    f.save()
    return path


def write_tagged_ogg(path: Path, samples, rate=48000, **tags) -> Path:
    from mutagen.oggvorbis import OggVorbis

    sf.write(str(path), samples, rate, format="OGG", subtype="VORBIS")
    f = OggVorbis(str(path))
    for k, v in tags.items():
        f[k] = v
    f.save()
    return path


def write_mp3(path: Path, samples, rate=48000, title: str = "") -> Path:
    sf.write(str(path), samples, rate, format="MP3", subtype="MPEG_LAYER_III")
    if title:
        from mutagen.id3 import ID3, TIT2

        tags = ID3()
        tags.add(TIT2(encoding=3, text=title))
        tags.save(str(path))
    return path


def write_long_wav(path: Path, seconds: float, rate: int = 8000) -> Path:
    """A long file written in blocks (never whole in memory): quiet noise with a tone burst."""
    with sf.SoundFile(str(path), "w", rate, 1, subtype="PCM_16") as out:
        block = rate * 60
        for i in range(int(np.ceil(seconds * rate / block))):
            n = min(block, int(seconds * rate) - i * block)
            out.write(noise(n / rate, rate, seed=i, amp=0.05))
    return path


def write_broken(folder: Path) -> dict[str, Path]:
    """Zero bytes, a truncated header and random bytes named .wav."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    truncated = folder / "truncated.wav"
    truncated.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    rnd = folder / "random.wav"
    rnd.write_bytes(np.random.default_rng(1).bytes(5000))
    return {"empty": empty, "truncated": truncated, "random": rnd}


def make_library(root: Path) -> dict[str, Path]:
    """The mixed library most tests share (short files so tests stay fast)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Doors").mkdir()
    (root / "Weather").mkdir()
    (root / "Ünïcode folder").mkdir()
    f: dict[str, Path] = {}
    f["door"] = write_bwf(
        root / "Doors" / "DOORWood_Creak Slow_JD_MYLIB_01.wav",
        tone(2.0, 300),
        bext=bext_bytes("Old wooden door creaks open slowly", "JD Sound"),
        ixml=ixml_bytes({"CATID": "DOORWood", "KEYWORDS": "hinge squeak", "LIBRARY": "MyLib",
                         "DESIGNER": "Jane Doe", "FXNAME": "Creak Slow"}),
    )  # fmt: skip
    f["door_copy"] = root / "Ünïcode folder" / "copy of door — take 2.wav"
    f["door_copy"].write_bytes(f["door"].read_bytes())
    f["thunder"] = write_tagged_flac(
        root / "Weather" / "thunder distant roll.flac", noise(12.0, seed=3),
        title="Distant thunder", comment="storm rumble far away",
    )  # fmt: skip
    f["rain"] = write_tagged_ogg(
        root / "Weather" / "rain_light.ogg", noise(3.0, seed=4, amp=0.05),
        title="Light rain", genre="ambience",
    )  # fmt: skip
    f["metal"] = write_bwf(root / "Doors" / "metal door slam.wav", noise(1.0, seed=5, amp=0.6))
    f["surround"] = root / "Weather" / "wind 6ch.wav"
    sf.write(str(f["surround"]), np.tile(noise(2.0, seed=6)[:, None], (1, 6)), 48000)
    f["hires"] = root / "Weather" / "bird chirp 96k.wav"
    sf.write(str(f["hires"]), tone(1.5, 3000, rate=96000), 96000, subtype="PCM_24")
    f["click"] = root / "click.wav"
    sf.write(str(f["click"]), tone(0.05, 1000), 48000)
    f["mp3"] = write_mp3(root / "dog bark.mp3", noise(2.0, seed=7), title="Dog bark")
    f.update(write_broken(root / "broken"))
    return f


def write_ffmpeg(path: Path, samples: np.ndarray, rate: int, codec: str, container: str,
                 sample_format: str, **tags: str) -> Path:  # fmt: skip
    """Encode with FFmpeg (PyAV): WavPack, AAC/ALAC in M4A, ALAC in CAF, WMA. `sample_format`
    is the encoder's input (s16p for 16-bit lossless, fltp for AAC...)."""
    import av

    data = samples if samples.ndim == 2 else samples[:, None]
    layout = {1: "mono", 2: "stereo"}[data.shape[1]]
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout, format=sample_format)
        if codec.startswith("wma"):
            stream.bit_rate = 128_000
        for key, value in tags.items():
            out.metadata[key] = value
        planar = np.ascontiguousarray(data.T.astype(np.float32))
        frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=layout)
        frame.sample_rate = rate
        convert = av.AudioResampler(format=sample_format, layout=layout, rate=rate)
        for chunk in [*convert.resample(frame), *convert.resample(None)]:
            for packet in stream.encode(chunk):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def write_ogg_in_riff(path: Path, samples: np.ndarray, rate: int = 44100) -> Path:
    """A whole Ogg Vorbis stream inside a RIFF WAVE (fmt tag 0x674F), as old sample tools
    wrote them: neither libsndfile nor FFmpeg reads the wrapper."""
    import io

    ogg = io.BytesIO()
    sf.write(ogg, samples, rate, format="OGG", subtype="VORBIS")
    fmt = struct.pack("<HHIIHH", 0x674F, 1, rate, rate * 2, 2, 16) + b"\x00\x00"
    body = b"WAVE" + _chunk(b"fmt ", fmt) + _chunk(b"data", ogg.getvalue())
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path
