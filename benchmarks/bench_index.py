"""Indexing throughput: SoundSeek's pipeline against per-file load + batch-1 model calls."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from soundseek.app import App
from soundseek.audio.decode import TARGET_RATE, cut_windows
from soundseek.embed.clap import ClapEmbedder
from soundseek.paths import app_paths
from tests.tinyclap import build_tokenizer, tiny_config


def build_full_model(folder: Path, arch: str) -> Path:
    """Full-size CLAP architecture with random weights (real compute, no download)."""
    import torch
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor

    torch.manual_seed(0)
    tok = build_tokenizer(folder.parent / ".tok")
    audio = {"enable_fusion": False}
    if arch == "larger":
        audio.update(depths=[2, 2, 12, 2], hidden_size=1024, patch_embeds_hidden_size=128)
    cfg = tiny_config(len(tok)) if arch == "tiny" else ClapConfig(audio_config=audio)
    model = ClapModel(cfg).eval()
    ClapProcessor(feature_extractor=ClapFeatureExtractor(), tokenizer=tok).save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


def make_library(root: Path, n: int, seed: int = 0) -> float:
    """Mixed lengths (0.5-40 s), rates and channel counts; returns total audio seconds."""
    rng = np.random.default_rng(seed)
    total = 0.0
    for i in range(n):
        dur = float(rng.choice([0.5, 2.0, 5.0, 9.0, 15.0, 25.0, 40.0]))
        rate = int(rng.choice([44100, 48000, 96000]))
        ch = int(rng.choice([1, 2]))
        x = (0.1 * rng.standard_normal((int(dur * rate), ch))).astype(np.float32)
        sf.write(root / f"file_{i:04d}.wav", x, rate, subtype="PCM_24")
        total += dur
    return total


def simple_way(files: list[Path], emb: ClapEmbedder) -> int:
    """Load whole file, resample whole, one model call per window, nothing overlapped."""
    windows = 0
    for f in files:
        data, rate = sf.read(str(f), dtype="float32", always_2d=True)
        mono = soxr.resample(data.mean(axis=1), rate, TARGET_RATE)
        for w in cut_windows([mono]):
            emb.embed_audio([w.samples])
            windows += 1
    return windows


def soundseek_way(root: Path, home: Path, emb: ClapEmbedder, batch: int) -> None:
    app = App.open(app_paths(home))
    app.roots.add_root(str(root))
    app.models.embedder = emb
    for _ in app.index(batch_size=batch):
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--arch", choices=["unfused", "larger", "tiny"], default="unfused")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    import torch

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "lib").mkdir()
        audio_s = make_library(tmp / "lib", args.files)
        model = build_full_model(tmp / "model", args.arch)
        for threads in args.threads:
            emb = ClapEmbedder(model, args.arch, args.device, threads)
            emb.embed_audio([np.zeros(TARGET_RATE, np.float32)])  # warm-up
            t = time.perf_counter()
            soundseek_way(tmp / "lib", tmp / f"home{threads}", emb, args.batch)
            ours = time.perf_counter() - t
            t = time.perf_counter()
            windows = simple_way(sorted((tmp / "lib").iterdir()), emb)
            simple = time.perf_counter() - t
            runs.append({
                "torch_threads": torch.get_num_threads(), "windows": windows,
                "soundseek": {"seconds": ours, "files_per_s": args.files / ours,
                              "audio_s_per_s": audio_s / ours},
                "simple": {"seconds": simple, "files_per_s": args.files / simple,
                           "audio_s_per_s": audio_s / simple},
                "speedup": simple / ours,
            })  # fmt: skip
            print(json.dumps(runs[-1]), flush=True)
    best = {k: min(r[k]["seconds"] for r in runs) for k in ("soundseek", "simple")}
    result = {
        "arch": args.arch, "device": emb.device, "files": args.files, "audio_seconds": audio_s,
        "batch": args.batch, "runs": runs,
        "best_vs_best_speedup": best["simple"] / best["soundseek"],
    }  # fmt: skip
    print(json.dumps(result, indent=2))
    out = Path("bench-out")
    out.mkdir(exist_ok=True)
    (out / f"index-{args.arch}-{emb.device}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
