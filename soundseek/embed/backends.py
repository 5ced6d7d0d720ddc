"""Ways to run CLAP's audio encoder, each admitted only through a fidelity gate.

torch fp32 on the model's device is the reference. Faster candidates — fp16 on CUDA/MPS, ONNX
Runtime on CPU (int8-quantised first, then fp32) — are compared with it on a fixed set of
windows: mean cosine >= 0.999 (>= 0.99 with worst >= 0.98 for int8), top-10 neighbour overlap
>= 0.9, and, since what users see is a ranking, the top 10 of a fixed set of text queries over
those windows must keep >= 0.9 of the reference's (benchmarks/bench_int8.py measures what
int8 does to rankings on a real library). A candidate that fails is not used, so vectors of
different fidelity never share an index. The ONNX export and the gate's verdict are cached
beside the model.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from soundseek.cores import usable_cores
from soundseek.embed.base import MODEL_CACHE, normalise
from soundseek.embed.features import FEATURE_VERSION, FeatureSpec, LogMel

log = logging.getLogger(__name__)

CACHE_DIR = MODEL_CACHE
OPSET = 17
EXPORT_VERSION = "x2"  # x2: HTSAT's resize exported as a fixed matrix (a MatMul, not Resize)
MAX_SESSIONS = 4  # ONNX Runtime sessions side by side (each holds its own weights)
GATE_WINDOWS = 48
GATE_VERSION = "g2"  # g2: the query-ranking check; verdicts made without it are made again
MIN_QUERY_TOP10 = 0.9
# What sound designers type: the gate ranks its windows for each and compares the top 10.
GATE_QUERIES = (
    "door creak", "distant thunder", "heavy rain on a roof", "footsteps on gravel",
    "glass shatter", "metal impact", "car engine idle", "whoosh", "sci-fi laser",
    "crowd murmur", "wind howling", "dog barking", "ui click", "explosion debris",
    "water splash", "birds chirping", "low drone", "bell ring", "fire crackle",
    "electrical hum", "sword swing", "helicopter flyby", "typing on a keyboard", "kick drum",
)  # fmt: skip


@dataclass(frozen=True)
class PipelineId:
    """What made a vector. Vectors of one `space` are comparable; backend and precision are
    recorded, and only gate-passing ones write into a space."""

    model_id: str
    checkpoint: str  # fingerprint of the weights and config
    features: str  # FEATURE_VERSION
    backend: str  # torch | onnxruntime
    precision: str  # fp32 | fp16 | int8

    @property
    def space(self) -> str:
        return f"{self.model_id}@{self.checkpoint}/{self.features}"

    @property
    def runtime(self) -> str:
        return f"{self.backend}-{self.precision}"


@dataclass(frozen=True)
class GateResult:
    mean_cos: float
    worst_cos: float
    top10_overlap: float  # of each window's 10 nearest windows
    passed: bool
    query_top10: float | None = None  # of GATE_QUERIES' top 10 windows (None: not checked)


def checkpoint_id(folder: Path) -> str:
    """Weights + config, by name, size and sampled content (never the file times): cheap,
    changes when they do, and the same for every copy of a model, so exports and verdicts
    made for one copy (cached beside it, copied with it on import) serve them all."""
    h = hashlib.blake2b(digest_size=8)
    for name in sorted(os.listdir(folder)):
        path = folder / name
        if path.is_file() and name.endswith((".safetensors", ".json")):
            st = path.stat()
            h.update(f"{name}:{st.st_size}".encode())
            with open(path, "rb") as fh:
                h.update(fh.read(1 << 16))
                fh.seek(max(0, st.st_size - (1 << 16)))
                h.update(fh.read())
    return h.hexdigest()


def gate_windows(spec: FeatureSpec) -> np.ndarray:
    """A fixed, varied set of windows (noise, tones, sweeps, clicks, short one-shots), as
    log-mel features: the same set on every machine."""
    rng = np.random.default_rng(1234)
    t = np.arange(spec.max_samples, dtype=np.float64) / 48_000
    windows = []
    for i in range(GATE_WINDOWS):
        kind = i % 6
        if kind == 0:
            w = 0.2 * rng.standard_normal(len(t))
        elif kind == 1:
            w = 0.5 * np.sin(2 * np.pi * (80 + 400 * i) * t)
        elif kind == 2:
            w = 0.4 * np.sin(2 * np.pi * (50 + 2000 * t) * t)
        elif kind == 3:
            w = np.zeros(len(t))
            w[rng.integers(0, len(t), 40)] = 0.9
        elif kind == 4:
            w = 0.3 * rng.standard_normal(int(48_000 * (0.05 + 0.1 * i)))
        else:
            w = np.clip(2 * rng.standard_normal(len(t)) * np.exp(-t), -1, 1)
        windows.append(w.astype(np.float32))
    return LogMel(spec).batch(windows)


def judge(
    reference: np.ndarray, candidate: np.ndarray, precision: str, queries: np.ndarray | None = None
) -> GateResult:
    """`queries`: text vectors (the reference's text tower) whose rankings must agree too."""
    cos = (reference * candidate).sum(axis=1)
    overlap = top10_overlap(_self_sims(reference), _self_sims(candidate))
    if precision == "int8":
        passed = cos.mean() >= 0.99 and cos.min() >= 0.98
    else:
        passed = cos.mean() >= 0.999
    ranked = None
    if queries is not None:
        ranked = top10_overlap(queries @ reference.T, queries @ candidate.T)
        passed = passed and ranked >= MIN_QUERY_TOP10
    passed = bool(passed and overlap >= 0.9)
    return GateResult(float(cos.mean()), float(cos.min()), overlap, passed, ranked)


def top10_overlap(ref_scores: np.ndarray, cand_scores: np.ndarray) -> float:
    """Mean share of each row's 10 best columns under `ref_scores` that `cand_scores` keeps."""
    k = min(10, ref_scores.shape[1])
    ref = np.argsort(-ref_scores, axis=1)[:, :k]
    cand = np.argsort(-cand_scores, axis=1)[:, :k]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(ref, cand, strict=True)]))


def _self_sims(vecs: np.ndarray) -> np.ndarray:
    sims = vecs @ vecs.T
    np.fill_diagonal(sims, -np.inf)
    return sims


# -- backends ------------------------------------------------------------------------------


class TorchAudio:
    """The model's own audio tower, at a precision, on its device."""

    backend = "torch"

    def __init__(self, model, device: str, precision: str = "fp32") -> None:
        import torch

        self.device, self.precision = device, precision
        dtype = {"fp32": torch.float32, "fp16": torch.float16}[precision]
        self.model, self.dtype = model.to(device, dtype=dtype), dtype

    def embed_mel(self, mel) -> np.ndarray:
        """`mel`: (B, frames, mels) as NumPy, or a torch tensor already on the device."""
        import torch

        x = torch.as_tensor(mel)[:, None].to(self.device, dtype=self.dtype)
        longer = torch.zeros((x.shape[0], 1), dtype=torch.bool, device=self.device)
        with torch.inference_mode():
            out = self.model.get_audio_features(input_features=x, is_longer=longer)
        pooled = getattr(out, "pooler_output", out)
        return normalise(pooled.float().cpu().numpy())


class OnnxAudio:
    """ONNX Runtime on the CPU: the exported audio tower (fp32, or int8-quantised MatMuls).

    Several single-threaded sessions run parts of a batch side by side: 137 ms a window
    against 148 ms for one session with two threads on the 2-core project machine. Each
    session holds its own weights, so there are at most MAX_SESSIONS.

    Each run is one window. Dynamic int8 quantisation scales activations over the whole input
    of a run, so in a batch a window's vector depended on its batch-mates (cosine 0.9996
    between a window alone and in a batch of 8, full-size model): one window a run gives
    every window its own vector, whatever it is batched with, at no cost (8.2 windows/s
    against 7.6 for batches of 8 on two sessions)."""

    backend = "onnxruntime"

    def __init__(self, path: Path, threads: int, precision: str) -> None:
        if not path.exists():
            raise FileNotFoundError(path)
        self.path, self.threads = path, threads
        self._sessions: list | None = None
        self._pool = None
        self.device, self.precision = "cpu", precision

    @property
    def sessions(self) -> list:
        """Opened on first use: a process that only searches by text never holds them."""
        if self._sessions is None:
            import onnxruntime as ort

            cores = self.threads or usable_cores()
            count = max(1, min(cores, MAX_SESSIONS))
            self._sessions = []
            for i in range(count):
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = cores // count + (i < cores % count)
                opts.log_severity_level = 3
                providers = ["CPUExecutionProvider"]
                self._sessions.append(ort.InferenceSession(str(self.path), opts,
                                                           providers=providers))  # fmt: skip
        return self._sessions

    def embed_mel(self, mel) -> np.ndarray:
        x = np.ascontiguousarray(np.asarray(mel, dtype=np.float32)[:, None])
        parts = [p for p in np.array_split(x, min(len(self.sessions), len(x))) if len(p)]
        if len(parts) == 1:
            return normalise(_one_by_one(self.sessions[0], x))
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(len(self.sessions), thread_name_prefix="onnx")
        sessions = self.sessions[: len(parts)]
        runs = [self._pool.submit(_one_by_one, s, p) for s, p in zip(sessions, parts, strict=True)]
        return normalise(np.concatenate([r.result() for r in runs]))


def _one_by_one(session, x: np.ndarray) -> np.ndarray:
    return np.concatenate([session.run(None, {"mel": x[i : i + 1]})[0] for i in range(len(x))])


def export_path(folder: Path, stamp: str, int8: bool = False) -> Path:
    """Where a checkpoint's audio export is (or will be) kept beside the model."""
    name = f"audio-{stamp}-{EXPORT_VERSION}" + (".int8" if int8 else "")
    return folder / CACHE_DIR / f"{name}.onnx"


def export_onnx(model, folder: Path, stamp: str, int8: bool = False) -> Path:
    """The audio tower as ONNX (torch's TorchScript exporter, opset 17), once per checkpoint;
    int8 quantises MatMul/Gemm weights only."""
    fp32 = export_path(folder, stamp)
    if not fp32.exists():
        fp32.parent.mkdir(parents=True, exist_ok=True)
        _export(model, fp32)
        _drop_stale_exports(fp32.parent, keep=f"audio-{stamp}-{EXPORT_VERSION}")
    if not int8:
        return fp32
    q8 = export_path(folder, stamp, int8=True)
    if not q8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = q8.with_suffix(".tmp")
        quantize_dynamic(str(fp32), str(tmp), op_types_to_quantize=["MatMul", "Gemm"],
                         weight_type=QuantType.QInt8)  # fmt: skip
        os.replace(tmp, q8)
    return q8


def _drop_stale_exports(cache: Path, keep: str) -> None:
    """Exports of older weights or an older exporter are hundreds of MB each, and dead."""
    for old in cache.glob("audio-*.onnx"):
        if not old.name.startswith(keep + "."):
            old.unlink(missing_ok=True)


def _export(model, target: Path) -> None:
    import warnings

    import torch

    class AudioTower(torch.nn.Module):
        def __init__(self, clap) -> None:
            super().__init__()
            self.clap = clap

        def forward(self, mel):
            out = self.clap.get_audio_features(input_features=mel)
            return getattr(out, "pooler_output", out)

    model = copy.deepcopy(model).float().cpu()
    linear_resize(model.audio_model.audio_encoder)  # exact, and a MatMul runs faster
    tower = AudioTower(model).eval()
    example = torch.zeros((1, 1, 1001, 64))
    tmp = target.with_suffix(".tmp")
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        tower(example)  # builds the resize matrix now, so the trace holds it as a constant
        torch.onnx.export(tower, (example,), str(tmp), dynamo=False, opset_version=OPSET,
                          input_names=["mel"], output_names=["vec"],
                          dynamic_axes={"mel": {0: "batch"}, "vec": {0: "batch"}})  # fmt: skip
    os.replace(tmp, target)


def linear_resize(encoder) -> None:
    """HTSAT stretches 1001 mel frames to 1024 with a bicubic resize, which Apple's MPS lacks
    (it falls back to the CPU for it). Along one axis the resize is linear: the same fixed
    (1024 x 1001) matrix, applied before, leaves the encoder nothing to resize."""
    import torch

    original = encoder.reshape_mel2img
    matrices: dict[tuple[int, str, object], torch.Tensor] = {}

    def reshape(x):
        width = int(encoder.spec_size * encoder.freq_ratio)
        frames = int(x.shape[-2])  # a plain int: the traced export keeps the matrix constant
        # Only when the mel bins already fill the image height (every LAION-CLAP): otherwise
        # transformers' second resize depends on the original frame count.
        fills = x.shape[-1] >= encoder.spec_size // encoder.freq_ratio
        if frames < width and fills:
            key = (frames, str(x.device), x.dtype)
            if key not in matrices:
                matrices[key] = resize_matrix(frames, width).to(x.device, x.dtype)
            x = torch.matmul(matrices[key], x)
        return original(x)

    encoder.reshape_mel2img = reshape


def resize_matrix(frames: int, width: int):
    """Column i is the bicubic (align_corners) stretch of the i-th unit impulse."""
    import torch

    eye = torch.eye(frames, dtype=torch.float64).reshape(frames, 1, frames, 1)
    out = torch.nn.functional.interpolate(eye, (width, 1), mode="bicubic", align_corners=True)
    return out[:, 0, :, 0].T.contiguous().float()


# -- choosing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    backend: str
    precision: str
    gate: GateResult | None  # None for the reference itself


def candidates(device: str, backend: str, precision: str) -> list[tuple[str, str]]:
    """In order of preference; the torch fp32 reference is always last. On the CPU "auto"
    tries int8 first (1.9x fp32 ONNX a window on the full-size model, bench_int8; 1.44x end
    to end, bench_pipeline), kept only where this model's gate passes; "fp32" never
    quantises."""
    if backend in ("torch", "onnx") and device != "cpu":
        backend = "torch"  # ONNX Runtime runs here on the CPU only
    if backend == "torch" or device != "cpu":
        wanted = [("torch", "fp16")] if device != "cpu" and precision in ("auto", "fp16") else []
    else:
        wanted = [("onnxruntime", "int8")] if precision in ("auto", "int8") else []
        wanted += [("onnxruntime", "fp32")] if precision in ("auto", "fp32", "int8") else []
    return [*wanted, ("torch", "fp32")]


def load_verdicts(folder: Path) -> dict:
    try:
        return json.loads((folder / CACHE_DIR / "gates.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_verdict(folder: Path, key: str, result: GateResult) -> None:
    verdicts = load_verdicts(folder)
    verdicts[key] = asdict(result)
    (folder / CACHE_DIR).mkdir(parents=True, exist_ok=True)
    path = folder / CACHE_DIR / "gates.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(verdicts, indent=1), encoding="utf-8")
    os.replace(tmp, path)


__all__ = ["FEATURE_VERSION", "Choice", "GateResult", "OnnxAudio", "PipelineId", "TorchAudio"]
