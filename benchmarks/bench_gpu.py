"""The GPU path (issue 8): windows/s of SoundSeek's CUDA runtime, its fidelity gate, features.

Builds the full-size `laion/clap-htsat-unfused` architecture with random weights offline (no
download; the audio encoder's input batch norm set to the synthetic windows' per-mel
statistics, so activations have a realistic scale), loads it through the product's
`ClapEmbedder` (which resolves the device and runs the fidelity gate: torch fp16 on CUDA), then
times the product's GPU path on synthetic 10 s, 48 kHz windows: `TorchLogMel` on the device
(samples in, features computed in the batch) + `TorchAudio.embed_mel` (vectors back on the
host), for fp32, fp16 and bf16 at several batch sizes. Also: the gate's numbers (`judge` on
`gate_windows`) for fp16 and bf16 against fp32, features per window on the device vs the NumPy
path on the CPU, peak device memory.

Needs only torch, transformers, tokenizers, numpy and soundseek.embed (no lancedb, soundfile,
av). Results go to OUT/gpu.json, written after every measurement, so a run cut short still
leaves what it measured.

  python3 -m benchmarks.bench_gpu --out bench-out          # full size, on CUDA if present
  .venv/bin/python -m benchmarks.bench_gpu --smoke         # tiny model, CPU, 2 iterations
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

WORDS = "door creak thunder rain dog bark engine footsteps glass explosion birds water wind"


def build_tokenizer(workdir: Path):
    """A small byte-level BPE RoBERTa tokenizer (as tests/tinyclap.py makes one), offline."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaTokenizerFast

    bpe = ByteLevelBPETokenizer()
    corpus = [" ".join(WORDS.split()[i:] + WORDS.split()[:i]) for i in range(13)]
    bpe.train_from_iterator(corpus * 10, vocab_size=400, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])  # fmt: skip
    workdir.mkdir(parents=True, exist_ok=True)
    bpe.save_model(str(workdir))
    lines = (workdir / "merges.txt").read_text(encoding="utf-8").splitlines()[1:]
    merges = [tuple(line.split()) for line in lines if line.strip()]
    return RobertaTokenizerFast(vocab=bpe.get_vocab(), merges=merges)


def clap_config(tiny: bool):
    """Full size: ClapConfig's defaults (clap-htsat-unfused: HTSAT, RoBERTa-base, 512-d)."""
    from transformers import ClapConfig

    audio = {"enable_fusion": False}
    if not tiny:
        return ClapConfig(audio_config=audio)
    audio.update(depths=[1, 1, 1, 1], num_attention_heads=[1, 1, 1, 1],
                 patch_embeds_hidden_size=8, hidden_size=64)  # fmt: skip
    text = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                intermediate_size=64, max_position_embeddings=80)  # fmt: skip
    return ClapConfig(text_config=text, audio_config=audio, projection_dim=32)


def build_model(folder: Path, tiny: bool, mel: np.ndarray) -> Path:
    import torch
    from transformers import ClapFeatureExtractor, ClapModel, ClapProcessor

    torch.manual_seed(0)
    tok = build_tokenizer(folder.parent / ".tok")
    model = ClapModel(clap_config(tiny)).eval()
    bn = model.audio_model.audio_encoder.batch_norm
    with torch.no_grad():
        m = torch.from_numpy(mel)
        bn.running_mean.copy_(m.mean(dim=(0, 1)))
        bn.running_var.copy_(m.var(dim=(0, 1)))
    ClapProcessor(feature_extractor=ClapFeatureExtractor(), tokenizer=tok).save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


def synthetic_windows(n: int, samples: int, seed: int = 0) -> list[np.ndarray]:
    """10 s windows: noise at varied levels, tones, decaying bursts (content does not change
    the cost; it keeps the features and the gate off degenerate inputs)."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples, dtype=np.float32) / 48_000
    out = []
    for i in range(n):
        w = rng.uniform(0.01, 0.3) * rng.standard_normal(samples).astype(np.float32)
        if i % 3 == 1:
            w += 0.3 * np.sin(2 * np.pi * rng.uniform(60, 4000) * t, dtype=np.float32)
        if i % 3 == 2:
            w *= np.exp(-t * rng.uniform(0.2, 3), dtype=np.float32)
        out.append(w.astype(np.float32))
    return out


class Clock:
    def __init__(self, device: str) -> None:
        import torch

        self.torch, self.cuda = torch, device == "cuda"

    def sync(self) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()

    def median(self, fn, warmup: int, iters: int) -> tuple[float, list[float]]:
        for _ in range(warmup):
            fn()
        self.sync()
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            fn()
            self.sync()
            times.append(time.perf_counter() - t0)
        return statistics.median(times), times


def host_part(windows: list[np.ndarray], spec, device: str):
    """TorchLogMel.batch's host side alone: repeat-pad, stack, copy to the device."""
    import torch

    from soundseek.embed.features import repeat_pad

    x = np.stack([repeat_pad(w, spec.max_samples) for w in windows])
    return torch.from_numpy(x).to(device)


class PreviousTorchLogMel:
    """TorchLogMel.batch as SoundSeek 0.2 shipped it (np.stack of padded windows, a pageable
    copy to the device), kept here to time the buffer change against in the same run."""

    def __init__(self, spec, device: str) -> None:
        from soundseek.embed.features import TorchLogMel

        self.now = TorchLogMel(spec, device)

    def batch(self, windows: list[np.ndarray]):
        import torch

        from soundseek.embed.features import MEL_FLOOR, repeat_pad

        t, s = self.now, self.now.spec
        x = torch.from_numpy(np.stack([repeat_pad(w, s.max_samples) for w in windows]))
        x = torch.nn.functional.pad(x.to(t.device)[:, None], (s.n_fft // 2,) * 2, "reflect")
        frames = x[:, 0].unfold(-1, s.n_fft, s.hop)
        power = torch.fft.rfft(frames * t.window, dim=-1).abs() ** 2
        return 10.0 * torch.log10(torch.clamp(power @ t.filters, min=MEL_FLOOR))


def compare_previous(clock, runner, spec, device, windows, batches, warmup, iters) -> dict:
    """End to end (samples in, vectors out) with 0.2's feature batching and with today's,
    alternating batch by batch so both see the same machine state."""
    from soundseek.embed.features import TorchLogMel

    old, new = PreviousTorchLogMel(spec, device), TorchLogMel(spec, device)
    out = {}
    for b in batches:
        batch = windows[:b]
        row = {}
        for name, tlm in (("previous", old), ("now", new), ("previous_again", old)):

            def step(tlm=tlm, batch=batch):
                return runner.embed_mel(tlm.batch(batch))

            med, _ = clock.median(step, warmup, iters)
            row[f"{name}_windows_per_s"] = round(b / med, 2)
        best_old = max(row["previous_windows_per_s"], row["previous_again_windows_per_s"])
        row["ratio"] = round(row["now_windows_per_s"] / best_old, 2)
        out[str(b)] = row
        print(f"feature batching b{b}: {row}", flush=True)
    return out


def runner_at(model, device: str, precision: str):
    """The product's TorchAudio at a precision; bf16 by the same recipe if it lacks it."""
    import torch

    from soundseek.embed.backends import TorchAudio

    try:
        return TorchAudio(copy.deepcopy(model), device, precision)
    except KeyError:
        dtype = {"bf16": torch.bfloat16}[precision]
        r = TorchAudio(copy.deepcopy(model), device, "fp32")
        r.model, r.dtype, r.precision = r.model.to(device, dtype=dtype), dtype, precision
        return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("bench-out"))
    ap.add_argument("--smoke", action="store_true", help="tiny model, 2 iterations (CPU check)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--batches", type=int, nargs="+", default=None)
    ap.add_argument("--iters", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--precisions", nargs="+", default=["fp32", "fp16", "bf16"],
                    help="which runtimes to time end to end")  # fmt: skip
    ap.add_argument("--budget-s", type=float, default=300.0,
                    help="stop timing new configurations after this many seconds")  # fmt: skip
    args = ap.parse_args()
    batches = args.batches or ([2, 4] if args.smoke else [8, 32, 64, 128])
    iters = args.iters or (2 if args.smoke else 7)
    warmup = 1 if args.smoke else args.warmup
    start = time.perf_counter()

    import torch
    import transformers
    from transformers import ClapFeatureExtractor

    from soundseek.embed.backends import gate_windows, judge
    from soundseek.embed.clap import ClapEmbedder, resolve_device
    from soundseek.embed.features import FeatureSpec, LogMel, TorchLogMel

    device = resolve_device(args.device)
    cuda = device == "cuda"
    args.out.mkdir(parents=True, exist_ok=True)
    out_file = args.out / "gpu.json"
    result: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "smoke": args.smoke,
        "arch": "tiny" if args.smoke else "clap-htsat-unfused (full size, random weights)",
        "device": device,
        "device_name": torch.cuda.get_device_name(0) if cuda else platform.processor() or "cpu",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "cuda": torch.version.cuda,
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "cudnn_allow_tf32": bool(torch.backends.cudnn.allow_tf32),
        "batches": batches,
        "iters": iters,
        "warmup": warmup,
        "throughput": {},
        "features": {},
        "gate": {},
        "errors": [],
    }

    def save() -> None:
        result["elapsed_s"] = round(time.perf_counter() - start, 1)
        out_file.write_text(json.dumps(result, indent=2), encoding="utf-8")

    spec = FeatureSpec.from_extractor(ClapFeatureExtractor())
    windows = synthetic_windows(max(batches), spec.max_samples)
    cpu_mel = LogMel(spec)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        folder = build_model(Path(tmp) / "model", args.smoke, cpu_mel.batch(windows[:8]))
        result["build_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        # The product's own loading, device choice and gate (ONNX export skipped in a CPU smoke).
        backend = "torch" if device == "cpu" else "auto"
        emb = ClapEmbedder(folder, "bench/unfused", device=device, backend=backend)
        result["embedder_load_s"] = round(time.perf_counter() - t0, 1)
        result["product_runtime"] = emb.pipeline.runtime
        result["product_gate"] = emb.gate.__dict__ if emb.gate else None
        result["params_audio_m"] = round(
            sum(p.numel() for p in emb.model.audio_model.parameters()) / 1e6, 1
        )
        save()
        print(f"{result['device_name']}: product chose {emb.pipeline.runtime}, "
              f"gate {result['product_gate']}", flush=True)  # fmt: skip

    clock = Clock(device)
    runners = {"fp32": runner_at(emb.model, device, "fp32")}
    for prec in ("fp16", "bf16"):
        try:
            runners[prec] = emb.audio if emb.audio.precision == prec else None
            runners[prec] = runners[prec] or runner_at(emb.model, device, prec)
        except Exception as exc:
            runners.pop(prec, None)
            result["errors"].append(f"{prec} runner: {exc!r}")

    # The gate, as the product computes it: its fixed windows, fp32 the reference.
    gate_mel = gate_windows(spec)
    expected = runners["fp32"].embed_mel(gate_mel)
    for prec, r in runners.items():
        if prec == "fp32":
            continue
        try:
            g = judge(expected, r.embed_mel(gate_mel), "fp16")  # the non-int8 rule
            result["gate"][prec] = g.__dict__
        except Exception as exc:
            result["errors"].append(f"gate {prec}: {exc!r}")
    save()

    # Features: the device path (samples in, host repeat-pad + copy + STFT + mel) vs NumPy.
    tlm = TorchLogMel(spec, device)
    n_np = min(8, len(windows))
    med, _ = clock.median(lambda: cpu_mel.batch(windows[:n_np]), 1, iters)
    result["features"]["numpy_cpu_ms_per_window"] = round(1e3 * med / n_np, 3)
    result["features"]["numpy_cpu_batch"] = n_np
    for b in batches:
        med, _ = clock.median(lambda b=b: tlm.batch(windows[:b]), warmup, iters)
        result["features"][f"{device}_ms_per_window_b{b}"] = round(1e3 * med / b, 3)
        # of which on the host: repeat-pad, stack and the copy to the device
        med, _ = clock.median(lambda b=b: host_part(windows[:b], spec, device), warmup, iters)
        result["features"][f"{device}_host_part_ms_per_window_b{b}"] = round(1e3 * med / b, 3)
    save()

    product = emb.audio  # the runtime the product chose on this device
    result["feature_batching_vs_0.2"] = compare_previous(
        clock, product, spec, device, windows, batches, warmup, iters
    )
    save()

    for prec, r in runners.items():
        if prec not in args.precisions:
            continue
        result["throughput"][prec] = {}
        for b in batches:
            if time.perf_counter() - start > args.budget_s:
                result["errors"].append(f"budget reached before {prec} b{b}")
                save()
                break
            row: dict = {}
            try:
                if cuda:
                    torch.cuda.empty_cache()
                    resident = torch.cuda.memory_allocated()
                    torch.cuda.reset_peak_memory_stats()
                batch = windows[:b]
                # What ClapEmbedder.embed_audio does on a GPU: features in the batch, then audio.
                med, times = clock.median(
                    lambda r=r, batch=batch: r.embed_mel(tlm.batch(batch)), warmup, iters
                )
                row["end_to_end_windows_per_s"] = round(b / med, 2)
                row["end_to_end_ms_per_batch"] = [round(1e3 * t, 2) for t in times]
                mel = tlm.batch(batch)
                med, _ = clock.median(lambda r=r, mel=mel: r.embed_mel(mel), warmup, iters)
                row["model_only_windows_per_s"] = round(b / med, 2)
                if cuda:
                    row["peak_mem_mib"] = round(torch.cuda.max_memory_allocated() / 2**20)
                    row["peak_above_resident_mib"] = round(
                        (torch.cuda.max_memory_allocated() - resident) / 2**20
                    )
                del mel
            except Exception as exc:  # an out-of-memory batch is a result too
                row["error"] = repr(exc)[:300]
                if cuda:
                    torch.cuda.empty_cache()
            result["throughput"][prec][str(b)] = row
            save()
            print(f"{prec:5} b{b:<4} {row}", flush=True)

    save()
    print_summary(result)
    print(f"wrote {out_file}", flush=True)


def print_summary(result: dict) -> None:
    print(f"\n{result['device_name']} ({result['device']}), torch {result['torch']}")
    print(f"product runtime: {result['product_runtime']}  product gate: {result['product_gate']}")
    for prec, g in result["gate"].items():
        print(f"gate {prec} vs fp32: mean cos {g['mean_cos']:.6f}, worst {g['worst_cos']:.6f}, "
              f"top-10 {g['top10_overlap']:.3f}, passed {g['passed']}")  # fmt: skip
    print("windows/s, end to end (samples -> vectors) / model only (features on the device):")
    print("runtime " + "".join(f"{'b' + str(b):>18}" for b in result["batches"]))
    for prec, rows in result["throughput"].items():
        cells = []
        for b in result["batches"]:
            row = rows.get(str(b), {})
            e2e, mo = row.get("end_to_end_windows_per_s"), row.get("model_only_windows_per_s")
            cells.append(f"{e2e} / {mo}" if e2e else row.get("error", "-")[:16])
        print(f"{prec:8}" + "".join(f"{c:>18}" for c in cells))
    print(f"features ms/window: {result['features']}")
    if result["errors"]:
        print(f"errors: {result['errors']}")


if __name__ == "__main__":
    main()
