"""The transfer engine as a sound designer meets it: the copy has the rate, depth, channels and
length asked for, sounds like the source (a soxr conversion within dither), carries its
metadata with the Pro Tools stamp fields cleared, and the source is never touched."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
import wavinfo

from soundseek.errors import TransferError, TransferOptionError
from soundseek.metadata.fields import MetadataChange
from soundseek.transfer.engine import TransferRequest, transfer
from soundseek.transfer.naming import NameFields
from soundseek.transfer.options import Region, TransferOptions
from tests.audiofiles import bext_bytes, ixml_bytes, write_bwf

LSB24 = 1 / 2**23


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def hires(tmp_path) -> Path:
    """2 s of 96 kHz / 24-bit stereo noise with a bext time reference."""
    rng = np.random.default_rng(3)
    path = tmp_path / "src" / "Door Slam Heavy_96k.wav"
    path.parent.mkdir()
    sf.write(str(path), (rng.standard_normal((192_000, 2)) * 0.2).astype(np.float32), 96_000,
             subtype="PCM_24")  # fmt: skip
    return path


def _go(source, folder, **options) -> object:
    region = options.pop("region", None)
    change = options.pop("change", MetadataChange())
    names = options.pop("names", None)
    request = TransferRequest(str(source), TransferOptions(**options), region, change, names)
    return transfer(request, folder)


def test_a_96k_file_lands_at_48k_24_equal_to_soxr_within_dither(hires, tmp_path):
    before = _sha(hires)
    change = MetadataChange(description="Heavy door slams shut", catid="DOORWood",
                            fx_name="Door Slam Heavy", keywords="door, slam")  # fmt: skip
    done = _go(hires, tmp_path / "out", rate=48_000, bits="24", change=change)
    (out,) = done.outputs
    info = sf.info(out)
    assert (info.samplerate, info.subtype, info.channels, info.frames) == (
        48_000,
        "PCM_24",
        2,
        96_000,
    )
    got = sf.read(out)[0]
    want = soxr.resample(sf.read(str(hires))[0], 96_000, 48_000, "VHQ")
    assert np.abs(got - want).max() <= 1.5 * LSB24 + 1e-9  # TPDF: ±1 LSB noise, ±0.5 rounding
    assert np.abs(got - want).max() > 0.4 * LSB24  # dithered, not truncated
    assert _sha(hires) == before


def test_the_copy_carries_its_metadata_and_no_pro_tools_stamp(tmp_path):
    source = write_bwf(tmp_path / "take.wav", np.zeros(48_000), 48_000,
                       bext=bext_bytes("Rain on tin roof", originator="Recorder"),
                       ixml=ixml_bytes({"CATID": "RAINMetl"}))  # fmt: skip
    change = MetadataChange(description="Rain on tin roof", catid="RAINMetl",
                            fx_name="Rain Tin Roof", keywords="rain, tin")  # fmt: skip
    (out,) = _go(source, tmp_path / "out", rate=96_000, change=change).outputs
    info = wavinfo.WavInfoReader(out)
    assert info.bext.description == "Rain on tin roof"
    assert info.bext.originator == "SoundSeek" and info.bext.originator_ref == ""
    assert not any(info.bext.umid)
    user = info.ixml.raw_xml.find("USER")
    assert user.findtext("CATID") == "RAINMetl" and user.findtext("FXNAME") == "Rain Tin Roof"
    assert user.findtext("KEYWORDS") == "rain, tin"
    assert user.findtext("ORIGINALPATH") == str(source)
    assert info.info.comment == "Rain on tin roof"


def test_a_16_bit_source_is_padded_to_24_bit_exactly_without_dither(tmp_path):
    source = write_bwf(tmp_path / "s.wav", np.linspace(-0.5, 0.5, 4800), 48_000)
    (out,) = _go(source, tmp_path / "out", bits="24").outputs
    src = sf.read(str(source), dtype="int32")[0]
    assert np.array_equal(sf.read(out, dtype="int32")[0], src)


def test_a_region_gets_its_handles_and_fades_only_where_it_cuts(hires, tmp_path):
    done = _go(hires, tmp_path / "out", region=Region(0.5, 1.0), handles_ms=100, fade_ms=5)
    data = sf.read(done.outputs[0])[0]
    assert len(data) == round(0.7 * 96_000)  # 0.4-1.1 s
    assert np.abs(data[:3]).max() < 0.01 and np.abs(data[-3:]).max() < 0.01  # faded edges
    assert np.abs(data[2000:2100]).max() > 0.1
    start = sf.read(_go(hires, tmp_path / "o2", region=Region(0.0, 0.5)).outputs[0])[0]
    assert np.array_equal(start[:50], sf.read(str(hires))[0][:50])  # the file's own start


def test_channels_sum_to_mono_or_split_into_named_mono_files(hires, tmp_path):
    src = sf.read(str(hires))[0]
    mono = sf.read(_go(hires, tmp_path / "m", channels="mono", bits="32f").outputs[0])[0]
    assert mono.ndim == 1 and np.allclose(mono, src.mean(axis=1), atol=1e-6)
    left, right = _go(hires, tmp_path / "s", channels="split").outputs
    assert left.endswith(".L.wav") and right.endswith(".R.wav")
    assert np.array_equal(sf.read(left)[0], src[:, 0]) and np.array_equal(
        sf.read(right)[0], src[:, 1]
    )


def test_varispeed_and_reverse_are_rendered_as_auditioned(hires, tmp_path):
    up = _go(hires, tmp_path / "u", semitones=12.0, bits="32f")
    assert up.frames == 96_000 and sf.info(up.outputs[0]).frames == 96_000  # twice as fast
    forward = sf.read(
        _go(hires, tmp_path / "f", region=Region(0.5, 1.0), fade_ms=0, bits="32f").outputs[0]
    )[0]
    back = sf.read(_go(hires, tmp_path / "b", region=Region(0.5, 1.0), fade_ms=0, bits="32f",
                       reverse=True).outputs[0])[0]  # fmt: skip
    assert np.array_equal(back, forward[::-1])


def test_aiff_copies_carry_id3_fields(hires, tmp_path):
    from mutagen.aiff import AIFF

    change = MetadataChange(description="Slam", catid="DOORWood")
    (out,) = _go(hires, tmp_path / "a", format="aiff", bits="16", change=change).outputs
    assert out.endswith(".aiff") and sf.info(out).subtype == "PCM_16"
    tags = AIFF(out).tags
    assert str(tags["TXXX:CATID"]) == "DOORWood" and str(tags["TXXX:ORIGINALPATH"]) == str(hires)


def test_names_follow_the_template_and_never_replace_a_file(hires, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "DOORWood_Door Slam_JD_LIB.wav").write_bytes(b"the user's own file")
    names = NameFields("orig", fx_name="Door Slam", catid="DOORWood", creator_id="JD",
                       source_id="LIB")  # fmt: skip
    done = _go(hires, out, name="{CatID}_{FXName}_{CreatorID}_{SourceID}", names=names)
    assert Path(done.outputs[0]).name == "DOORWood_Door Slam_JD_LIB 2.wav"
    assert (out / "DOORWood_Door Slam_JD_LIB.wav").read_bytes() == b"the user's own file"
    bare = _go(hires, out, name="{CatID}_{name}", names=NameFields("orig"), bits="16")
    assert Path(bare.outputs[0]).name == "orig.wav"  # an empty field takes its separator along
    with pytest.raises(TransferOptionError, match="FXname"):
        _go(hires, out, name="{FXname}")


def test_a_long_non_ascii_name_is_cut_to_the_file_system_limit(tmp_path):
    stem = "Tür_Knall_" + "ü" * 140  # 290 bytes in UTF-8
    source = tmp_path / "src.wav"
    sf.write(str(source), np.zeros(480), 48_000)
    done = _go(source, tmp_path / "out", names=NameFields(stem), bits="16")
    name = Path(done.outputs[0]).name
    assert (
        len(name.encode("utf-8")) <= 255
        and name.startswith("Tür_Knall_üü")
        and name.endswith(".wav")
    )


def test_a_read_only_destination_is_one_line_and_leaves_nothing(hires, tmp_path, monkeypatch):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    if os.geteuid() == 0:  # root writes through permission bits: the check still must refuse
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, m: False if Path(p) == out else real(p, m))
    try:
        with pytest.raises(TransferError, match="read-only") as err:
            _go(hires, out, rate=48_000)
        assert "\n" not in str(err.value)
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o700)


def test_an_unreadable_source_is_a_transfer_error(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(TransferError, match=r"broken\.wav"):
        _go(bad, tmp_path / "out", rate=48_000)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_copy_past_4_gb_is_written_as_rf64_with_its_metadata(hires, tmp_path, monkeypatch):
    """Forced here with a tiny limit: the same path a 4 GB+ transfer takes."""
    import soundseek.transfer.render as render

    monkeypatch.setattr(render, "RIFF_LIMIT", 0)
    change = MetadataChange(description="Long ambience")
    (out,) = _go(hires, tmp_path / "out", rate=48_000, change=change).outputs
    assert Path(out).read_bytes()[:4] == b"RF64" and sf.info(out).frames == 96_000
    assert wavinfo.WavInfoReader(out).bext.description == "Long ambience"


def test_keep_original_copies_the_file_as_it_is_and_says_what_it_is(tmp_path):
    source = tmp_path / "src" / "Rain Light.flac"
    source.parent.mkdir()
    sf.write(str(source), np.zeros((4800, 2), np.float32), 44_100, format="FLAC")
    request = TransferRequest(str(source), TransferOptions(format="keep"), copy=True)
    done = transfer(request, tmp_path / "out")
    (out,) = done.outputs
    assert Path(out).name == "Rain Light.flac" and Path(out).read_bytes() == source.read_bytes()
    assert (done.format, done.rate, done.channels, done.original) == ("flac", 44_100, 2, False)
