"""How finished frames reach the screen: the window surface, or SDL2 textures.

`SurfaceOutput` is the path the kiosk always had: `FrameRenderer` composes each frame into the
window surface and `pygame.display.flip` copies it out. `TextureOutput` uses
`pygame._sdl2.video`: every picture (slide, bar, menu backdrop) is uploaded once to a
`Texture`, and a frame is a few textured draws and a present, so with a GPU a crossfade is
two draws the GPU blends. Both draw the very pictures `SlideRenderer` and `ChromeRenderer`
made, so they show the same pixels.

Which one runs is chosen on purpose (`KIOSK_OUTPUT` or `kiosk run --output`): `auto` takes
textures only where SDL creates a hardware-accelerated renderer; on a machine without a GPU
the window surface is faster (docs/performance.md, "Presentation paths"). Any failure to
set up textures ends on the surface path, never on a dark screen.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pygame
from pygame._sdl2 import sdl2, video

from kiosk.deck.model import RestStyle, TransitionStyle
from kiosk.screen.controls import Controls
from kiosk.screen.render import (
    CACHE_BUDGET_BYTES,
    DIM_BELOW,
    OVERLAY_DIM,
    REST_DIM,
    FrameRenderer,
    SlideRenderer,
    ease_in_out,
    push_offsets,
)
from kiosk.screen.view import Animation, View

log = logging.getLogger(__name__)

MODES = ("auto", "surface", "texture")
ENV_VAR = "KIOSK_OUTPUT"
# SDL_RendererFlags and SDL_BlendMode values (SDL_render.h, SDL_blendmode.h).
RENDERER_ACCELERATED = 0x02
BLEND_NONE = 0
BLEND_BLEND = 1
BLEND_MOD = 4
GL_DRIVERS = ("opengl", "opengles2")
# Words in a GL_RENDERER string that mean the "GPU" is the CPU (Mesa's software rasterisers):
# SDL still calls such a renderer accelerated.
SOFTWARE_GL = ("llvmpipe", "softpipe", "swrast", "software")
# Textures never need more than a few screens: the two slides of a transition, the backdrop.
MIN_TEXTURES_KEPT = 3


class Output(Protocol):
    """Where the app presents frames."""

    @property
    def name(self) -> str:
        """ "surface" or "texture"."""

    @property
    def size(self) -> tuple[int, int]: ...

    def show(self, frames: FrameRenderer, view: View, controls: Controls) -> None:
        """Draw the frame for `view` and put it on screen."""

    def refresh(self) -> bool:
        """Follow a window size change; True if the size changed."""

    def exposed(self) -> None:
        """The window system lost what the window showed (another window covered it)."""

    def set_title(self, title: str) -> None: ...

    def close(self) -> None:
        """Let go of the window's resources; call before `pygame.quit()`."""


class SurfaceOutput:
    """The window surface: `FrameRenderer` draws into it, then it is flipped."""

    name = "surface"

    def __init__(
        self,
        display: pygame.Surface,
        flip: Callable[[], None] = pygame.display.flip,
        update: Callable[[Sequence[pygame.Rect]], None] | None = None,
    ) -> None:
        self.display = display
        self.flip = flip
        # Present only what changed (a crossfade frame: the slides' ink and the bar), which
        # on X11 copies a third of a 1080p window instead of all of it. A caller that hands
        # its own `flip` (tests, tools) gets every frame through that instead.
        if update is None and flip is pygame.display.flip:
            update = pygame.display.update
        self.update = update
        self.whole_next = True  # the window needs all of it (first frame, exposed)

    @property
    def size(self) -> tuple[int, int]:
        return self.display.get_size()

    def show(self, frames: FrameRenderer, view: View, controls: Controls) -> None:
        changed = frames.draw(self.display, view, controls=controls)
        if changed is None or self.update is None or self.whole_next:
            self.flip()
        elif changed:
            self.update(changed)
        self.whole_next = False

    def exposed(self) -> None:
        """The window system lost what the window showed: present all of it next time."""
        self.whole_next = True

    def refresh(self) -> bool:
        surface = pygame.display.get_surface()
        if surface is None or surface.get_size() == self.display.get_size():
            return False
        self.display = surface
        self.whole_next = True
        return True

    def set_title(self, title: str) -> None:
        pygame.display.set_caption(title)

    def close(self) -> None:
        pass  # the display module owns the window surface


class TextureCache:
    """Textures of pictures, by the picture they were uploaded from, under a byte budget.

    Pictures are held weakly: when `SurfaceCache` lets a picture go, its texture goes with it,
    so the two budgets never keep each other's memory. A picture redrawn by `SlideRenderer` is
    a new Surface and gets a new texture."""

    def __init__(self, screen_size: tuple[int, int], budget: int | None = None) -> None:
        screen_bytes = screen_size[0] * screen_size[1] * 4
        # Half the surface budget: the pictures themselves stay in `SurfaceCache` as well.
        self.budget = budget or max(CACHE_BUDGET_BYTES // 2, MIN_TEXTURES_KEPT * screen_bytes)
        self._items: OrderedDict[int, _Entry] = OrderedDict()
        self.used = 0
        self.uploads = 0

    def texture(self, renderer: video.Renderer, picture: pygame.Surface) -> video.Texture:
        key = id(picture)
        found = self._items.get(key)
        if found is not None and found.picture() is picture:
            self._items.move_to_end(key)
            return found.texture
        texture = video.Texture.from_surface(renderer, picture)
        self.uploads += 1
        w, h = picture.get_size()
        entry = _Entry(weakref.ref(picture, functools.partial(self._gone, key)), texture, w * h * 4)
        self._forget(key)
        self._items[key] = entry
        self.used += entry.size
        # The newest three stay whatever their size: a crossfade needs both slides and a bar.
        while self.used > self.budget and len(self._items) > MIN_TEXTURES_KEPT:
            _key, dropped = self._items.popitem(last=False)
            self.used -= dropped.size
        return texture

    def _gone(self, key: int, ref: weakref.ref[pygame.Surface]) -> None:
        found = self._items.get(key)
        if found is not None and found.picture is ref:
            self._forget(key)

    def _forget(self, key: int) -> None:
        found = self._items.pop(key, None)
        if found is not None:
            self.used -= found.size

    def __contains__(self, picture: pygame.Surface) -> bool:
        found = self._items.get(id(picture))
        return found is not None and found.picture() is picture

    def clear(self) -> None:
        self._items.clear()
        self.used = 0

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class _Entry:
    picture: weakref.ref[pygame.Surface]
    texture: video.Texture
    size: int


def _size_of(window: video.Window) -> tuple[int, int]:
    w, h = window.size
    return w, h


class TextureOutput:
    """`pygame._sdl2.video`: pictures uploaded once, frames made of textured draws.

    Textures belong to one presentation at a time: when the app shows another one (a new
    deck, larger text), the old textures go, except the picture on screen, which a reload
    crossfades from."""

    name = "texture"

    def __init__(
        self, window: video.Window, renderer: video.Renderer, *, budget: int | None = None
    ) -> None:
        # Renderer and window are let go of together in `close`: SDL must destroy every
        # texture before its renderer and the renderer before its window, and nothing may be
        # left for Python to free after `pygame.quit()`.
        self._sdl: tuple[video.Window, video.Renderer] | None = (window, renderer)
        self._size = _size_of(window)
        self.textures = TextureCache(self._size, budget)
        self._owner: SlideRenderer | None = None
        # The full-screen texture at the bottom of the last frame: what a fade that starts
        # "from the screen" (a new deck) fades from.
        self._base: video.Texture | None = None

    @property
    def window(self) -> video.Window:
        if self._sdl is None:
            raise pygame.error("the texture output is closed")
        return self._sdl[0]

    @property
    def renderer(self) -> video.Renderer:
        if self._sdl is None:
            raise pygame.error("the texture output is closed")
        return self._sdl[1]

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    def close(self) -> None:
        self.textures.clear()
        self._base = None
        self._owner = None
        self._sdl = None  # the renderer goes first: it holds the last reference to the window

    def exposed(self) -> None:
        pass  # every frame is presented whole

    def refresh(self) -> bool:
        size = _size_of(self.window)
        if size == self._size:
            return False
        self._size = size
        self.textures = TextureCache(size)
        self._owner = None
        self._base = None
        return True

    def set_title(self, title: str) -> None:
        self.window.title = title

    def show(self, frames: FrameRenderer, view: View, controls: Controls) -> None:
        self.compose(frames, view, controls)
        self.renderer.present()

    def compose(self, frames: FrameRenderer, view: View, controls: Controls) -> None:
        """Draw the frame into the renderer's back buffer (`show` then presents it)."""
        if frames.slides is not self._owner:
            self.textures.clear()  # another deck or text size: its pictures are elsewhere
            self._owner = frames.slides
        slides = frames.slides
        animation = view.animation
        still = animation is None or view.progress >= 1.0
        if view.resting:
            schedule = frames.deck.schedule
            if schedule is not None and schedule.outside_hours is RestStyle.SLEEP:
                self._clear()
                self._base = None
                return
            self._base = self._full(slides.surface(view.index, view.language))
            self._pieces(frames, view, controls)
            self._dim(REST_DIM)
            return
        if still and controls.panel is not None:
            # The dimmed slide and panel, uploaded once; only highlight and PIN on top.
            self._base = self._full(frames.backdrop(view, controls))
            self._pieces(frames, view, controls, dimmed=True)
            return
        if still:
            self._base = self._full(slides.surface(view.index, view.language))
        else:
            assert animation is not None
            self._transition(frames, animation, view.progress)
        self._pieces(frames, view, controls)

    def _transition(self, frames: FrameRenderer, animation: Animation, progress: float) -> None:
        slides = frames.slides
        after = self.textures.texture(
            self.renderer, slides.surface(animation.to_index, animation.to_language)
        )
        before: video.Texture | None = self._base  # the screen (a new deck's first fade)
        if animation.from_index >= 0:
            before = self.textures.texture(
                self.renderer, slides.surface(animation.from_index, animation.from_language)
            )
            if frames.deck.transition.style is TransitionStyle.SLIDE:
                out_x, in_x = push_offsets(animation, progress, self._size[0])
                before.draw(dstrect=(out_x, 0))
                after.draw(dstrect=(in_x, 0))
                return
        if before is None:
            self._clear()
        else:
            before.draw(dstrect=(0, 0))
        alpha = round(255 * ease_in_out(progress))
        if alpha > 0:
            after.blend_mode = BLEND_BLEND
            after.alpha = alpha
            after.draw(dstrect=(0, 0))
            after.alpha = 255
            after.blend_mode = BLEND_NONE
        if alpha >= 255:
            self._base = after

    def _full(self, picture: pygame.Surface) -> video.Texture:
        texture = self.textures.texture(self.renderer, picture)
        texture.draw(dstrect=(0, 0))
        return texture

    def _pieces(
        self, frames: FrameRenderer, view: View, controls: Controls, *, dimmed: bool = False
    ) -> None:
        for piece in frames.chrome.pieces(view, controls, dimmed=dimmed):
            if piece is DIM_BELOW:
                self._dim(OVERLAY_DIM)
            else:
                picture, (x, y) = piece
                texture = self.textures.texture(self.renderer, picture)
                texture.draw(dstrect=(x, y))

    def _dim(self, colour: tuple[int, int, int]) -> None:
        """Multiply what is drawn so far by `colour`, as BLEND_RGB_MULT does on a surface."""
        r = self.renderer
        r.draw_blend_mode = BLEND_MOD
        r.draw_color = pygame.Color(*colour, 255)
        r.fill_rect((0, 0, *self._size))
        r.draw_blend_mode = BLEND_NONE

    def _clear(self) -> None:
        self.renderer.draw_color = pygame.Color(0, 0, 0, 255)
        self.renderer.clear()


class GuardedOutput:
    """The texture output, turning into the surface output for good if SDL fails while
    drawing (a lost GL context, a driver refusing a texture): never a dark screen."""

    def __init__(self, texture: TextureOutput, open_surface: Callable[[], pygame.Surface]):
        self.texture: TextureOutput | None = texture
        self.current: Output = texture
        self._open_surface = open_surface
        self._changed = False

    @property
    def name(self) -> str:
        return self.current.name

    @property
    def size(self) -> tuple[int, int]:
        return self.current.size

    def show(self, frames: FrameRenderer, view: View, controls: Controls) -> None:
        try:
            self.current.show(frames, view, controls)
            return
        except (pygame.error, sdl2.error) as error:
            if self.texture is None:
                raise
            log.error("presentation path: surface (the texture output failed: %s)", error)
        self.texture.close()
        self.texture = None
        self.current = SurfaceOutput(self._open_surface())
        self._changed = True
        self.current.show(frames, view, controls)

    def refresh(self) -> bool:
        changed = self.current.refresh() or self._changed
        self._changed = False
        return changed

    def exposed(self) -> None:
        self.current.exposed()

    def set_title(self, title: str) -> None:
        self.current.set_title(title)

    def close(self) -> None:
        self.current.close()


# -- choosing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Driver:
    """A render driver SDL offers: its name and SDL_RendererFlags."""

    name: str
    flags: int

    @property
    def accelerated(self) -> bool:
        return bool(self.flags & RENDERER_ACCELERATED)


def sdl_drivers() -> list[Driver]:
    return [Driver(info.name, info.flags) for info in video.get_drivers()]


def wanted_mode(flag: str | None, environ: Mapping[str, str]) -> str:
    """`--output` if given, else KIOSK_OUTPUT, else auto (an unknown value is logged)."""
    if flag is not None:
        return flag
    value = environ.get(ENV_VAR, "").strip().lower()
    if value and value not in MODES:
        log.warning(
            "%s=%s is not one of %s; using auto", ENV_VAR, environ[ENV_VAR], ", ".join(MODES)
        )
        return "auto"
    return value or "auto"


def accelerated_candidates(drivers: Sequence[Driver]) -> list[tuple[int, Driver]]:
    """The GL drivers SDL would call accelerated, with their index for `Renderer`."""
    return [(index, d) for index, d in enumerate(drivers) if d.name in GL_DRIVERS and d.accelerated]


def gl_renderer_name(driver: str) -> str | None:
    """GL_RENDERER of the context current on this thread, or None when it cannot be asked:
    SDL says "accelerated" for Mesa's llvmpipe too, which draws with the CPU."""
    library = "GLESv2" if driver == "opengles2" else "GL"
    path = ctypes.util.find_library(library)
    if path is None:
        return None
    try:
        gl = ctypes.CDLL(path)
        get_string = gl.glGetString
    except (OSError, AttributeError):
        return None
    get_string.restype = ctypes.c_char_p
    get_string.argtypes = [ctypes.c_uint]
    name = get_string(0x1F01)  # GL_RENDERER
    return name.decode("utf-8", "replace") if name else None


def gpu_device_present(root: Path = Path("/dev/dri")) -> bool:
    """Whether the kernel has a GPU driver: on Linux every one shows as /dev/dri/card* or
    renderD*. Without one GL can only be Mesa's CPU rasteriser, and asking SDL to prove it
    costs 100-200 ms of start-up. Elsewhere there is no such cheap answer: True."""
    if not sys.platform.startswith("linux"):
        return True
    return any(root.glob("card*")) or any(root.glob("renderD*"))


def is_software_gl(name: str | None) -> bool:
    return name is not None and any(word in name.lower() for word in SOFTWARE_GL)


class Opener(Protocol):
    def __call__(self, index: int, accelerated: bool) -> tuple[video.Window, video.Renderer]: ...


def open_output(
    mode: str,
    title: str,
    windowed: tuple[int, int] | None,
    *,
    drivers: Sequence[Driver] | None = None,
    open_texture: Opener | None = None,
    open_surface: Callable[[], pygame.Surface] | None = None,
    gl_name: Callable[[str], str | None] = gl_renderer_name,
    gpu_present: Callable[[], bool] = gpu_device_present,
) -> tuple[Output, str]:
    """The output `mode` asks for, and one line saying which it is and why (for the log: the
    caller may be catching stderr while the window opens). The display module must be
    initialised. Raises pygame.error only when not even the window surface opens."""
    drivers = sdl_drivers() if drivers is None else drivers

    def make_texture(index: int, accelerated: bool) -> tuple[video.Window, video.Renderer]:
        if windowed:
            window = video.Window(title, size=windowed)
        else:
            window = video.Window(title, fullscreen_desktop=True)
        try:
            return window, video.Renderer(window, index=index, accelerated=int(accelerated))
        except Exception:
            window.destroy()
            raise

    def make_surface() -> pygame.Surface:
        if windowed:
            return pygame.display.set_mode(windowed)
        return pygame.display.set_mode((0, 0), pygame.FULLSCREEN)

    opener = open_texture or make_texture
    surface = open_surface or make_surface

    def fallback(why: str) -> tuple[Output, str]:
        return SurfaceOutput(surface()), f"presentation path: surface ({why})"

    names = ", ".join(d.name for d in drivers) or "none"
    if mode == "surface":
        return fallback(f"asked for by {ENV_VAR} or --output")
    if mode == "texture":
        # Asked for by name: any renderer SDL makes will do, the software one included.
        try:
            window, renderer = opener(-1, False)
        except Exception as error:
            return fallback(f"texture was asked for but SDL could not make a renderer: {error}")
        line = f"presentation path: texture (asked for; SDL render drivers: {names})"
        return GuardedOutput(TextureOutput(window, renderer), surface), line
    candidates = accelerated_candidates(drivers)
    if not candidates:
        return fallback(f"auto: no accelerated renderer among SDL's drivers ({names})")
    if not gpu_present():
        return fallback("auto: no GPU device in /dev/dri, so GL would draw with the CPU")
    problems = []
    for index, driver in candidates:
        try:
            window, renderer = opener(index, True)
        except Exception as error:
            problems.append(f"{driver.name}: {error}")
            continue
        gl = gl_name(driver.name)
        if is_software_gl(gl):
            del renderer  # before its window, which SDL would take the renderer down with
            window.destroy()
            problems.append(f"{driver.name} draws in software ({gl})")
            break  # the other GL driver is the same Mesa: no GPU to find
        line = f"presentation path: texture (auto: accelerated {driver.name} renderer"
        line += f", {gl})" if gl else ")"
        return GuardedOutput(TextureOutput(window, renderer), surface), line
    return fallback("auto: " + "; ".join(problems))
