"""The two presentation paths: window surface and SDL2 textures show the same pixels.

Headless: the dummy video driver has SDL's software renderer, which runs the very code path
of the texture output (uploads, alpha and MOD blending, present)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pygame
import pytest
from pygame._sdl2 import video

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck, RestStyle, Schedule, TransitionStyle
from kiosk.screen.app import KioskApp
from kiosk.screen.intents import Action
from kiosk.screen.output import (
    Driver,
    GuardedOutput,
    SurfaceOutput,
    TextureCache,
    TextureOutput,
    gpu_device_present,
    is_software_gl,
    open_output,
    wanted_mode,
)
from kiosk.screen.presentation import present
from kiosk.screen.render import FontBook, FrameRenderer
from kiosk.screen.view import FROM_SCREEN, Animation, Mode, Overlay, View
from tests.helpers import FakeClock
from tests.unit.test_app import H as APP_H
from tests.unit.test_app import Script
from tests.unit.test_app import W as APP_W

DECK_DIR = Path(__file__).resolve().parents[2] / "slides"
W, H = 960, 540
# Per channel: SDL's software blending rounds a little differently from pygame's blitter
# (MOD divides by 255, BLEND_RGB_MULT shifts by 8).
TOLERANCE = 3


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_deck(DECK_DIR)


@pytest.fixture
def screen():
    pygame.display.init()
    pygame.font.init()
    display = pygame.display.set_mode((W, H))
    window = video.Window("texture test", size=(W, H))
    output = TextureOutput(window, video.Renderer(window, accelerated=0))
    del window
    yield display, output
    output.close()
    pygame.display.quit()


def pair(deck: Deck) -> tuple[FrameRenderer, FrameRenderer]:
    """Two renderers of one deck: one per path, so neither sees the other's state."""
    fonts = FontBook.for_deck(deck)
    return FrameRenderer(deck, (W, H), fonts), FrameRenderer(deck, (W, H), fonts)


def worst_difference(a: pygame.Surface, b: pygame.Surface) -> int:
    """The largest per-channel difference between two same-size pictures."""
    assert a.get_size() == b.get_size()
    one = pygame.image.tobytes(a, "RGB")
    two = pygame.image.tobytes(b, "RGB")
    return max(abs(x - y) for x, y in zip(one, two, strict=True))


def compare(
    screen: tuple[pygame.Surface, TextureOutput],
    frames: tuple[FrameRenderer, FrameRenderer],
    view: View,
    name: str,
    tmp_path: Path,
) -> None:
    display, output = screen
    on_surface, on_texture = frames
    on_surface.draw(display, view, controls=on_surface.controls(view))
    output.compose(on_texture, view, on_texture.controls(view))
    shown = output.renderer.to_surface()
    worst = worst_difference(display, shown)
    if worst > TOLERANCE:
        pygame.image.save(display, tmp_path / f"{name}-surface.png")
        pygame.image.save(shown, tmp_path / f"{name}-texture.png")
    assert worst <= TOLERANCE, f"{name}: channels differ by up to {worst} (see {tmp_path})"
    # Not trivially equal: the frame has a slide and a bar on it.
    assert len(set(pygame.image.tobytes(shown, "RGB")[::997])) > 3


def fade(deck: Deck, a: int, b: int, progress: float, direction: int = 1) -> View:
    move = Animation(
        from_index=a,
        from_language="en",
        to_index=b,
        to_language="en",
        started_at=0.0,
        seconds=0.4,
        direction=direction,
    )
    return View(index=b, language="en", animation=move, progress=progress)


def test_still_slide(screen, deck, tmp_path):
    for index in (0, 3):
        compare(screen, pair(deck), View(index=index, language="en"), f"still{index}", tmp_path)


def test_attract_hint_and_spanish(screen, deck, tmp_path):
    view = View(index=2, language="es", mode=Mode.ATTRACT)
    compare(screen, pair(deck), view, "attract", tmp_path)


def test_crossfade_midpoint(screen, deck, tmp_path):
    crossfade = replace(deck, transition=replace(deck.transition, style=TransitionStyle.CROSSFADE))
    compare(screen, pair(crossfade), fade(deck, 1, 2, 0.5), "fade", tmp_path)


def test_push_midpoint(screen, deck, tmp_path):
    push = replace(deck, transition=replace(deck.transition, style=TransitionStyle.SLIDE))
    compare(screen, pair(push), fade(deck, 1, 2, 0.5), "push", tmp_path)
    back = fade(deck, 2, 1, 0.3, direction=-1)
    compare(screen, pair(push), back, "push-back", tmp_path)


def test_open_menu_with_lit_topic(screen, deck, tmp_path):
    compare(
        screen, pair(deck), View(index=4, language="en", overlay=Overlay.MENU), "menu", tmp_path
    )


def test_menu_opening_over_a_fade(screen, deck, tmp_path):
    """The rare frame with both: the panel dims a moving picture (the DIM_BELOW piece)."""
    view = replace(fade(deck, 1, 2, 0.5), overlay=Overlay.MENU)
    compare(screen, pair(deck), view, "menu-fade", tmp_path)


def test_staff_keypad_dots_and_rejection(screen, deck, tmp_path):
    view = View(index=0, language="en", overlay=Overlay.KEYPAD, pin_digits=3)
    compare(screen, pair(deck), view, "keypad", tmp_path)
    compare(screen, pair(deck), replace(view, pin_rejected=True), "keypad-no", tmp_path)


def test_larger_text(screen, deck, tmp_path):
    fonts = FontBook.for_deck(deck)
    larger = present(deck, (W, H), fonts, larger_text=True)
    frames = (FrameRenderer(larger, (W, H), fonts), FrameRenderer(larger, (W, H), fonts))
    view = View(index=1, language="en", larger_text=True)
    compare(screen, frames, view, "larger", tmp_path)


@pytest.mark.parametrize("style", [RestStyle.DIM, RestStyle.SLEEP])
def test_resting(screen, deck, tmp_path, style):
    from datetime import time

    resting = replace(deck, schedule=Schedule(time(8), time(17), frozenset(range(5)), style))
    view = View(index=0, language="en", mode=Mode.ATTRACT, resting=True)
    display, output = screen
    if style is RestStyle.SLEEP:
        output.compose(pair(resting)[1], view, pair(resting)[1].controls(view))
        assert set(pygame.image.tobytes(output.renderer.to_surface(), "RGB")) == {0}
        return
    compare(screen, pair(resting), view, "rest", tmp_path)


def test_fade_from_the_screen_starts_at_what_was_shown(screen, deck, tmp_path):
    """A new deck (or text size) fades from the picture on screen, whose textures are gone."""
    display, output = screen
    old, new = pair(deck)
    output.compose(old, View(index=3, language="en"), old.controls(View(index=3)))
    first = output.renderer.to_surface()
    move = Animation(
        from_index=FROM_SCREEN,
        from_language="en",
        to_index=0,
        to_language="en",
        started_at=0.0,
        seconds=0.4,
    )
    start = View(index=0, language="en", animation=move, progress=0.0)
    old_slide = old.slides.surface(3, "en")
    assert old_slide in output.textures
    output.compose(new, start, new.controls(start))
    assert old_slide not in output.textures  # the old presentation's textures went
    assert new.slides.surface(0, "en") in output.textures
    shown = output.renderer.to_surface()
    # Only the bar (the new deck's controls) is drawn over the old slide.
    strip = new.controls(start).strip
    assert strip is not None
    above = pygame.Rect(0, 0, W, strip.y)
    assert worst_difference(first.subsurface(above), shown.subsurface(above)) == 0


def test_texture_cache_is_bounded_and_follows_the_presentation(screen, deck):
    display, output = screen
    output.textures = TextureCache((W, H), budget=3 * W * H * 4)
    frames, other = pair(deck)
    for index in range(8):
        view = View(index=index, language="en")
        output.compose(frames, view, frames.controls(view))
        assert output.textures.used <= output.textures.budget or len(output.textures) <= 3
    assert output.textures.uploads > 8
    # Shown again while still cached: no upload.
    uploads = output.textures.uploads
    output.compose(frames, View(index=7, language="en"), frames.controls(View(index=7)))
    assert output.textures.uploads == uploads
    # Another presentation: the old textures are released before the new ones go in.
    kept = [frames.slides.surface(index, "en") for index in (6, 7)]
    assert all(slide in output.textures for slide in kept)
    assert frames.slides.surface(0, "en") not in output.textures  # pushed out: bounded
    # A picture the surface budget lets go takes its texture with it.
    passing = pygame.Surface((W, H))
    output.textures.texture(output.renderer, passing)
    assert passing in output.textures
    count, used = len(output.textures), output.textures.used
    del passing
    assert len(output.textures) == count - 1 and output.textures.used == used - W * H * 4
    output.compose(other, View(index=0, language="en"), other.controls(View(index=0)))
    assert not any(slide in output.textures for slide in kept)
    assert other.slides.surface(0, "en") in output.textures


def test_surface_output_is_the_old_path(deck):
    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    flips: list[int] = []
    output = SurfaceOutput(display, lambda: flips.append(1))
    frames, reference = pair(deck)
    view = View(index=2, language="en")
    output.show(frames, view, frames.controls(view))
    expected = pygame.Surface((W, H))
    reference.draw(expected, view, controls=reference.controls(view))
    assert flips == [1]
    assert worst_difference(display, expected) == 0
    assert output.size == (W, H) and not output.refresh()
    pygame.display.quit()


def test_a_texture_output_that_fails_while_drawing_turns_into_the_surface(deck, caplog):
    pygame.display.init()
    window = video.Window("failing", size=(W, H))
    texture = TextureOutput(window, video.Renderer(window, accelerated=0))
    del window
    opened: list[pygame.Surface] = []

    def open_surface() -> pygame.Surface:
        opened.append(pygame.display.set_mode((W, H)))
        return opened[-1]

    guarded = GuardedOutput(texture, open_surface)
    frames, reference = pair(deck)
    view = View(index=1, language="en")
    guarded.show(frames, view, frames.controls(view))
    assert guarded.name == "texture" and not opened and not guarded.refresh()

    def lost(*_args: object) -> None:
        raise pygame.error("GL context lost")

    texture.compose = lost  # type: ignore[method-assign]
    view = View(index=2, language="en")
    with caplog.at_level(logging.ERROR, logger="kiosk.screen.output"):
        guarded.show(frames, view, frames.controls(view))
    assert "presentation path: surface (the texture output failed: GL context lost)" in caplog.text
    assert guarded.name == "surface" and len(opened) == 1
    expected = pygame.Surface((W, H))
    reference.draw(expected, view, controls=reference.controls(view))
    assert worst_difference(opened[0], expected) == 0  # the frame still reached the screen
    assert guarded.refresh()  # the app takes the new output's size once
    assert not guarded.refresh()
    with pytest.raises(pygame.error):
        texture.renderer  # noqa: B018 (closed: textures, renderer and window let go of)
    guarded.close()
    pygame.display.quit()


# -- choosing ----------------------------------------------------------------------------------

GL = Driver("opengl", 0x0E)
GLES = Driver("opengles2", 0x0E)
SOFTWARE = Driver("software", 0x0D)


class Opening:
    """Stands in for window + renderer creation, recording what was asked."""

    def __init__(self, fail: set[int] | None = None) -> None:
        self.fail = fail or set()
        self.asked: list[tuple[int, bool]] = []
        self.surfaces = 0

    def texture(self, index: int, accelerated: bool) -> tuple[video.Window, video.Renderer]:
        self.asked.append((index, accelerated))
        if index in self.fail:
            raise pygame.error("Couldn't create renderer")
        window = video.Window("choice", size=(320, 200))
        return window, video.Renderer(window, accelerated=0)

    def surface(self) -> pygame.Surface:
        self.surfaces += 1
        return pygame.display.set_mode((320, 200))


@pytest.fixture
def video_up():
    pygame.display.init()
    yield
    pygame.display.quit()


def choose(
    mode: str,
    drivers: list[Driver],
    opening: Opening,
    gl: str | None = "Mesa Intel(R) UHD 620",
    gpu: bool = True,
) -> tuple[str, str]:
    """The output `open_output` picks and its log line (the output is closed again)."""
    output, line = open_output(
        mode,
        "t",
        (320, 200),
        drivers=drivers,
        open_texture=opening.texture,
        open_surface=opening.surface,
        gl_name=lambda _driver: gl,
        gpu_present=lambda: gpu,
    )
    output.close()
    return output.name, line


def test_auto_takes_textures_on_an_accelerated_renderer(video_up):
    opening = Opening()
    name, line = choose("auto", [GL, GLES, SOFTWARE], opening)
    assert name == "texture" and opening.asked == [(0, True)]
    assert line == (
        "presentation path: texture (auto: accelerated opengl renderer, Mesa Intel(R) UHD 620)"
    )


def test_auto_stays_on_the_surface_without_acceleration(video_up):
    opening = Opening()
    name, line = choose("auto", [SOFTWARE], opening)
    assert name == "surface" and opening.asked == [] and opening.surfaces == 1
    assert line == (
        "presentation path: surface (auto: no accelerated renderer among SDL's drivers "
        "(software))"
    )


def test_auto_refuses_gl_that_draws_with_the_cpu(video_up):
    opening = Opening()
    name, line = choose("auto", [GL, GLES, SOFTWARE], opening, gl="llvmpipe (LLVM 15.0.6)")
    assert name == "surface"
    assert opening.asked == [(0, True)]  # opengles2 would be the same Mesa
    assert (
        line
        == "presentation path: surface (auto: opengl draws in software (llvmpipe (LLVM 15.0.6)))"
    )
    assert is_software_gl("softpipe") and is_software_gl("Mesa swrast")
    assert not is_software_gl("AMD Radeon RX 6400") and not is_software_gl(None)


def test_auto_does_not_probe_gl_without_a_gpu_device(video_up, tmp_path):
    opening = Opening()
    name, line = choose("auto", [GL, GLES, SOFTWARE], opening, gpu=False)
    assert name == "surface" and opening.asked == []
    assert line == (
        "presentation path: surface (auto: no GPU device in /dev/dri, so GL would draw with "
        "the CPU)"
    )
    dri = tmp_path / "dri"
    dri.mkdir()
    assert not gpu_device_present(dri)
    (dri / "by-path").mkdir()
    assert not gpu_device_present(dri)
    (dri / "renderD128").touch()
    assert gpu_device_present(dri)


def test_a_renderer_that_fails_falls_back(video_up):
    opening = Opening(fail={0, 1, -1})
    auto, auto_line = choose("auto", [GL, GLES, SOFTWARE], opening)
    asked, asked_line = choose("texture", [GL, GLES, SOFTWARE], opening)
    assert auto == "surface" and asked == "surface"
    assert "opengl: Couldn't create renderer; opengles2: Couldn't create renderer" in auto_line
    assert "texture was asked for but SDL could not make a renderer" in asked_line
    assert opening.surfaces == 2  # a picture on screen either way


def test_texture_by_name_takes_any_renderer_and_surface_never_tries(video_up):
    opening = Opening()
    assert choose("texture", [SOFTWARE], opening)[0] == "texture"
    assert opening.asked == [(-1, False)]
    assert choose("surface", [GL], opening)[0] == "surface"
    assert opening.asked == [(-1, False)]


def test_the_setting(caplog):
    assert wanted_mode(None, {}) == "auto"
    assert wanted_mode(None, {"KIOSK_OUTPUT": " Texture "}) == "texture"
    assert wanted_mode("surface", {"KIOSK_OUTPUT": "texture"}) == "surface"
    with caplog.at_level(logging.WARNING, logger="kiosk.screen.output"):
        assert wanted_mode(None, {"KIOSK_OUTPUT": "gpu"}) == "auto"
    assert "KIOSK_OUTPUT=gpu is not one of auto, surface, texture; using auto" in caplog.text


# -- the app on textures -----------------------------------------------------------------------


def test_app_runs_on_textures_through_taps(deck):
    pygame.display.init()
    pygame.font.init()
    window = video.Window("app on textures", size=(APP_W, APP_H))
    output = TextureOutput(window, video.Renderer(window, accelerated=0))
    del window
    clock = FakeClock()
    script = Script()  # taps in the size test_app's screens have
    app = KioskApp(deck, output, windowed=True, clock=clock, sleep=clock.sleep, events=script)
    assert app.output is output and app.controls().strip is not None
    script.tap(APP_W * 0.9, APP_H * 0.4)  # wake
    app.run(max_steps=10)
    assert app.navigator.mode is Mode.BROWSING
    script.tap(APP_W * 0.9, APP_H * 0.4)  # right side: next
    app.run(max_steps=40)
    assert app.navigator.index == 1 and not app.navigator.animating
    menu = next(b for b in app.controls().buttons if b.intent.action is Action.MENU)
    script.tap(*menu.rect.center)
    app.run(max_steps=10)
    assert app.navigator.overlay is Overlay.MENU
    # What the window shows is what the surface path draws for the same view.
    view = app.navigator.view()
    output.compose(app.frames, view, app.controls(view))
    reference = FrameRenderer(app.navigator.presentation, (APP_W, APP_H), app.fonts)
    expected = pygame.Surface((APP_W, APP_H))
    reference.draw(expected, view, controls=app.controls(view))
    assert worst_difference(output.renderer.to_surface(), expected) <= TOLERANCE
    last_topic = [b for b in app.controls().buttons if b.intent.action is Action.GOTO][-1]
    script.tap(*last_topic.rect.center)
    app.run(max_steps=40)
    assert app.navigator.overlay is Overlay.NONE
    assert app.navigator.index == last_topic.intent.value
    larger = next(b for b in app.controls().buttons if b.intent.action is Action.LARGER_TEXT)
    script.tap(*larger.rect.center)
    app.run(max_steps=40)
    assert app.navigator.larger_text and app.frames.slides is output._owner
    assert app.frames_drawn > 30
    assert len(output.textures) > 0 and output.textures.used <= output.textures.budget
    output.close()
    pygame.display.quit()


# -- kiosk run ---------------------------------------------------------------------------------


def test_kiosk_run_says_which_path_and_shows_the_first_frame(tmp_path):
    from tests.system.test_startup import run_first_frame

    by_flag = run_first_frame(tmp_path, "--output", "texture", KIOSK_OUTPUT="surface")
    assert by_flag.returncode == 0, by_flag.stderr
    assert "presentation path: texture (asked for" in by_flag.stderr
    assert "first-frame" in by_flag.stdout
    by_env = run_first_frame(tmp_path, KIOSK_OUTPUT="surface")
    assert by_env.returncode == 0, by_env.stderr
    assert "presentation path: surface (asked for by KIOSK_OUTPUT or --output)" in by_env.stderr
    # The dummy driver has no GL (and this machine may have no GPU): auto stays on the
    # surface and says why.
    auto = run_first_frame(tmp_path)
    assert auto.returncode == 0, auto.stderr
    assert "presentation path: surface (auto: " in auto.stderr


def test_a_crossfade_frame_names_every_part_it_changed(deck):
    """The surface path presents only what a frame says it changed: anything changed
    outside those parts would stay stale on screen."""
    pygame.display.init()
    pygame.display.set_mode((W, H))
    try:
        fonts = FontBook.for_deck(deck)
        frames = FrameRenderer(deck, (W, H), fonts)
        target = pygame.display.get_surface()
        still = View(index=2, language="en")
        assert frames.draw(target, still, controls=frames.controls(still)) is None
        smaller = 0
        for step in range(1, 24):
            view = fade(deck, 2, 3, step / 24)
            before = target.copy()
            changed = frames.draw(target, view, controls=frames.controls(view))
            assert changed is not None, "a fade frame that continues is never whole"
            patched = before.copy()
            for rect in changed:
                patched.blit(target, rect.topleft, rect)
            assert pygame.image.tobytes(patched, "RGB") == pygame.image.tobytes(target, "RGB")
            if sum(r.w * r.h for r in changed) < W * H * 0.8:
                smaller += 1
        assert smaller >= 20  # and it is worth it: most frames present much less than all
    finally:
        pygame.display.quit()


def test_the_surface_output_presents_only_what_changed_but_all_of_it_when_needed(deck):
    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    try:
        flips: list[int] = []
        updates: list[list[pygame.Rect]] = []
        output = SurfaceOutput(display, flip=lambda: flips.append(1), update=updates.append)
        frames = FrameRenderer(deck, (W, H), FontBook.for_deck(deck))
        still = View(index=2, language="en")
        output.show(frames, still, frames.controls(still))
        assert (len(flips), len(updates)) == (1, 0)  # the first frame: all of it
        middle = fade(deck, 2, 3, 0.5)
        output.show(frames, middle, frames.controls(middle))
        assert (len(flips), len(updates)) == (1, 1) and updates[0]
        output.exposed()  # another window covered it: the next frame goes out whole
        later = fade(deck, 2, 3, 0.6)
        output.show(frames, later, frames.controls(later))
        assert (len(flips), len(updates)) == (2, 1)
        # A caller's own flip sees every frame (tests, tools).
        counted: list[int] = []
        plain = SurfaceOutput(display, flip=lambda: counted.append(1))
        plain.show(frames, fade(deck, 2, 3, 0.7), frames.controls(middle))
        plain.show(frames, fade(deck, 2, 3, 0.8), frames.controls(middle))
        assert len(counted) == 2
    finally:
        pygame.display.quit()


def test_an_exposed_window_is_drawn_and_presented_whole_again(deck):
    """After an expose event the still slide is presented again, all of it."""
    pygame.display.init()
    display = pygame.display.set_mode((APP_W, APP_H))
    try:
        flips: list[int] = []
        clock = FakeClock()
        events: list[list[pygame.event.Event]] = []
        app = KioskApp(
            deck,
            display,
            windowed=True,
            clock=clock,
            sleep=clock.sleep,
            events=lambda: events.pop(0) if events else [],
            flip=lambda: flips.append(1),
        )
        app.step()
        app.step()
        drawn = app.frames_drawn
        app.step()
        assert app.frames_drawn == drawn  # a still slide is not drawn again
        events.append([pygame.event.Event(pygame.WINDOWEXPOSED)])
        app.step()
        assert app.frames_drawn == drawn + 1
        assert len(flips) == app.frames_drawn
    finally:
        pygame.display.quit()
