"""Transfer one sound: its file or a region of it, rendered as the options say into finished
files under their final names, with its metadata embedded; or, when nothing needs doing,
the original itself.

An identical transfer (same content, region, options and metadata) is never rendered twice:
the caller hands in what it made before under that key, and a copy in another folder or
under another name is linked or copied from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from soundseek.audio.sources import AudioInfo, open_audio
from soundseek.errors import SoundSeekError, TransferError, TransferOptionError, UnreadableFile
from soundseek.files.fingerprint import content_hash
from soundseek.metadata.fields import MetadataChange
from soundseek.transfer import output
from soundseek.transfer.dsp import Shape, fade_frames
from soundseek.transfer.naming import (
    DEFAULT_FILE,
    DEFAULT_REGION,
    NameFields,
    file_name,
    stem_for,
)
from soundseek.transfer.options import Region, TransferOptions
from soundseek.transfer.render import write_outputs

ENGINE_VERSION = 1  # part of the reuse key: a change in how audio is rendered bumps it
SPLIT_NAMES = {2: (".L", ".R")}


@dataclass(frozen=True)
class TransferRequest:
    source: str
    options: TransferOptions
    region: Region | None = None
    change: MetadataChange = field(default_factory=MetadataChange)  # what the copy says
    names: NameFields | None = None  # fields for the naming template (default: from change)
    preset: str = ""
    copy: bool = False  # "keep original" still copies into the folder (a drag gives the file)


@dataclass(frozen=True)
class Transferred:
    """What a DAW gets: the outputs (one, or one per channel when split), and what they are."""

    source: str
    outputs: tuple[str, ...]
    key: str
    rate: int
    bits: str
    channels: int
    frames: int
    format: str
    reused: bool = False
    original: bool = False  # the source itself, untouched


Previous = Callable[[str], tuple[str, ...] | None]  # key -> outputs made before, still intact
Remember = Callable[["Transferred", list[output.Identity]], None]


def transfer(
    request: TransferRequest, folder: Path, previous: Previous | None = None,
    remember: Remember | None = None,
) -> Transferred:  # fmt: skip
    """Render (or reuse) one transfer into `folder`; TransferError says why not. `remember`
    gets each new copy (and its files' size and time) just before the copy takes its name."""
    opts = request.options.checked()
    try:
        info = _probe(request.source)
        untouched = opts.passthrough and request.region is None
        if untouched and not request.copy:
            return _original(request, info)
        key = transfer_key(request)
        plan = _Plan.make(request, info, folder, _suffix(request.source) if untouched else "")
        made = previous(key) if previous else None  # intact, as `previous` promises
        ready = _on_ready(plan, request, key, made is not None, remember)
        if made is not None:
            return plan.result(request, key, _place(made, plan.finals(), ready), reused=True)
        if untouched:
            copied = _place((request.source,), plan.finals(), ready, link=False)
            return plan.result(request, key, copied, reused=False)
        output.ensure_folder(folder)
        return plan.result(request, key, write_outputs(request, info, plan, key, ready), False)
    except (TransferError, TransferOptionError):
        raise
    except SoundSeekError as exc:
        raise TransferError(request.source, str(exc)) from exc
    except OSError as exc:
        raise TransferError(request.source, output.reason(exc)) from exc


def _on_ready(plan: _Plan, request: TransferRequest, key: str, reused: bool,
              remember: Remember | None) -> output.Ready | None:  # fmt: skip
    if remember is None:
        return None
    return lambda files: remember(plan.result(request, key, tuple(f[0] for f in files), reused),
                                  files)  # fmt: skip


def transfer_key(request: TransferRequest) -> str:
    """Content + region + options + metadata + the source's name: equal keys make equal
    files. The name is in it because a copy is named after its source: a duplicate under
    another name gets its own copy, not one named after the file transferred first."""
    region = request.region and (request.region.start, request.region.end)
    stem = request.names.name if request.names else Path(request.source).stem
    parts = [
        content_hash(request.source),
        region,
        request.options.render_key(),
        request.change.values(),
        stem,
        ENGINE_VERSION,
    ]
    return hashlib.blake2b(json.dumps(parts).encode(), digest_size=12).hexdigest()


def _probe(path: str) -> AudioInfo:
    try:
        src = open_audio(path)
    except UnreadableFile as exc:
        raise TransferError(path, exc.reason) from exc
    src.close()
    return src.info


def _original(request: TransferRequest, info: AudioInfo) -> Transferred:
    return Transferred(
        request.source,
        (request.source,),
        "",
        info.samplerate,
        _source_bits(info),
        info.channels,
        info.frames,
        info.format.lower(),
        original=True,
    )


def _source_bits(info: AudioInfo) -> str:
    """ "keep" in bits: the source's PCM depth; float as 32f; 8-bit and compressed as 24."""
    if info.subtype in ("FLOAT", "DOUBLE"):
        return "32f"
    return str(info.bit_depth) if info.bit_depth in (16, 24, 32) else "24"


@dataclass(frozen=True)
class _Plan:
    """Frames, rates and names worked out before a byte is written."""

    folder: Path
    start_frame: int
    frames_in: int
    shape: Shape
    bits: str
    out_channels: int
    names: tuple[str, ...]
    ext: str  # of the outputs: the format's, or an untouched copy's own

    @classmethod
    def make(cls, request: TransferRequest, info: AudioInfo, folder: Path, ext: str = "") -> _Plan:
        """`ext`: the extension of an untouched copy (the source's own); else the format's."""
        opts = request.options
        rate = info.samplerate
        start, end, cut_in, cut_out = _span(request.region, opts.handles_ms, info)
        out_rate = opts.rate or rate
        shape = Shape(
            rate,
            out_rate,
            opts.speed,
            opts.channels,
            fade_frames(opts.fade_ms, out_rate, cut_in),
            fade_frames(opts.fade_ms, out_rate, cut_out),
            opts.reverse,
        )
        first, last = round(start * rate), round(end * rate)
        channels = 1 if opts.channels == "mono" else info.channels
        bits = opts.bits if opts.bits != "keep" else _source_bits(info)
        ext = ext or opts.container
        names = _names(request, folder, channels, opts.channels == "split", ext)
        return cls(folder, first, max(0, last - first), shape, bits, channels, names, ext)

    def finals(self) -> tuple[Path, ...]:
        return tuple(self.folder / n for n in self.names)

    @property
    def file_channels(self) -> int:
        """Channels in each output file: one each when split."""
        return 1 if len(self.names) > 1 else self.out_channels

    @property
    def frames_out(self) -> int:
        s = self.shape
        return round(self.frames_in * s.out_rate / (s.in_rate * s.speed))

    def result(
        self, request: TransferRequest, key: str, outputs: tuple[str, ...], reused: bool
    ) -> Transferred:
        return Transferred(
            request.source,
            outputs,
            key,
            self.shape.out_rate,
            self.bits,
            self.file_channels,
            self.frames_out,
            self.ext,
            reused=reused,
        )


def _span(
    region: Region | None, handles_ms: float, info: AudioInfo
) -> tuple[float, float, bool, bool]:
    """The seconds to read, and whether each edge cuts inside the file (and gets a fade)."""
    duration = info.duration
    if region is None:
        return 0.0, duration, False, False
    pad = handles_ms / 1000.0
    start, end = max(0.0, region.start - pad), min(duration, region.end + pad)
    if start >= end:
        raise TransferError(
            "region", f"{region.start:g}-{region.end:g} s is past the file's end ({duration:.2f} s)"
        )
    return start, end, start > 0, end < duration - 1e-6


def _suffix(path: str) -> str:
    return Path(path).suffix.lstrip(".") or "wav"


def _names(
    request: TransferRequest, folder: Path, channels: int, split: bool, ext: str
) -> tuple[str, ...]:
    opts = request.options
    fields = request.names or NameFields(Path(request.source).stem)
    if request.region is not None:
        fields = _with_times(fields, request.region)
    template = opts.name or (DEFAULT_REGION if request.region else DEFAULT_FILE)
    stem = stem_for(template, fields)
    suffixes = (
        SPLIT_NAMES.get(channels) or tuple(f".{i + 1}" for i in range(channels))
        if split and channels > 1
        else ("",)
    )
    return _free_set(folder, stem, suffixes, ext)


def _with_times(fields: NameFields, region: Region) -> NameFields:
    return replace(fields, start=region.start, end=region.end)


def _free_set(folder: Path, stem: str, suffixes: tuple[str, ...], ext: str) -> tuple[str, ...]:
    """Names for every output of one transfer, numbered together so a split pair matches."""
    for n in range(1, 10_000):
        numbered = stem if n == 1 else f"{stem} {n}"
        names = tuple(file_name(numbered, s, ext, str(folder)) for s in suffixes)
        if not any(os.path.lexists(folder / name) for name in names):
            return names
    raise TransferError(folder, f"no free name like {stem!r}")


def _place(made: tuple[str, ...], finals: tuple[Path, ...], ready: output.Ready | None,
           link: bool = True) -> tuple[str, ...]:  # fmt: skip
    """A reused render, in the folder asked for now: as it is when it is there already,
    else linked (copied where links fail) under the new names; never rendered again. A
    user's own file is always copied (`link=False`): a DAW editing the copy in place must
    never reach the original."""
    if all(Path(m).parent == f.parent for m, f in zip(made, finals, strict=True)):
        return made  # already there (an untouched copy of a file in the folder: itself)
    output.ensure_folder(finals[0].parent)
    with output.temporaries(finals[0].parent) as temps:
        pairs = []
        for src, final in zip(made, finals, strict=True):
            temp = output.temp_path(final.parent, final.name, ".link")
            temps.append(temp)
            try:
                if not link:
                    raise OSError("copy asked for")
                os.link(src, temp)
            except OSError:
                shutil.copy2(src, temp)
            pairs.append((temp, final))
        output.publish_all(pairs, ready)
    return tuple(map(str, finals))
