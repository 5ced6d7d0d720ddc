"""The application layer: what the GUI, the CLI and services do, written once, Qt-free.

Importing it is cheap; the index and the model load when first used.
"""

from __future__ import annotations

from soundseek.app.app import App
from soundseek.search.steer_request import Steer

__all__ = ["App", "Steer"]
