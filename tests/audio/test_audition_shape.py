"""The player auditions what a transfer renders: varispeed (pitch and speed together) and
reverse, with the playhead still telling where in the file the sound is."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from soundseek.audio.playback import Player


class ManualOutput:
    """An output pulled by the test, one block at a time (no clock, no sound card)."""

    rate, channels = 48_000, 2

    def start(self, pull) -> None:
        self.pull = pull

    def close(self) -> None:
        pass

    def failure(self):
        return None


def _ramp(tmp_path, seconds=1.0):
    path = tmp_path / "ramp.wav"
    sf.write(str(path), np.linspace(-0.9, 0.9, int(48_000 * seconds), dtype=np.float32), 48_000,
             subtype="FLOAT")  # fmt: skip
    return str(path)


def test_reverse_plays_from_the_end_and_the_playhead_runs_backwards(tmp_path):
    out = ManualOutput()
    player = Player(out)
    player.volume = 1.0
    assert player.set_shape(0.0, reverse=True)
    player.load(_ramp(tmp_path), 1.0)
    player.play(0.0)  # "from the start" of the reversed sound: the file's end
    block = out.pull(4_800)[:, 0]
    assert block[0] > 0.85 and np.all(np.diff(block) < 0)
    assert abs(player.position - 0.9) < 1e-3  # 0.1 s played, backwards from the end
    player.seek(0.25)
    assert abs(out.pull(1)[0, 0] - (-0.9 + 1.8 * 0.25)) < 1e-3


def test_varispeed_up_an_octave_plays_twice_as_fast(tmp_path):
    out = ManualOutput()
    player = Player(out)
    player.set_shape(12.0, reverse=False)
    player.load(_ramp(tmp_path), 1.0)
    player.play(0.0)
    played = sum(len(out.pull(4_800)) for _ in range(5))  # 0.5 s of output
    assert abs(player.position - 2 * played / 48_000) < 1e-3 and player.covers(0.99)
    assert not player.set_shape(12.0, reverse=False)  # unchanged: no reload needed
    assert player.set_shape(0.0, reverse=False) and player.path is None  # changed: reload
