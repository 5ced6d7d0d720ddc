"""Build a small LAION-CLAP model offline: the real transformers classes with a tiny config."""

from __future__ import annotations

from pathlib import Path

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


def build_tokenizer(workdir: Path):
    """A byte-level BPE RoBERTa tokenizer trained on a few sentences, saved the safe way."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        CORPUS * 10,
        vocab_size=600,
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
