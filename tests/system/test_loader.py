"""The loader child: every hostile file ends in one clear `file: message` problem, with the
child's memory bounded, and a good deck comes back as plain data with decoded pixels and
checked font bytes. (Times are reported by the benchmark, not asserted here.)"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from kiosk.deck.limits import Limits
from kiosk.loader.job import LoadJob, LoadRequest, load_isolated
from kiosk.loader.wire import WireError, decode_answer
from tests.attacks import ATTACKS, Attack, image_section, make_deck, png, png_chunk

ROOT = Path(__file__).resolve().parents[2]
# Refused before decoding anything: the child is Python, pygame and Pillow, nothing more.
HEADER_ONLY_PEAK = 300 * 2**20


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_every_attack_ends_in_one_clear_problem_naming_the_file(tmp_path, attack: Attack):
    folder = make_deck(tmp_path)
    named = attack.plant(folder)
    outcome = load_isolated(LoadRequest(folder, ((1280, 800),)))
    assert outcome.deck is None
    assert any(named in problem for problem in outcome.problems), outcome.problems
    assert all(problem.strip() and "\n" not in problem for problem in outcome.problems)
    assert "Traceback" not in " ".join(outcome.problems)
    assert 0 < outcome.peak_rss_bytes < HEADER_ONLY_PEAK, outcome.peak_rss_bytes


def test_the_bundled_deck_comes_back_as_plain_data_with_pixels_and_fonts():
    outcome = load_isolated(LoadRequest(ROOT / "slides", ((1280, 800),)))
    assert outcome.ok, outcome.problems
    deck = outcome.deck
    assert deck is not None and deck.assets is not None
    images = {slide.image for slide in deck.slides if slide.image is not None}
    assert images and set(deck.assets.images) == images
    for pixels in deck.assets.images.values():
        # Scaled to fit the screen, aspect kept, four bytes per pixel.
        assert pixels.width <= 1280 and pixels.height <= 800
        assert len(pixels.rgba) == pixels.width * pixels.height * 4
    assert set(deck.assets.fonts) == {
        "AtkinsonHyperlegible-Regular.woff",
        "AtkinsonHyperlegible-Bold.woff",
    }
    assert outcome.last_read is not None


def test_content_errors_do_not_hide_image_errors(tmp_path):
    folder = make_deck(tmp_path, image_section("images/a.png"))
    (folder / "images").mkdir()
    (folder / "images" / "a.png").write_bytes(png(100, 100))  # header only: cannot decode
    (folder / "20-bad.yaml").write_text("section: B\nslides:\n  - id: x\n    kind: nope\n")
    outcome = load_isolated(LoadRequest(folder))
    text = "\n".join(outcome.problems)
    assert "slides/10-care.yaml:" in text and "images/a.png" in text
    assert "slides/20-bad.yaml:" in text and "kind" in text


def test_a_good_image_of_any_format_is_decoded_and_scaled(tmp_path):
    from PIL import Image

    from kiosk.screen.layout import largest_image_box

    folder = make_deck(tmp_path, image_section("images/photo.png"))
    (folder / "images").mkdir()
    # A WebP named .png: sniffed by content, decoded as the WebP it is.
    Image.new("RGB", (1200, 900), (200, 30, 30)).save(folder / "images" / "photo.png", "WEBP")
    outcome = load_isolated(LoadRequest(folder, ((800, 600),)))
    assert outcome.ok, outcome.problems
    assert outcome.deck is not None and outcome.deck.assets is not None
    (pixels,) = outcome.deck.assets.images.values()
    # Scaled to layout's largest picture box on that screen, keeping the 4:3 shape.
    box_w, box_h = largest_image_box(800, 600)
    assert pixels.width == box_w or pixels.height == box_h
    assert pixels.width <= box_w and pixels.height <= box_h
    assert abs(pixels.width / pixels.height - 4 / 3) < 0.01
    assert pixels.rgba[:4] == bytes((200, 30, 30, 255)) or abs(pixels.rgba[0] - 200) < 8


def test_running_out_of_memory_is_a_problem_naming_the_image(tmp_path):
    # 40 Mpx is allowed, but decoding it needs ~300 MB: give the child far less.
    folder = make_deck(tmp_path, image_section("images/big.png"))
    (folder / "images").mkdir()
    rows = zlib_rows(8000, 5000)
    (folder / "images" / "big.png").write_bytes(png(8000, 5000, body=png_chunk(b"IDAT", rows)))
    limits = Limits(memory_bytes=350_000_000)
    outcome = load_isolated(LoadRequest(folder, ((1280, 800),), limits=limits))
    assert outcome.deck is None
    (problem,) = outcome.problems
    assert "images/big.png" in problem and "memory" in problem, problem
    assert outcome.peak_rss_bytes <= limits.memory_bytes


def test_an_allowed_svg_past_the_memory_limit_is_a_problem_not_a_crash(tmp_path):
    # The backstop behind the size check: nanosvg's allocation fails inside the child.
    folder = make_deck(tmp_path, image_section("images/a.svg"))
    (folder / "images").mkdir()
    (folder / "images" / "a.svg").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="8000" height="5000">'
        b'<rect width="8000" height="5000" fill="#123"/></svg>'
    )
    limits = Limits(memory_bytes=150_000_000)
    outcome = load_isolated(LoadRequest(folder, ((960, 600),), limits=limits))
    (problem,) = outcome.problems
    assert "images/a.svg" in problem and "memory" in problem, problem
    assert outcome.peak_rss_bytes <= limits.memory_bytes


def zlib_rows(width: int, height: int) -> bytes:
    import zlib

    row = b"\x00" + bytes(width * 3)
    compressor = zlib.compressobj(9)
    return compressor.compress(row * height) + compressor.flush()


def test_a_child_past_its_wall_time_is_killed_and_the_file_named(tmp_path):
    folder = make_deck(tmp_path)
    limits = Limits(wall_seconds=0.0)  # nothing finishes in no time: it is always killed
    outcome = load_isolated(LoadRequest(folder, limits=limits))
    assert outcome.deck is None
    (problem,) = outcome.problems
    assert "stopped after 0 s" in problem


def test_a_child_stopped_for_cpu_time_says_so(tmp_path):
    folder = make_deck(tmp_path)
    job = LoadJob(LoadRequest(folder, ((1280, 800),)))
    os.kill(job.pid, signal.SIGXCPU)  # what RLIMIT_CPU sends at the soft limit
    outcome = job.wait()
    (problem,) = outcome.problems
    assert "processor time" in problem


def test_a_crash_is_a_problem_not_a_crash(tmp_path):
    folder = make_deck(tmp_path)
    job = LoadJob(LoadRequest(folder, ((1280, 800),)))
    os.kill(job.pid, signal.SIGSEGV)
    outcome = job.wait()
    (problem,) = outcome.problems
    assert "crashed (SIGSEGV)" in problem


def test_poll_returns_at_once_while_the_child_works(tmp_path):
    folder = make_deck(tmp_path)
    job = LoadJob(LoadRequest(folder, ((1280, 800),)))
    polls = 0
    while job.poll() is None:
        polls += 1
        time.sleep(0.005)
    assert polls > 3  # the child takes a while; each poll came straight back
    assert job.poll() is not None and job.done


def test_cancel_stops_the_child(tmp_path):
    folder = make_deck(tmp_path)
    job = LoadJob(LoadRequest(folder, ((1280, 800),)))
    job.cancel()
    outcome = job.wait()
    assert outcome.deck is None and "cancelled" in outcome.problems[0]


def test_a_pickle_for_an_answer_is_refused_without_being_run():
    import pickle

    evil = pickle.dumps(("deck", os.system))
    with pytest.raises(WireError, match="not JSON"):
        decode_answer(evil, [])


def test_the_request_survives_the_trip_to_the_child(tmp_path):
    request = LoadRequest(tmp_path, ((1, 2), (3, 4)), larger_text=True, pixels=False)
    assert LoadRequest.from_json(request.to_json()) == request


def test_the_drawing_side_never_reopens_deck_files(tmp_path):
    """Fonts and images come as checked data: files damaged or removed after loading change
    nothing on screen, and a new font size (the A+ button) still works."""
    import pygame

    from kiosk.screen.layout import Screen
    from kiosk.screen.render import FontBook, SlideRenderer

    folder = make_deck(tmp_path, image_section("images/a.png"))
    (folder / "images").mkdir()
    pygame.image.save(pygame.Surface((300, 200)), str(folder / "images" / "a.png"))
    outcome = load_isolated(LoadRequest(folder, ((960, 600),)))
    assert outcome.ok and outcome.deck is not None
    for font in (tmp_path / "assets" / "fonts").glob("*.woff"):
        font.write_bytes(b"wOFF" + bytes(100))  # corrupted while the kiosk runs
    (folder / "images" / "a.png").unlink()
    fonts = FontBook.for_deck(outcome.deck)
    assert fonts.font(77, bold=True).size("Hinchazón")[0] > 0
    renderer = SlideRenderer(outcome.deck, Screen(960, 600), fonts)
    index = next(i for i, s in enumerate(outcome.deck.slides) if s.image is not None)
    surface = renderer.draw(index, "en")
    assert surface.get_size() == (960, 600)
    box = renderer.plan(index, "en").image
    assert box is not None
    # The picture (all black) is drawn from the loader's pixels, though the file is gone.
    assert surface.get_at((box.x + box.w // 2, box.y + box.h // 2))[:3] == (0, 0, 0)
    assert outcome.deck.theme.background != (0, 0, 0)


def test_a_child_started_early_loads_what_it_is_sent_later(tmp_path):
    folder = make_deck(tmp_path)
    job = LoadJob()  # start-up: spawned before the display (and its size) exists
    with pytest.raises(ValueError, match="other limits"):
        job.send(LoadRequest(folder, limits=Limits(cpu_seconds=1)))
    job.send(LoadRequest(folder, ((960, 600),)))
    outcome = job.wait()
    assert outcome.ok and outcome.deck is not None
    assert [s.id for s in outcome.deck.slides] == ["walk", "rest"]


def test_pictures_for_the_screen_without_a_fit_check_are_scaled_to_its_picture_box(tmp_path):
    """The bundled deck is shown at any size without a fit check, but its pictures still
    come back sized for this screen, not as large as the files (memory, start-up time)."""
    from PIL import Image

    from kiosk.screen.layout import largest_image_box

    folder = make_deck(tmp_path, image_section("images/photo.png"))
    (folder / "images").mkdir()
    Image.new("RGB", (3000, 3000), (20, 90, 200)).save(folder / "images" / "photo.png")
    natural = load_isolated(LoadRequest(folder))
    sized = load_isolated(LoadRequest(folder, screen=(1920, 1080)))
    assert natural.ok and sized.ok, (natural.problems, sized.problems)
    assert natural.deck is not None and natural.deck.assets is not None
    assert sized.deck is not None and sized.deck.assets is not None
    (big,) = natural.deck.assets.images.values()
    (small,) = sized.deck.assets.images.values()
    assert (big.width, big.height) == (3000, 3000)
    side = min(largest_image_box(1920, 1080))
    assert (small.width, small.height) == (side, side)


def test_a_picture_named_by_many_slides_is_read_and_decoded_once(tmp_path, monkeypatch):
    from PIL import Image

    import kiosk.deck.images
    from kiosk.loader.child import _child

    folder = make_deck(tmp_path, image_section("images/photo.png"))
    (folder / "images").mkdir()
    Image.new("RGB", (400, 300), (20, 90, 200)).save(folder / "images" / "photo.png")
    more = "section: More\nslides:\n" + "".join(
        f"  - id: more-{n}\n    kind: bullets\n    title: {{en: More {n}}}\n"
        f"    bullets: [{{en: Point}}]\n    image: images/photo.png\n"
        for n in range(5)
    )
    (folder / "20-more.yaml").write_text(more)
    decoded = []
    real = kiosk.deck.images.decode

    def counted(data, limits, fit):
        decoded.append(len(data))
        return real(data, limits, fit)

    monkeypatch.setattr(kiosk.deck.images, "decode", counted)
    kind, deck = _child(LoadRequest(folder), lambda name: None)
    assert kind == "deck", deck
    assert sum(1 for s in deck.slides if s.image is not None) == 6
    assert len(decoded) == 1
    assert len(deck.assets.images) == 1
