"""Every format a library holds: what libsndfile cannot read goes through FFmpeg (PyAV), and
containers that lie about what they hold are read for what they are."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from soundseek.app import App
from soundseek.audio.decode import iter_windows, read_segment
from soundseek.audio.render import needs_conversion
from soundseek.audio.sources import probe
from soundseek.errors import UnreadableFile
from tests.audiofiles import noise, tone, write_ffmpeg, write_ogg_in_riff
from tests.helpers import index, rows_by_name

RATE = 44100
STEREO = np.stack([tone(12.0, 440, RATE), tone(12.0, 660, RATE) * 0.5], axis=1)
LOSSLESS = [("take.wv", "wavpack", "wv", "s16p"), ("take alac.m4a", "alac", "ipod", "s16p"),
            ("take.caf", "alac", "caf", "s16p")]  # fmt: skip
LOSSY = [("take aac.m4a", "aac", "ipod", "fltp"), ("take.wma", "wmav2", "asf", "fltp")]


@pytest.mark.parametrize(("name", "codec", "container", "fmt"), LOSSLESS)
def test_lossless_formats_decode_sample_exact(tmp_path, name, codec, container, fmt):
    path = write_ffmpeg(tmp_path / name, STEREO, RATE, codec, container, fmt)
    info = probe(str(path))
    assert (info.samplerate, info.channels, info.decoder) == (RATE, 2, "ffmpeg")
    assert info.format == name.rsplit(".", 1)[1].upper()  # "M4A", not FFmpeg's "MOV"
    assert info.duration == pytest.approx(12.0, abs=0.01)
    data, rate = read_segment(str(path))
    expected = np.round(STEREO * 32767) / 32768  # what 16-bit PCM holds
    assert rate == RATE and data.shape == STEREO.shape
    assert np.abs(data - expected).max() < 1e-4
    part, _ = read_segment(str(path), 5.0, 6.5)  # seeking, as playback of long files does
    assert np.abs(part - expected[5 * RATE : int(6.5 * RATE)]).max() < 1e-4


@pytest.mark.parametrize(("name", "codec", "container", "fmt"), LOSSY)
def test_lossy_formats_decode_to_the_same_sound(tmp_path, name, codec, container, fmt):
    path = write_ffmpeg(tmp_path / name, STEREO, RATE, codec, container, fmt)
    windows = list(iter_windows(str(path)))
    assert len(windows) == 2 and windows[-1].end == pytest.approx(12.0, abs=0.05)
    reference = list(iter_windows(str(_as_wav(tmp_path, STEREO))))
    for got, ref in zip(windows, reference, strict=True):
        spectrum = np.abs(np.fft.rfft(got.samples)), np.abs(np.fft.rfft(ref.samples))
        assert np.corrcoef(*spectrum)[0, 1] > 0.99


def _as_wav(tmp_path, data):
    sf.write(tmp_path / "reference.wav", data, RATE, subtype="PCM_16")
    return tmp_path / "reference.wav"


def test_vorbis_inside_riff_and_misnamed_containers(tmp_path):
    riff = write_ogg_in_riff(tmp_path / "kick04.ogg", tone(0.6, 80, RATE)[:, None], RATE)
    info = probe(str(riff))
    assert info.subtype.startswith("VORBIS") and info.duration == pytest.approx(0.6, abs=0.01)
    assert len(list(iter_windows(str(riff)))) == 1
    aiff_named_wav = tmp_path / "really an aiff.wav"
    sf.write(aiff_named_wav, tone(1.0), 48000, format="AIFF")
    assert probe(str(aiff_named_wav)).format == "AIFF"
    flac_named_ogg = tmp_path / "really a flac.ogg"
    sf.write(flac_named_ogg, tone(1.0), 48000, format="FLAC")
    assert probe(str(flac_named_ogg)).format == "FLAC"
    assert needs_conversion(str(tmp_path / "riff vorbis.wav")) is False  # absent: nothing to do
    riff_wav = write_ogg_in_riff(tmp_path / "riff vorbis.wav", tone(0.5)[:, None], RATE)
    assert needs_conversion(str(riff_wav)), "a DAW cannot read Vorbis in a .wav: render it"
    assert not needs_conversion(str(aiff_named_wav))


def test_garbage_names_both_decoders_reasons(tmp_path):
    junk = tmp_path / "junk.m4a"
    junk.write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(UnreadableFile) as err:
        probe(str(junk))
    assert "FFmpeg:" in err.value.reason and "libsndfile:" in err.value.reason


def test_a_folder_of_wavpack_m4a_caf_and_wma_indexes_with_no_errors(home, tmp_path):
    lib = tmp_path / "Vendor Pack"
    lib.mkdir()
    write_ffmpeg(lib / "metal hit.wv", noise(1.5, RATE, seed=1), RATE, "wavpack", "wv", "s16p",
                 title="Anvil strike")  # fmt: skip
    write_ffmpeg(lib / "crowd.m4a", noise(2.0, RATE, seed=2), RATE, "aac", "ipod", "fltp",
                 title="Stadium cheer")  # fmt: skip
    write_ffmpeg(lib / "bell.caf", tone(3.0, 880, RATE), RATE, "alac", "caf", "s16p")
    write_ffmpeg(lib / "wind.wma", noise(2.5, RATE, seed=3), RATE, "wmav2", "asf", "fltp")
    write_ogg_in_riff(lib / "kick.ogg", tone(0.5, 60, RATE)[:, None], RATE)
    from tests.fakeembed import BandEmbedder

    index(home, [lib], BandEmbedder())
    rows = rows_by_name(home)
    assert {n: r.status.value for n, r in rows.items()} == dict.fromkeys(
        ("metal hit.wv", "crowd.m4a", "bell.caf", "wind.wma", "kick.ogg"), "indexed"
    )
    assert rows["bell.caf"].duration == pytest.approx(3.0, abs=0.01)
    app = App.open(home)
    assert [h.path.endswith("metal hit.wv") for h in app.search("anvil").hits] == [True]
    assert [h.path.endswith("crowd.m4a") for h in app.search("stadium").hits] == [True]
    assert app.drag_file(str(lib / "metal hit.wv")).endswith(".wav")
