"""What a transfer makes of a sound: rate, bit depth, format, channels, region handles and
fades, varispeed and reverse, the name and the destination. One frozen record, checked once,
so the window's drag, the CLI and a spot to Pro Tools ask for the same thing the same way."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from soundseek.errors import TransferOptionError as OptionError
from soundseek.transfer.naming import check_template

RATES = (44_100, 48_000, 88_200, 96_000, 176_400, 192_000)
BITS = ("16", "24", "32", "32f")  # PCM 16/24/32, IEEE float 32
FORMATS = ("wav", "aiff")
CHANNELS = ("keep", "mono", "split")
MAX_HANDLES_MS = 60_000.0
MAX_SEMITONES = 24.0


@dataclass(frozen=True)
class Region:
    """A time range of the source, in seconds."""

    start: float
    end: float

    @classmethod
    def parse(cls, text: str) -> Region:
        """`START-END` in seconds (`1.5-3`), as the CLI's --region takes it."""
        try:
            start, end = (float(p) for p in text.split("-", 1))
        except ValueError:
            raise OptionError(f"region {text!r} is not START-END in seconds (e.g. 1.5-3)") from None
        return cls(start, end).checked()

    def checked(self) -> Region:
        if not (0 <= self.start < self.end):
            raise OptionError(f"region {self.start:g}-{self.end:g} s is empty or negative")
        return self


@dataclass(frozen=True)
class TransferOptions:
    """`None`/"keep" means as the source has it. A copy is always written unless `passthrough`
    says a whole file needs nothing at all (then the original goes, untouched)."""

    rate: int | None = None
    bits: str = "keep"  # "keep" | one of BITS
    format: str = "wav"  # one of FORMATS, or "keep": the original if nothing else changes
    channels: str = "keep"  # one of CHANNELS
    handles_ms: float = 0.0  # extra audio before and after a region
    fade_ms: float = 2.0  # short fades on the edges a region cuts inside the file
    reverse: bool = False
    semitones: float = 0.0  # varispeed: pitch and speed together, as auditioned
    name: str = ""  # naming template; "" is "{name}" (and the region times for a region)
    folder: str = ""  # "" is the transfer folder
    metadata: bool = True  # embed the file's metadata in the copy

    def checked(self) -> TransferOptions:
        """The same options, or OptionError naming the first one that cannot be honoured."""
        if self.rate is not None and self.rate not in RATES:
            raise OptionError(f"rate {self.rate} is not one of {', '.join(map(str, RATES))}")
        if self.bits != "keep" and self.bits not in BITS:
            raise OptionError(f"bit depth {self.bits!r} is not keep or one of {', '.join(BITS)}")
        if self.format not in (*FORMATS, "keep"):
            raise OptionError(f"format {self.format!r} is not one of {', '.join(FORMATS)}")
        if self.channels not in CHANNELS:
            raise OptionError(f"channels {self.channels!r} is not one of {', '.join(CHANNELS)}")
        if not (0 <= self.handles_ms <= MAX_HANDLES_MS) or not (0 <= self.fade_ms <= 1000):
            raise OptionError("handles must be 0-60000 ms and fades 0-1000 ms")
        if abs(self.semitones) > MAX_SEMITONES:
            raise OptionError(f"varispeed is limited to ±{MAX_SEMITONES:g} semitones")
        if self.name:
            check_template(self.name)
        if self.format == "aiff" and self.bits == "32f":  # AIFC float: few DAWs read it
            raise OptionError("AIFF holds PCM only here: use WAV for 32-bit float")
        return self

    @property
    def passthrough(self) -> bool:
        """Nothing to render for a whole file: the original is what the DAW should get."""
        untouched = self.rate is None and self.bits == "keep" and self.channels == "keep"
        return self.format == "keep" and untouched and not self.semitones and not self.reverse

    @property
    def container(self) -> str:
        """The format a rendered copy is written in ("keep" renders as WAV)."""
        return "wav" if self.format == "keep" else self.format

    @property
    def speed(self) -> float:
        """Varispeed as a playback-rate factor (+12 semitones plays twice as fast)."""
        return float(2.0 ** (self.semitones / 12.0))

    def replace(self, **changes: object) -> TransferOptions:
        """These options with some changed; None values are ignored (an unset CLI flag) and a
        rate of 0 means the source's rate."""
        given = {k: v for k, v in changes.items() if v is not None}
        if given.get("rate") == 0:
            given["rate"] = None
        return dataclasses.replace(self, **given).checked()

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> TransferOptions:
        """Known keys only: a history written by a newer version still reads."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known}).checked()  # type: ignore[arg-type]

    def render_key(self) -> str:
        """What the rendered audio and its metadata depend on (not the name or the folder)."""
        raw = self.as_dict()
        raw.pop("name")
        raw.pop("folder")
        return json.dumps(raw, sort_keys=True)
