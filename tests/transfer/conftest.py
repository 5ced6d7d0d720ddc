"""Fixtures for the transfer tests: a stand-in Pro Tools (PTSL over gRPC on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.transfer.ptsl_standin import PtslStandIn


@pytest.fixture
def ptsl_standin(tmp_path: Path) -> Iterator[PtslStandIn]:
    """A started stand-in with a 48 kHz / 24-bit session "Film"; stopped after the test."""
    standin = PtslStandIn(session_folder=tmp_path / "Film").start()
    try:
        yield standin
    finally:
        standin.stop()
