"""Narration files are judged by their content and checked whole: WAV chunks add up, every
Ogg page passes its checksum and the stream closes, the length is within the limits, and the
decoder that will play it decodes all of it (in the loader child; here in-process)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.deck.audio import (
    BadAudioError,
    _ogg_crc,
    decode_check,
    parse_timings,
    sniff_audio,
    timings_path,
)
from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.limits import DEFAULT_LIMITS
from tests.audio_samples import narrated_deck, ogg_bytes, wav_bytes

OGG = ogg_bytes(1.5)
WAV = wav_bytes(1.5)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))


def _pages(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every Ogg page."""
    pages, at = [], 0
    while at < len(data):
        count = data[at + 26]
        end = at + 27 + count + sum(data[at + 27 : at + 27 + count])
        pages.append((at, end))
        at = end
    return pages


def _with_granule(data: bytes, granule: int) -> bytes:
    """The same Ogg stream with its last page's position changed, checksum made right again:
    a well-formed file whose header lies about its length."""
    start, end = _pages(data)[-1]
    page = bytearray(data[start:end])
    struct.pack_into("<q", page, 6, granule)
    page[22:26] = b"\0\0\0\0"
    struct.pack_into("<I", page, 22, _ogg_crc(bytes(page)))
    return data[:start] + bytes(page)


def test_ogg_and_wav_are_read_for_what_they_are():
    ogg, wav = sniff_audio(OGG), sniff_audio(WAV)
    assert (ogg.format, ogg.sample_rate, ogg.channels) == ("ogg", 22050, 1)
    assert (wav.format, wav.sample_rate, wav.channels) == ("wav", 22050, 1)
    assert ogg.seconds == pytest.approx(1.5, abs=0.01)
    assert wav.seconds == pytest.approx(1.5, abs=0.001)


def test_the_checksum_is_oggs_own():
    # Every page of a file libvorbis wrote passes; a page with one bit flipped does not.
    start, end = _pages(OGG)[1]
    for s, e in _pages(OGG):
        page = bytearray(OGG[s:e])
        stored = struct.unpack_from("<I", page, 22)[0]
        page[22:26] = b"\0\0\0\0"
        assert _ogg_crc(bytes(page)) == stored
    broken = bytearray(OGG)
    broken[(start + end) // 2] ^= 0x10
    with pytest.raises(BadAudioError, match="fails its checksum"):
        sniff_audio(bytes(broken))


@pytest.mark.parametrize("cut", [10, 30, 60, 200, len(OGG) // 2, len(OGG) - 1])
def test_a_cut_short_ogg_is_refused(cut):
    with pytest.raises(BadAudioError, match="cut short"):
        sniff_audio(OGG[:cut])


def test_an_ogg_cut_at_a_page_boundary_lacks_its_last_page():
    start, _ = _pages(OGG)[-1]
    with pytest.raises(BadAudioError, match="last page is missing"):
        sniff_audio(OGG[:start])


def test_a_header_claiming_ten_hours_is_refused():
    ten_hours = _with_granule(OGG, 10 * 3600 * 22050)
    with pytest.raises(BadAudioError, match=r"lasting 10\.0 hours; narration must be at most 3:00"):
        sniff_audio(ten_hours)
    # WAV: the data chunk claims ten hours, 40 kB follow.
    head = bytearray(WAV[:44])
    struct.pack_into("<I", head, 40, 10 * 3600 * 22050 * 2)
    with pytest.raises(BadAudioError, match=r"cut short: its header claims 10\.0 hours"):
        sniff_audio(bytes(head) + WAV[44:40_044])


def test_a_length_the_decoder_does_not_find_is_refused():
    # A shorter claim with every checksum right: only decoding finds the lie.
    halved = _with_granule(OGG, 22050 // 2)
    info = sniff_audio(halved)
    with pytest.raises(BadAudioError, match=r"says it lasts 0\.5 s but decodes to 1\.5 s"):
        decode_check(halved, info)
    decode_check(OGG, sniff_audio(OGG))
    decode_check(WAV, sniff_audio(WAV))


def test_random_bytes_and_other_formats_are_refused():
    with pytest.raises(BadAudioError, match="not WAV or Ogg Vorbis"):
        sniff_audio(os.urandom(4000))
    with pytest.raises(BadAudioError, match="no page starts at byte 0"):
        sniff_audio(b"OggS" + os.urandom(4000))
    with pytest.raises(BadAudioError, match="empty"):
        sniff_audio(b"")
    opus = bytearray(OGG)
    start, end = _pages(OGG)[0]
    page = bytearray(OGG[start:end])
    body = 27 + page[26]
    page[body : body + 8] = b"OpusHead"
    page[22:26] = b"\0\0\0\0"
    struct.pack_into("<I", page, 22, _ogg_crc(bytes(page)))
    opus[start:end] = page
    with pytest.raises(BadAudioError, match="not Vorbis"):
        sniff_audio(bytes(opus))


def test_rates_and_channels_outside_the_limits_are_refused():
    high = bytearray(WAV)
    struct.pack_into("<I", high, 24, 96000)
    struct.pack_into("<I", high, 28, 96000 * 2)
    with pytest.raises(BadAudioError, match="96000 samples a second; narration must be 8000 to"):
        sniff_audio(bytes(high))
    many = bytearray(wav_bytes(2.0))  # 88200 bytes: whole 12-byte frames
    struct.pack_into("<HIIH", many, 22, 6, 22050, 22050 * 12, 12)
    with pytest.raises(BadAudioError, match="6 channels"):
        sniff_audio(bytes(many))
    with pytest.raises(BadAudioError, match="narration must be under 16 MB"):
        sniff_audio(b"RIFF" + bytes(DEFAULT_LIMITS.audio_file_bytes))


def test_timings():
    assert parse_timings(b'{"starts": [0, 1.2], "text_sha256": ""}', 2.0).starts == (0.0, 1.2)
    for raw, message in [
        (b"[", "not JSON"),
        (b'{"starts": []}', "list of 1 to"),
        (b'{"starts": [0, true]}', "numbers"),
        (b'{"starts": [1, 0.5]}', "rise"),
        (b'{"starts": [0, 3]}', "after the sound ends"),
        (b'{"starts": [0], "text_sha256": "abc"}', "64 hexadecimal"),
        # Found by the issue 24 round: NaN passed every comparison, and nesting under the
        # size limit stopped the loader child with a RecursionError instead of a sentence.
        (b'{"starts": [0, NaN]}', "NaN, which is not a time"),
        (b'{"starts": [0, Infinity]}', "Infinity, which is not a time"),
        (b'{"starts": [0, 1e999]}', "finite numbers"),
        (b'{"starts": ' + b"[" * 30000 + b"]" * 30000 + b"}", "nested too deeply"),
    ]:
        with pytest.raises(BadAudioError, match=message):
            parse_timings(raw, 2.0)
    assert timings_path(Path("a/x.en.ogg")) == Path("a/x.en.timings.json")


def _errors(slides: Path) -> list[str]:
    with pytest.raises(DeckError) as caught:
        load_deck(slides)
    return [str(e) for e in caught.value.errors]


def test_a_slide_names_its_narration_per_language(tmp_path):
    slides = narrated_deck(tmp_path, {"audio/one.en.ogg": OGG, "audio/one.es.ogg": WAV})
    deck = load_deck(slides)
    first, second = deck.slides
    assert first.narration_file("en") == (slides / "audio/one.en.ogg").resolve()
    assert first.narration_file("es") == (slides / "audio/one.es.ogg").resolve()
    assert second.narration == ()


def test_hostile_narration_files_are_errors_naming_file_and_line(tmp_path):
    slides = narrated_deck(tmp_path, {"audio/one.en.ogg": os.urandom(3000)})
    os.mkfifo(slides / "audio" / "one.es.ogg")
    assert _errors(slides) == [
        "slides/10-one.yaml:7: slides[0].narration.en: audio audio/one.en.ogg: not WAV or "
        "Ogg Vorbis audio (the content is something else)",
        "slides/10-one.yaml:7: slides[0].narration.es: audio audio/one.es.ogg: is a named "
        "pipe (FIFO), not a file; it was not read",
    ]


def test_narration_paths_stay_inside_the_deck(tmp_path):
    (tmp_path / "outside.ogg").write_bytes(OGG)
    slides = narrated_deck(tmp_path, {}, narration="{en: ../../outside.ogg, fr: x.ogg}")
    errors = _errors(slides)
    assert any("leads outside the slides/ folder" in e for e in errors), errors
    assert any("narration.fr: 'fr' is not one of the deck's languages" in e for e in errors)
    slides2 = narrated_deck(tmp_path / "b", {}, narration="{en: audio/x.mp3}")
    assert "audio must be one of .ogg, .oga, .wav, got audio/x.mp3" in _errors(slides2)[0]


def test_required_narration_makes_a_missing_one_an_error(tmp_path):
    files = {"audio/one.en.ogg": OGG, "audio/one.es.ogg": OGG}
    slides = narrated_deck(tmp_path, files, deck_extra="narration: {required: true}\n")
    assert _errors(slides) == [
        "slides/10-one.yaml:8: narration: slide 'two' has no narration in en, es, and "
        "deck.yaml says narration is required (run `kiosk narrate`, or add recordings)"
    ]


def test_deck_narration_settings(tmp_path):
    extra = "narration:\n  volume: 0.5\n  attract: true\n  pronounce: {es: {IVC: I V C}}\n"
    deck = load_deck(
        narrated_deck(
            tmp_path, {"audio/one.en.ogg": OGG, "audio/one.es.ogg": OGG}, deck_extra=extra
        )
    )
    assert deck.narration.volume == 0.5
    assert deck.narration.attract is True
    assert deck.narration.pronounce == {"es": {"IVC": "I V C"}}
    bad = narrated_deck(tmp_path / "b", {}, narration="{}", deck_extra="narration: {volume: 2}\n")
    errors = _errors(bad)
    assert any("narration.volume: expected a volume from 0 to 1" in e for e in errors), errors


def _mutations() -> st.SearchStrategy[bytes]:
    """A valid file with bytes of its first kilobyte overwritten, or cut, or both."""
    source = st.sampled_from([OGG, WAV])
    return st.builds(
        lambda data, edits, cut: _mutated(data, edits, cut),
        source,
        st.lists(st.tuples(st.integers(0, 1023), st.integers(0, 255)), max_size=8),
        st.one_of(st.none(), st.integers(0, 4000)),
    )


def _mutated(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for at, value in edits:
        out[at % len(out)] = value
    return bytes(out[:cut] if cut is not None else out)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_fuzzed_headers_are_refused_in_one_sentence_or_read_within_the_limits(data):
    try:
        info = sniff_audio(data)
    except BadAudioError as problem:
        assert str(problem) and "\n" not in str(problem)
        return
    limits = DEFAULT_LIMITS
    assert limits.audio_min_rate <= info.sample_rate <= limits.audio_max_rate
    assert 1 <= info.channels <= 2
    assert 0.1 <= info.seconds <= limits.audio_seconds
    # What passes the container walk either decodes to its claimed length or is refused.
    try:
        decode_check(data, info)
    except BadAudioError as problem:
        assert str(problem)
