"""The only package that draws, split at its seams: `fonts`, `pictures` (decoded images and
one memory budget for every pre-drawn picture), `icons` (every icon, drawn in one place),
`slides`, `chrome` (the bar and overlays), `frames` (blits, transitions, changed bands) and
`sheet` (the contact sheet).

Each slide is drawn once per (language, screen size) into an opaque Surface and kept; a frame is
then just blits: the slide (or two slides during a transition), the control bar and overlays,
all themselves pre-rendered. No text is rendered per frame.
"""

from kiosk.screen.render.bands import Bands, merge_bands
from kiosk.screen.render.chrome import DIM_BELOW, ChromeRenderer, ChromeStyle, Piece
from kiosk.screen.render.fonts import FONT_FILES, FontBook, font_dirs
from kiosk.screen.render.frames import FrameRenderer, ease_in_out, ease_out, push_offsets
from kiosk.screen.render.icons import draw_icon, draw_shape
from kiosk.screen.render.pictures import (
    CACHE_BUDGET_BYTES,
    MIN_SLIDES_KEPT,
    OVERLAY_DIM,
    REST_DIM,
    ImageError,
    ImageStore,
    SurfaceCache,
    load_image,
)
from kiosk.screen.render.sheet import contact_sheet
from kiosk.screen.render.slides import SlideRenderer, qr_matrix

__all__ = [
    "CACHE_BUDGET_BYTES",
    "DIM_BELOW",
    "FONT_FILES",
    "MIN_SLIDES_KEPT",
    "OVERLAY_DIM",
    "REST_DIM",
    "Bands",
    "ChromeRenderer",
    "ChromeStyle",
    "FontBook",
    "FrameRenderer",
    "ImageError",
    "ImageStore",
    "Piece",
    "SlideRenderer",
    "SurfaceCache",
    "contact_sheet",
    "draw_icon",
    "draw_shape",
    "ease_in_out",
    "ease_out",
    "font_dirs",
    "load_image",
    "merge_bands",
    "push_offsets",
    "qr_matrix",
]
