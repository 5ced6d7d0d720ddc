"""Words as search sees them: file names like `DOORWood_Creak-Slow01` split into lowercase words."""

from __future__ import annotations

import re

_CAMEL = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
)
_SPLIT = re.compile(r"[\s_\-.,;:()\[\]{}+&/\\|'\"!?#=~]+")


def chunks(text: str) -> list[list[str]]:
    """Separated pieces of a text, each as its lowercase camelCase/digit parts:
    `DOORWood_Creak-Slow01` → [door, wood], [creak], [slow, 01]."""
    out = []
    for chunk in _SPLIT.split(text):
        parts = [p.lower() for p in _CAMEL.split(chunk) if p]
        if parts:
            out.append(parts)
    return out


def words(text: str) -> list[str]:
    """Split names like `DOORWood_Creak-Slow01` into searchable lowercase words (each
    run-together chunk also whole: doorwood, slow01)."""
    out: list[str] = []
    for parts in chunks(text):
        out.extend(parts)
        if len(parts) > 1:
            out.append("".join(parts))
    return out
