"""Build a small LAION-CLAP model offline: the real transformers classes with a tiny config."""

from __future__ import annotations

from pathlib import Path

import numpy as np

CORPUS = [
    "the sound of a door creak slow wooden door opening",
    "distant thunder roll rain storm heavy wind",
    "dog bark growl animal",
    "car engine idle pass by vehicle",
    "footsteps on gravel walking running",
    "glass break shatter impact metal hit",
    "birds chirping forest ambience water stream",
    "explosion fire crackle whoosh swish",
]


def build_tokenizer(workdir: Path, corpus: list[str] | None = None, vocab_size: int = 600):
    """A byte-level BPE RoBERTa tokenizer trained on a few sentences, saved the safe way."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        (corpus or CORPUS) * 10,
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )
    workdir.mkdir(parents=True, exist_ok=True)
    bpe.save_model(str(workdir))
    lines = (workdir / "merges.txt").read_text(encoding="utf-8").splitlines()[1:]
    merges = [tuple(line.split()) for line in lines if line.strip()]
    return RobertaTokenizerFast(vocab=bpe.get_vocab(), merges=merges)


def tiny_config(vocab_size: int, projection_dim: int = 32, full_audio: bool = False):
    from transformers import ClapConfig

    audio = {"enable_fusion": False}
    if not full_audio:
        audio.update(
            depths=[1, 1, 1, 1],
            num_attention_heads=[1, 1, 1, 1],
            patch_embeds_hidden_size=8,
            hidden_size=64,
        )
    text = dict(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=80,
    )
    return ClapConfig(text_config=text, audio_config=audio, projection_dim=projection_dim)


def build_tiny_clap(folder: Path, seed: int = 0, projection_dim: int = 32) -> Path:
    """Save a tiny ClapModel + ClapProcessor to `folder`, loadable with from_pretrained."""
    import torch
    from transformers import ClapFeatureExtractor, ClapModel, ClapProcessor

    torch.manual_seed(seed)
    tok = build_tokenizer(folder.parent / f".tok-{folder.name}")
    model = ClapModel(tiny_config(len(tok), projection_dim)).eval()
    processor = ClapProcessor(feature_extractor=ClapFeatureExtractor(), tokenizer=tok)
    folder.mkdir(parents=True, exist_ok=True)
    processor.save_pretrained(str(folder))
    model.save_pretrained(str(folder))
    return folder


class RunsCode:
    """A pickle payload that would run code if a checkpoint were loaded without weights_only."""

    def __reduce__(self):
        return (print, ("this must never run",))


def pickle_only_copy(model_dir: Path, dest: Path, extra: dict | None = None) -> Path:
    """The model as hub repos that only hold `pytorch_model.bin` ship it (plus `extra` objects
    pickled beside the tensors, e.g. RunsCode())."""
    import torch
    from safetensors.torch import load_file

    dest.mkdir(parents=True)
    for f in (f for f in model_dir.iterdir() if f.is_file()):
        if f.name != "model.safetensors":
            (dest / f.name).write_bytes(f.read_bytes())
    state = load_file(str(model_dir / "model.safetensors"))
    torch.save({**state, **(extra or {})}, dest / "pytorch_model.bin")
    return dest


# -- a tiny CLAP trained on synthetic sounds aligned with UCS subcategories --------------------
#
# Five synthetic sound classes, each paired with one real UCS CatID. The model learns the
# product's own captions (soundseek.classify.zero_shot.captions) for those CatIDs, with the other
# subcategories' captions as negatives, so zero-shot suggestions made through the real prompt
# path (all 752 subcategories) have a checkable right answer. benchmarks/bench_suggest.py
# scores it; tests/classify/test_zero_shot.py holds it to a bar an untrained model misses.

SR = 48_000


def _env(n: int, attack: int, release: int) -> np.ndarray:
    e = np.ones(n, np.float32)
    a, r = min(attack, n), min(release, n)
    if a:
        e[:a] = np.linspace(0, 1, a, dtype=np.float32)
    if r:
        e[n - r :] *= np.linspace(1, 0, r, dtype=np.float32)
    return e


def _lowpass(x: np.ndarray, hz: float, rate: int) -> np.ndarray:
    """Noise shaped in the frequency domain: a smooth roll-off above `hz`."""
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / rate)
    return np.fft.irfft(spec / (1 + (f / hz) ** 4), len(x)).astype(np.float32)


def rain_sound(rng, seconds: float, rate: int = SR) -> np.ndarray:
    """Broadband hiss with a patter of droplet ticks."""
    n = int(seconds * rate)
    x = rng.standard_normal(n).astype(np.float32)
    drops = np.zeros(n, np.float32)
    idx = rng.integers(0, n, int(seconds * rng.uniform(30, 120)))
    drops[idx] = rng.uniform(2, 6, len(idx))
    tick = np.exp(-np.arange(int(0.004 * rate)) / (0.0008 * rate)).astype(np.float32)
    x += np.convolve(drops, tick)[:n] * rng.standard_normal(n).astype(np.float32)
    return x / np.abs(x).max()


def thunder_sound(rng, seconds: float, rate: int = SR) -> np.ndarray:
    """Low rumbling noise that swells and rolls away."""
    n = int(seconds * rate)
    x = _lowpass(rng.standard_normal(n).astype(np.float32), rng.uniform(60, 180), rate)
    t = np.arange(n, dtype=np.float32) / n
    peak = rng.uniform(0.05, 0.4)
    shape = np.where(t < peak, t / peak, np.exp(-(t - peak) * rng.uniform(2, 5)))
    wobble = 1 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t * seconds)
    x = x * shape * wobble
    return (x / np.abs(x).max()).astype(np.float32)


def beep_sound(rng, seconds: float, rate: int = SR) -> np.ndarray:
    """Steady sine pips: one pitch, regular on/off, 5 ms ramps (no clicks)."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    f = rng.uniform(1000, 3000)
    period = rng.uniform(0.25, 0.6)
    on = ((t % period) < period * rng.uniform(0.35, 0.6)).astype(np.float32)
    ramp = np.hanning(int(0.01 * rate)).astype(np.float32)
    gate = np.convolve(on, ramp / ramp.sum(), mode="same")
    return (np.sin(2 * np.pi * f * t) * gate).astype(np.float32)


def dog_sound(rng, seconds: float, rate: int = SR) -> np.ndarray:
    """Pulsed harmonic barks: short, falling, rough harmonic bursts at irregular times."""
    n = int(seconds * rate)
    x = np.zeros(n, np.float32)
    t0 = rng.uniform(0, 0.2)
    f0 = rng.uniform(250, 500)
    while t0 < seconds:
        length = int(rng.uniform(0.1, 0.22) * rate)
        start = int(t0 * rate)
        tt = np.arange(length) / rate
        pitch = f0 * rng.uniform(0.9, 1.1) * (1 - 0.35 * tt / tt[-1])
        phase = 2 * np.pi * np.cumsum(pitch) / rate
        bark = sum(np.sin(k * phase) / k for k in range(1, 7))
        bark = bark + 0.3 * rng.standard_normal(length)
        bark *= np.exp(-tt / (0.35 * tt[-1])) * _env(length, int(0.005 * rate), 0)
        end = min(n, start + length)
        x[start:end] += bark[: end - start].astype(np.float32)
        t0 += rng.uniform(0.3, 0.9)
    peak = np.abs(x).max()
    return x / peak if peak else x


def whoosh_sound(rng, seconds: float, rate: int = SR) -> np.ndarray:
    """Noise through a band-pass that sweeps up then down, under a swell."""
    n = int(seconds * rate)
    frame, hop = 1024, 256
    noise = rng.standard_normal(n + frame).astype(np.float32)
    out = np.zeros(n + frame, np.float32)
    f = np.fft.rfftfreq(frame, 1 / rate)
    lo, hi = rng.uniform(200, 500), rng.uniform(2500, 6000)
    win = np.hanning(frame).astype(np.float32)
    starts = range(0, n, hop)
    for i, s in enumerate(starts):
        u = i / max(1, len(starts) - 1)
        centre = lo * (hi / lo) ** np.sin(np.pi * u)
        band = np.exp(-0.5 * (np.log(f + 1) - np.log(centre)) ** 2 / 0.25)
        seg = np.fft.irfft(np.fft.rfft(noise[s : s + frame] * win) * band, frame)
        out[s : s + frame] += seg.astype(np.float32) * np.sin(np.pi * u) ** 2
    x = out[:n]
    return x / max(np.abs(x).max(), 1e-9)


SOUND_CLASSES = {  # name: (UCS CatID, generator)
    "rain": ("RAIN", rain_sound),
    "thunder": ("THUN", thunder_sound),
    "beeps": ("BEEP", beep_sound),
    "dog": ("ANMLDog", dog_sound),
    "whoosh": ("WHSH", whoosh_sound),
}
RATES = (48_000, 44_100, 96_000, 32_000, 22_050)
# What a user types for each class (the tests' queries among them). Trained as positives
# beside the UCS captions: a tiny model that only ever saw "the sound of weather thunder"
# placed a bare "thunder" wherever its untrained text tower happened to, so a test that typed
# it passed or failed with the dependencies' numerics (issue 20: it flipped with a fresh venv).
QUERIES = {
    "rain": ("rain", "rain falling", "heavy rain"),
    "thunder": ("thunder", "thunder rumble", "distant thunder"),
    "beeps": ("beeps", "beep", "a high pitched beep"),
    "dog": ("dog", "dog bark", "a dog barking"),
    "whoosh": ("whoosh", "swoosh", "a fast whoosh"),
}
# "like this, but ..." moves a sound along text(plus) - text(NEUTRAL)
# (soundseek.search.vector_steering):
# the neutral caption is trained too, to sit among all classes alike (every clip a positive).


def class_sound(name: str, rng, seconds: float | None = None, rate: int = SR) -> np.ndarray:
    """One example of a class at `rate`, with its own length and level."""
    seconds = rng.uniform(1.0, 6.0) if seconds is None else seconds
    x = SOUND_CLASSES[name][1](rng, seconds, rate)
    return (x * rng.uniform(0.08, 0.9)).astype(np.float32)


def as_product_hears(x: np.ndarray, rate: int) -> np.ndarray:
    """What the indexer feeds the model: mono 48 kHz (soxr, as soundseek.audio.decode)."""
    import soxr

    return x if rate == SR else soxr.resample(x, rate, SR).astype(np.float32)


def write_class_library(root: Path, per_class: int, seed: int = 2026, classes=None):
    """`per_class` files of each class under neutral, shuffled names (take_001.wav ...): each
    with its own length, level and pitch, at a rate from RATES (most not 48 kHz), every fifth
    one FLAC. Returns {class: [paths]}."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    names = [n for n in (classes or SOUND_CLASSES) for _ in range(per_class)]
    order = rng.permutation(len(names))
    root.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[str]] = {}
    for number, i in enumerate(order, 1):
        name, rate = names[i], int(RATES[number % len(RATES)])
        path = root / f"take_{number:03d}.{'flac' if number % 5 == 0 else 'wav'}"
        sf.write(str(path), class_sound(name, rng, rate=rate), rate)
        files.setdefault(name, []).append(str(path))
    return files


def index_class_library(model_dir: Path, root: Path, per_class: int, seed: int = 2026):
    """A private home under `root` with the trained model imported, as a user would, and a
    class library (`write_class_library`) added and indexed through the CLI; returns the
    library's {class: [paths]}. SOUNDSEEK_HOME is set only while this runs.

    The audio goes through the CPU default, int8 ONNX Runtime (its gate passes for this
    model): the relevance, suggestion and tag tests that use this library test int8 vectors,
    and would fail here, not quietly test fp32 ones, if the default changed."""
    import pytest

    from soundseek.app import App
    from soundseek.cli import main
    from soundseek.index.store import Store
    from soundseek.paths import app_paths

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOUNDSEEK_HOME", str(root / "home"))
        App.open(app_paths().ensure()).models.import_model(str(model_dir), "trained")
        files = write_class_library(root / "neutral", per_class, seed=seed)
        assert main(["add", str(root / "neutral")]) == 0
        assert main(["index"]) == 0
        assert Store(app_paths().store_dir).info.runtimes == ("onnxruntime-int8",)
    return files


def catalog_texts():
    """(catids, the product's two captions per subcategory) for the whole shipped catalog."""
    from soundseek.classify.zero_shot import captions
    from soundseek.metadata.ucs import load_catalog

    catalog = load_catalog()
    return list(catalog.by_catid), [captions(c) for c in catalog.by_catid.values()]


def _below_top_stages(model, mel, stages: int, chunk: int = 32):
    """The input of the audio encoder's top `stages` Swin stages for each clip (no grad)."""
    import torch

    encoder, got = model.audio_model.audio_encoder, []
    hook = encoder.layers[-stages].register_forward_hook(lambda m, i, o: got.append(i[0]))
    try:
        with torch.no_grad():
            for s in range(0, len(mel), chunk):
                x = mel[s : s + chunk, None]
                model.audio_model(input_features=x, is_longer=torch.zeros((len(x), 1), dtype=bool))
    finally:
        hook.remove()
    return torch.cat(got)


def _top_stages_pooled(encoder, below, stages: int):
    """The encoder's pooled output from its top stages' input: those stages, the final layer
    norm, the mean over every time-frequency position (what its grouped average pool takes).
    `train_tiny_clap` checks it against the whole model after training."""
    hidden = below
    for i in range(len(encoder.layers) - stages, len(encoder.layers)):
        hidden = encoder.layers[i](hidden, encoder.input_resolutions[i])[0]
    return encoder.norm(hidden).mean(dim=1)


def train_tiny_clap(
    folder: Path, classes=None, seed: int = 0, clips_per_class: int = 24, steps: int = 200,
    batch: int = 40, negatives: int = 48, stages: int = 2, lr: float = 3e-3,
    projection_dim: int = 32, log=None,
) -> Path:  # fmt: skip
    """A tiny CLAP whose tokenizer covers every UCS caption, trained contrastively (CLAP's
    symmetric InfoNCE over its own audio and text projections) so that each class's sound
    lands on the product's captions for its CatID. Saved like `build_tiny_clap`.

    Audio goes through the product's own log-mel features (soundseek.embed.features). The
    audio encoder's input batch norm is set to the clips' per-mel statistics; its lower Swin
    stages stay as initialised (their output for each clip is computed once), and its top
    `stages` stages, the audio projection, the text encoder and the text projection are
    trained (one stage left "dog" and "whoosh" clips 0.8 apart in cosine only). Each
    step: a balanced batch of clips against their classes' subcategories plus `negatives`
    others drawn from the whole catalog (audio to text), and each class's subcategory against
    the batch, its own clips the positives (text to audio). A text vector is the product's:
    the mean of a subcategory's two caption vectors (soundseek.classify.zero_shot.text_matrix).
    What users type (QUERIES, as the product embeds them, and the neutral caption of "like
    this, but ...") is trained beside the captions (`_typed_loss`). Runs on one torch thread
    (two were 3-5x slower for these small ops on this machine)."""
    import time

    import torch
    from transformers import ClapFeatureExtractor, ClapModel, ClapProcessor

    from soundseek.embed.features import FeatureSpec, LogMel
    from soundseek.search.vector_steering import NEUTRAL

    t0 = time.perf_counter()
    say = log or (lambda _: None)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        names = list(classes or SOUND_CLASSES)
        rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        catids, texts = catalog_texts()
        flat = [t for pair in texts for t in pair]
        typed = [q for n in names for q in QUERIES[n]] + [NEUTRAL]  # NEUTRAL: class -1
        tok = build_tokenizer(folder.parent / f".tok-{folder.name}", CORPUS + flat + typed, 3000)
        model = ClapModel(tiny_config(len(tok), projection_dim)).eval()
        extractor = ClapFeatureExtractor()
        clips, labels = _training_clips(names, clips_per_class, rng)
        logmel = LogMel(FeatureSpec.from_extractor(extractor))
        mel = torch.from_numpy(np.concatenate([logmel.batch(clips[i : i + 16])
                                               for i in range(0, len(clips), 16)]))  # fmt: skip
        encoder = model.audio_model.audio_encoder
        with torch.no_grad():
            encoder.batch_norm.running_mean.copy_(mel.mean(dim=(0, 1)))
            encoder.batch_norm.running_var.copy_(mel.var(dim=(0, 1)))
        below = _below_top_stages(model, mel, stages)
        say(f"{len(clips)} clips ready in {time.perf_counter() - t0:.1f} s")
        own = [catids.index(SOUND_CLASSES[n][0]) for n in names]
        tokens = tok(flat, padding=True, truncation=True, max_length=77, return_tensors="pt")
        queries = _typed_queries(tok, typed)
        query_class = torch.tensor([k for k, n in enumerate(names) for _ in QUERIES[n]] + [-1])
        _contrastive_steps(model, below, np.array(labels), own, tokens, rng, steps=steps,
                           typed=(queries, query_class),
                           batch=batch, negatives=negatives, stages=stages, lr=lr,
                           log=say)  # fmt: skip
        model.eval()
        _check_shortcut(model, mel[:4], below[:4], stages)
    finally:
        torch.set_num_threads(threads)
    processor = ClapProcessor(feature_extractor=extractor, tokenizer=tok)
    folder.mkdir(parents=True, exist_ok=True)
    processor.save_pretrained(str(folder))
    model.save_pretrained(str(folder))
    say(f"trained and saved in {time.perf_counter() - t0:.1f} s")
    return folder


def _training_clips(names: list[str], per_class: int, rng):
    """`per_class` examples of each class, generated at mixed rates and heard at 48 kHz."""
    clips, labels = [], []
    for k, name in enumerate(names):
        for _ in range(per_class):
            rate = int(rng.choice(RATES))
            clips.append(as_product_hears(class_sound(name, rng, rate=rate), rate))
            labels.append(k)
    return clips, labels


def _contrastive_steps(model, below, labels, own, tokens, rng, steps, batch, negatives, stages, lr,
                       log, typed=None):  # fmt: skip
    """Symmetric InfoNCE over the model's projections, at the product's temperature; with
    `typed` (tokens, class of each), the typed queries are positives of their class's clips
    too (each clip against every query, each query against the batch)."""
    import torch
    import torch.nn.functional as F

    encoder = model.audio_model.audio_encoder
    trained = [*encoder.layers[-stages:], encoder.norm, model.audio_projection,
               model.text_model, model.text_projection]  # fmt: skip
    for p in model.parameters():
        p.requires_grad_(False)
    params = [p for m in trained for p in m.parameters()]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    scale = 1 / 0.05  # soundseek.classify.zero_shot.TEMPERATURE
    n_cats, k = len(tokens["input_ids"]) // 2, len(own)
    others = np.setdiff1d(np.arange(n_cats), own)
    by_class = [np.flatnonzero(labels == c) for c in range(k)]
    per_class = min(len(by_class[0]), max(1, batch // k))
    y = torch.from_numpy(labels)
    for step in range(steps):
        rows = torch.from_numpy(np.concatenate([rng.choice(ix, per_class, replace=False)
                                                for ix in by_class]))  # fmt: skip
        a = model.audio_projection(_top_stages_pooled(encoder, below[rows], stages))
        a = F.normalize(a, dim=-1)
        cats = np.concatenate([own, rng.choice(others, negatives, replace=False)])
        text_rows = torch.from_numpy(np.stack([2 * cats, 2 * cats + 1], axis=1).reshape(-1))
        width = int(tokens["attention_mask"][text_rows].sum(dim=1).max())
        out = model.text_model(**{n: v[text_rows, :width] for n, v in tokens.items()})
        t = F.normalize(model.text_projection(out.pooler_output), dim=-1)
        t = F.normalize(t.view(len(cats), 2, -1).mean(dim=1), dim=-1)  # as text_matrix
        target = y[rows]
        logits = scale * a @ t.T  # clips x subcategories; class c is column c
        pos = (target[None, :] == torch.arange(k)[:, None]).float()
        loss_audio = F.cross_entropy(logits, target)
        loss_text = -(pos / pos.sum(1, keepdim=True) * F.log_softmax(logits[:, :k].T, 1)).sum(1)
        loss = (loss_audio + loss_text.mean()) / 2
        if typed is not None:
            loss = loss + _typed_loss(model, a, target, *typed, scale) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            acc = (logits.argmax(1) == target).float().mean().item()
            log(f"step {step}: loss {loss.item():.3f}, batch top-1 {acc:.2f}")
    for p in model.parameters():
        p.requires_grad_(True)


def _typed_queries(tok, typed: list[str]):
    """(tokens of every phrasing, phrasings-to-query averaging matrix): a typed query's vector
    is the product's (soundseek.embed.base.query_vector: the mean of its caption variants)."""
    import torch

    from soundseek.embed.base import caption_variants

    variants = [caption_variants(q) for q in typed]
    flat = [v for vs in variants for v in vs]
    mean = torch.zeros((len(typed), len(flat)))
    col = 0
    for row, vs in enumerate(variants):
        mean[row, col : col + len(vs)] = 1 / len(vs)
        col += len(vs)
    return tok(flat, padding=True, return_tensors="pt"), mean


def _typed_loss(model, audio, target, queries, query_class, scale: float):
    """InfoNCE between a batch's clips and every typed query, both ways: a clip's positives
    are its class's queries, a query's positives are its class's clips."""
    import torch.nn.functional as F

    tokens, mean = queries
    out = model.text_model(**tokens)
    phrasings = F.normalize(model.text_projection(out.pooler_output), dim=-1)
    q = F.normalize(mean @ phrasings, dim=-1)
    logits = scale * audio @ q.T  # clips x queries
    pos = ((target[:, None] == query_class[None, :]) | (query_class[None, :] < 0)).float()
    own = query_class >= 0  # a clip is not asked to pick the neutral caption
    clip_pos = pos[:, own]
    clip_side = -(clip_pos / clip_pos.sum(1, keepdim=True) * F.log_softmax(logits[:, own], 1))
    query_side = -(pos.T / pos.T.sum(1, keepdim=True) * F.log_softmax(logits.T, 1)).sum(1)
    return (clip_side.sum(1).mean() + query_side.mean()) / 2


def _check_shortcut(model, mel, below, stages: int) -> None:
    """What was trained through `_top_stages_pooled` is what the whole model computes."""
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        longer = torch.zeros((len(mel), 1), dtype=torch.bool)
        whole = model.get_audio_features(input_features=mel[:, None], is_longer=longer)
        whole = getattr(whole, "pooler_output", whole)
        encoder = model.audio_model.audio_encoder
        short = model.audio_projection(_top_stages_pooled(encoder, below, stages))
    assert torch.allclose(whole, F.normalize(short, dim=-1), atol=1e-4), "transformers changed"
