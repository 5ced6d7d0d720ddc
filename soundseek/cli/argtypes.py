"""Argument types that refuse what is not a count or a time, at parse time: a usage error
(exit 2) naming the argument, instead of a silent empty result, a busy loop or an
"unexpected error" from deep inside."""

from __future__ import annotations

import argparse
import math


def count(text: str) -> int:
    """1, 2, 3...: how many results."""
    return _int(text, 1, "a whole number of 1 or more")


def count_or_default(text: str) -> int:
    """0 (the default) or more."""
    return _int(text, 0, "a whole number (0: the default)")


def interval(text: str) -> float:
    """A period: a finite number above 0."""
    value = _float(text, 0.0, "a number above 0")
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
    return value


def _int(text: str, least: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def _float(text: str, least: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if not math.isfinite(value) or value < least:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value
