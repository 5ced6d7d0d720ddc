"""Name a transferred file from a template: `{CatID}_{FXName}_{CreatorID}_{SourceID}`,
`{name}_{start}-{end}`, `{name} T{take}`...

Fields a file lacks are empty, and the separators around them collapse, so one template
serves UCS-named and unnamed libraries alike. The result is safe on every platform's file
systems (no `/\\:*?"<>|`, no control characters, no trailing dot or space) and cut to the
destination's name limit in bytes, never inside a character; non-ASCII names stay as they are.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from soundseek.errors import TransferOptionError as OptionError
from soundseek.files.names import cut_to_bytes, name_max, readable

FIELDS = ("FXName", "CatID", "CreatorID", "SourceID", "name", "take", "start", "end", "preset")
DEFAULT_FILE = "{name}"
DEFAULT_REGION = "{name}_{start}-{end}"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_SEPARATORS = re.compile(r"([ _.\-])[ _.\-]*(?=[ _.\-])|^[ _.\-]+|[ _.\-]+$")


@dataclass(frozen=True)
class NameFields:
    """What a name can be made of; times are seconds of the source."""

    name: str  # the original file name without its extension
    fx_name: str = ""
    catid: str = ""
    creator_id: str = ""
    source_id: str = ""
    take: int = 1
    start: float | None = None
    end: float | None = None
    preset: str = ""

    def values(self) -> dict[str, str]:
        def secs(t: float | None) -> str:
            return "" if t is None else f"{t:.2f}s"

        return {
            "FXName": self.fx_name,
            "CatID": self.catid,
            "CreatorID": self.creator_id,
            "SourceID": self.source_id,
            "name": readable(self.name),
            "take": f"{self.take:02d}",
            "start": secs(self.start),
            "end": secs(self.end),
            "preset": self.preset,
        }


def check_template(template: str) -> str:
    """The template, or OptionError naming a field it does not know."""
    try:
        used = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise OptionError(f"naming template {template!r}: {exc}") from None
    unknown = [f for f in used if f not in FIELDS]
    if unknown:
        raise OptionError(
            f"naming template field {{{unknown[0]}}} is unknown; "
            f"fields: {', '.join('{' + f + '}' for f in FIELDS)}"
        )
    return template


def stem_for(template: str, fields: NameFields) -> str:
    """The file name without its extension; never empty."""
    text = check_template(template).format(**fields.values())
    text = _UNSAFE.sub("-", text)
    text = _SEPARATORS.sub(lambda m: m.group(1) or "", text).strip(" .")
    return text or readable(fields.name) or "transfer"


def file_name(stem: str, suffix: str, ext: str, folder: str) -> str:
    """`stem + suffix + ext`, the stem cut so the whole fits the folder's name limit."""
    tail = f"{suffix}.{ext}"
    room = name_max(folder) - len(tail.encode("utf-8"))
    return (cut_to_bytes(stem, room) or "transfer") + tail
