"""Headless SoundSeek core: scanning, metadata, embedding, storage and search (no Qt here)."""

from __future__ import annotations
