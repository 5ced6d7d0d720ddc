"""Transfer presets per DAW: what each one wants on its timeline by default.

A preset is a starting point, not a cage: the CLI's flags and a user's overrides (settings)
change any field. "keep" is SoundSeek's old behaviour and the default: the original file goes
to the DAW untouched (a region is still rendered, at the source's rate and depth).

Why these defaults: Pro Tools, Nuendo/Cubase and Ardour sessions are 48 kHz/24-bit in post
and games work; Pro Tools converts or refuses other rates, so the copy is made at 48/24
and the UMID/OriginatorReference are cleared (a stamp Pro Tools has seen before makes it ask
about time stamps). REAPER and Logic play any rate: they get a WAV at the source's rate and
depth with the metadata embedded. Logic reads WAV as well as AIFF, but its users often keep
AIFF; the format stays a field anyone can change.
"""

from __future__ import annotations

from dataclasses import dataclass

from soundseek.transfer.options import OptionError, TransferOptions


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    options: TransferOptions
    note: str


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset("keep", "Keep original", TransferOptions(format="keep"),
               "the file itself; a region at the source's rate and depth"),
        Preset("protools", "Pro Tools", TransferOptions(rate=48_000, bits="24"),
               "48 kHz / 24-bit BWF, metadata embedded, UMID cleared"),
        Preset("nuendo", "Nuendo / Cubase", TransferOptions(rate=48_000, bits="24"),
               "48 kHz / 24-bit BWF, metadata embedded"),
        Preset("reaper", "REAPER", TransferOptions(),
               "BWF at the source's rate and depth, metadata embedded"),
        Preset("logic", "Logic Pro", TransferOptions(rate=48_000, bits="24"),
               "48 kHz / 24-bit BWF, metadata embedded"),
        Preset("ardour", "Ardour", TransferOptions(rate=48_000, bits="24"),
               "48 kHz / 24-bit BWF, metadata embedded"),
    )
}  # fmt: skip
DEFAULT_PRESET = "keep"


def preset(key: str) -> Preset:
    """The preset called `key` (case-insensitive), or OptionError listing the ones there are."""
    found = PRESETS.get(key.strip().lower())
    if found is None:
        raise OptionError(f"no transfer preset {key!r}; presets: {', '.join(PRESETS)}")
    return found


def options_for(key: str, overrides: dict[str, dict[str, object]] | None = None) -> TransferOptions:
    """The preset's options with the user's saved overrides for it applied."""
    base = preset(key).options
    changes = (overrides or {}).get(key.strip().lower(), {})
    known = set(base.as_dict())
    return base.replace(**{k: v for k, v in changes.items() if k in known})
