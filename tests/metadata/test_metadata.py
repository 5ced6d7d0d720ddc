from __future__ import annotations

import pytest
import soundfile as sf

from soundseek.errors import UnreadableFile
from soundseek.metadata.reader import read_metadata
from soundseek.metadata.text import words
from soundseek.metadata.ucs import load_catalog
from tests.audiofiles import bext_bytes, ixml_bytes, tone, write_bwf


def test_ucs_list_is_shipped_complete():
    cat = load_catalog()
    assert len(cat) == 752
    assert len(cat.categories) == 82
    assert cat.get("DOORWood").category == "DOORS"


def test_ucs_filename_needs_exact_catid():
    cat = load_catalog()
    name = cat.parse_filename("DOORWood-Barn_Creak Slow_JD_MYLIB_take 3.wav")
    assert (name.catid, name.user_category, name.fx_name, name.creator_id, name.source_id) == (
        "DOORWood", "Barn", "Creak Slow", "JD", "MYLIB",
    )  # fmt: skip
    assert cat.parse_filename("DOORWOOD_Creak_JD_X.wav") is None
    assert cat.parse_filename("door creak.wav") is None


def test_bwf_bext_and_ixml_user_fields(library):
    m = read_metadata(str(library["door"]))
    assert m.description == "Old wooden door creaks open slowly"
    assert m.originator == "JD Sound"
    assert m.origination_date == "2026-01-02"
    assert (m.catid, m.category, m.subcategory) == ("DOORWood", "DOORS", "WOOD")
    assert m.keywords == "hinge squeak"
    assert (m.library, m.designer, m.fx_name) == ("MyLib", "Jane Doe", "Creak Slow")
    assert (m.samplerate, m.channels, m.bit_depth) == (48000, 1, 16)
    assert m.duration == pytest.approx(2.0)
    assert "creaks" in m.search_text() and "door" in m.search_text()


def test_ixml_catid_not_in_ucs_is_dropped_with_warning(tmp_path):
    p = write_bwf(tmp_path / "x.wav", tone(0.5), ixml=ixml_bytes({"CATID": "NOTACAT"}))
    m = read_metadata(str(p))
    assert m.catid == ""
    assert "NOTACAT" in m.warning


def test_broken_ixml_keeps_audio_and_bext(tmp_path):
    p = write_bwf(tmp_path / "y.wav", tone(0.5), bext=bext_bytes("kept"), ixml=b"<BWFXML><USER>")
    m = read_metadata(str(p))
    assert m.description == "kept"
    assert "iXML" in m.warning
    assert m.duration == pytest.approx(0.5)


def test_vorbis_and_id3_tags(library):
    flac = read_metadata(str(library["thunder"]))
    assert flac.tags["title"] == "Distant thunder"
    assert "storm rumble" in flac.search_text()
    ogg = read_metadata(str(library["rain"]))
    assert ogg.tags["genre"] == "ambience" and ogg.format == "OGG"
    mp3 = read_metadata(str(library["mp3"]))
    assert mp3.tags["title"] == "Dog bark" and mp3.format == "MP3"


def test_technical_facts_of_multichannel_and_hires(library):
    wide = read_metadata(str(library["surround"]))
    assert wide.channels == 6
    hires = read_metadata(str(library["hires"]))
    assert (hires.samplerate, hires.bit_depth) == (96000, 24)


@pytest.mark.parametrize("kind,reason", [("empty", "empty"), ("truncated", "not a readable"),
                                         ("random", "not a readable")])  # fmt: skip
def test_broken_files_raise_one_error_type_with_reason(library, kind, reason):
    with pytest.raises(UnreadableFile) as err:
        read_metadata(str(library[kind]))
    assert reason in err.value.reason
    assert err.value.path == str(library[kind])


def test_words_split_names_for_search():
    assert words("DOORWood_Creak-Slow01") == [
        "door",
        "wood",
        "doorwood",
        "creak",
        "slow",
        "01",
        "slow01",
    ]


def test_tags_of_a_wav_id3_chunk_and_of_a_misnamed_file(tmp_path):
    """Tags are asked of the format the extension names first; an `id3 ` chunk in a WAV and
    a FLAC that calls itself .ogg still give their titles."""
    from mutagen.flac import FLAC
    from mutagen.id3 import TIT2
    from mutagen.wave import WAVE

    wav = tmp_path / "tagged.wav"
    sf.write(wav, tone(0.2), 48000)
    w = WAVE(wav)
    w.add_tags()
    w.tags.add(TIT2(encoding=3, text="Cellar door creak"))
    w.save()
    assert read_metadata(str(wav)).tags["title"] == "Cellar door creak"

    flac = tmp_path / "really_flac.ogg"
    sf.write(flac, tone(0.2), 48000, format="FLAC")
    f = FLAC(flac)
    f["title"] = "Hidden thunder"
    f.save()
    meta = read_metadata(str(flac))
    assert meta.tags["title"] == "Hidden thunder" and meta.format == "FLAC"
