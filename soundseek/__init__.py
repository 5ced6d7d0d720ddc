"""SoundSeek: find sounds in your own library by describing them."""

from __future__ import annotations

__version__ = "0.2.0"
