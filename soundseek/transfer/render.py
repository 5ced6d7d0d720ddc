"""Write a planned transfer: decode, shape, quantise and write the audio into hidden
temporary files, stamp the metadata, check what was written, then publish each file under
its final name. Any failure removes every temporary file; nothing half-written is named."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from soundseek.audio.sources import AudioInfo, open_audio
from soundseek.errors import TransferError
from soundseek.transfer import output
from soundseek.transfer.dsp import BLOCK_FRAMES, shaped
from soundseek.transfer.output import Ready
from soundseek.transfer.quantize import SUBTYPES, Quantizer, depth_of, needs_dither
from soundseek.transfer.stamp import CopyMeta, stamp_aiff, stamp_wave
from soundseek.transfer.timeref import source_time_reference

if TYPE_CHECKING:
    from soundseek.transfer.engine import TransferRequest, _Plan

RIFF_LIMIT = 4_000_000_000  # past this a WAV is written as RF64
LENGTH_SLACK = 2  # frames a resampler's rounding may add or drop


def write_outputs(
    request: TransferRequest, info: AudioInfo, plan: _Plan, key: str, ready: Ready | None = None
) -> tuple[str, ...]:
    """The finished, published outputs; the key seeds the dither (same transfer, same bytes)."""
    finals = plan.finals()
    output.check_room(plan.folder, 2 * _bytes(plan))
    with output.temporaries(plan.folder) as temps:
        bares = [output.temp_path(plan.folder, f.name, ".bare") for f in finals]
        temps.extend(bares)
        frames = _write_audio(request, info, plan, bares, int(key[:8], 16))
        meta = _copy_meta(request, plan)
        pairs = []
        for bare, final in zip(bares, finals, strict=True):
            done = _stamped(bare, final, meta, request, temps)
            _check(done, plan, frames)
            pairs.append((done, final))
        output.publish_all(pairs, ready)
    return tuple(map(str, finals))


def _bytes(plan: _Plan) -> int:
    per_sample = max(2, depth_of(plan.bits) // 8 or 4)
    return plan.frames_out * plan.out_channels * per_sample + 65_536


def _open_writers(request: TransferRequest, plan: _Plan, paths: list[Path]) -> list[sf.SoundFile]:
    container = request.options.container
    fmt = "AIFF" if container == "aiff" else ("RF64" if _bytes(plan) > RIFF_LIMIT else "WAV")
    return [
        sf.SoundFile(str(p), "w", plan.shape.out_rate, plan.file_channels, SUBTYPES[plan.bits],
                     format=fmt)
        for p in paths
    ]  # fmt: skip


def _write_audio(
    request: TransferRequest, info: AudioInfo, plan: _Plan, paths: list[Path], seed: int
) -> int:
    """Stream the source through the shaper and the quantiser into the writers; returns the
    frames written."""
    # Only a rate change or a mono sum makes new values everywhere; a region's edge fades
    # touch a few milliseconds, and dithering the whole body for them would lose the
    # bit-exact copy of a 24-bit source.
    processed = plan.shape.resamples or (request.options.channels == "mono" and info.channels > 1)
    dither = needs_dither(info.bit_depth, plan.bits, bool(processed))
    quantize = Quantizer(plan.bits, dither, seed)
    written = 0
    src = open_audio(request.source)
    try:
        with contextlib.ExitStack() as stack:
            writers = [stack.enter_context(w) for w in _open_writers(request, plan, paths)]
            src.seek(plan.start_frame)
            for block in shaped(_limited(src.blocks(BLOCK_FRAMES), plan.frames_in), plan.shape):
                q = quantize(block)
                if len(writers) == 1:
                    writers[0].write(q)
                else:
                    for i, w in enumerate(writers):
                        w.write(np.ascontiguousarray(q[:, i]))
                written += len(q)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise TransferError(
            plan.folder, output.write_failure(plan.folder, _bytes(plan), exc)
        ) from exc
    finally:
        src.close()
    return written


def _limited(blocks, frames: int):
    left = frames
    for block in blocks:
        if left <= 0:
            return
        yield block[:left]
        left -= len(block)


def _copy_meta(request: TransferRequest, plan: _Plan) -> CopyMeta:
    s = plan.shape
    offset = source_time_reference(request.source) + plan.start_frame
    ref = round(offset * s.out_rate / s.in_rate)
    layout = "mono" if plan.out_channels == 1 else ("stereo" if plan.out_channels == 2 else "multi")
    depth = "32F" if plan.bits == "32f" else plan.bits
    history = f"A=PCM,F={s.out_rate},W={depth},M={layout},T=SoundSeek transfer"
    return CopyMeta(request.change, request.source, ref, history)


def _stamped(
    bare: Path, final: Path, meta: CopyMeta, request: TransferRequest, temps: list
) -> Path:
    if not request.options.metadata:
        return bare
    if request.options.container == "aiff":
        stamp_aiff(str(bare), meta)
        return bare
    ready = output.temp_path(final.parent, final.name, ".ready")
    temps.append(ready)
    stamp_wave(str(bare), str(ready), meta)
    return ready


def _check(path: Path, plan: _Plan, frames: int) -> None:
    """Read back what was written: rate, channels and length as planned."""
    try:
        got = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise TransferError(path.name, f"the written copy does not read back ({exc})") from exc
    if (got.samplerate, got.channels, got.frames) != (
        plan.shape.out_rate,
        plan.file_channels,
        frames,
    ):
        raise TransferError(
            path.name,
            f"the written copy reads back as {got.samplerate} Hz, "
            f"{got.channels} ch, {got.frames} frames; not published",
        )
    if abs(frames - plan.frames_out) > LENGTH_SLACK:
        raise TransferError(
            path.name,
            f"rendered {frames} frames where {plan.frames_out} were planned; not published",
        )
