"""Words as search sees them: file names like `DOORWood_Creak-Slow01` split into lowercase words."""

from __future__ import annotations

import re

_CAMEL = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
)
_SPLIT = re.compile(r"[\s_\-.,;:()\[\]{}+&/\\|'\"!?#=~]+")


def words(text: str) -> list[str]:
    """Split names like `DOORWood_Creak-Slow01` into searchable lowercase words."""
    out: list[str] = []
    for chunk in _SPLIT.split(text):
        if not chunk:
            continue
        parts = [p for p in _CAMEL.split(chunk) if p]
        out.extend(p.lower() for p in parts)
        if len(parts) > 1:
            out.append(chunk.lower())
    return out
