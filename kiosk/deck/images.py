"""What an image file really is and how big it would be once decoded, from its content.

The file name says nothing: a GIF named `.png` is read as the GIF it is. Raster formats are
identified by Pillow, which reads only the header when opening (`Image.open` is lazy) and
has a decompression-bomb guard; we set that guard from `Limits` and turn its warning into an
error. SVG size comes from a real XML parse by defusedxml (no DTD, no entities, no external
references), from width/height with their units or from the viewBox.

`sniff` reads headers only and is cheap; `decode` draws the pixels and runs only in the
loader child (`kiosk.loader`), under its memory and CPU limits, after `sniff` said yes.
`find_image` is everything about a slide's `image:` path (where it may point, which names,
what the messages say); `kiosk.deck.content` only hands it the text and reports its sentence.
Why libraries and not hand-written header parsing: the hand-written parser this replaced
missed `height` before `width`, single quotes and viewBox-only SVGs, and knew three formats.
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from PIL import Image, UnidentifiedImageError

from kiosk.deck.files import FileRefusedError, read_deck_file
from kiosk.deck.limits import DEFAULT_LIMITS, Limits

SVG = "SVG"
# Pillow can open these but decoding them means running another program (EPS starts
# Ghostscript) or a plugin that is only an identifier: refuse them by name.
REFUSED_FORMATS = frozenset({"EPS", "MPEG", "WMF", "BUFR", "GRIB", "HDF5"})
# CSS pixels per unit, as nanosvg (pygame's SVG renderer) converts them at 96 dpi. `em` and
# `ex` are taken at a generous 16 px so the estimate is never below what gets drawn (the
# property test in tests/test_images.py checks this against nanosvg itself).
_FONT_UNITS = ("em", "ex")
_UNIT_PX = {
    "": 1.0,
    "px": 1.0,
    "pt": 96 / 72,
    "pc": 16.0,
    "mm": 96 / 25.4,
    "cm": 96 / 2.54,
    "in": 96.0,
    "em": 16.0,
    "ex": 16.0,
}


def _suffixes() -> tuple[str, ...]:
    Image.init()
    known = {
        ext
        for ext, kind in Image.registered_extensions().items()
        if kind in Image.OPEN and kind not in REFUSED_FORMATS
    }
    return tuple(sorted(known | {".svg"}))


# Names a slide's `image:` may end in: every format Pillow decodes, and SVG. The name is only
# a first sanity check; what a file is gets decided by its content.
IMAGE_SUFFIXES = _suffixes()

_LENGTH = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-z%]*)\s*$")
# nanosvg is not an XML parser: it takes every `<svg` it meets, even inside a comment or an
# attribute value. More of them in the bytes than in the parsed tree is a smuggling attempt.
_SVG_TAG = re.compile(rb"<\s*svg[\s/>]")


class BadImageError(Exception):
    """Why an image cannot be used, as a short sentence (the caller adds the file name)."""


@dataclass(frozen=True)
class Sniffed:
    format: str  # Pillow's name (PNG, GIF, JPEG, WEBP...) or "SVG"
    width: int
    height: int


def _check_size(kind: str, width: float, height: float, limits: Limits) -> tuple[int, int]:
    if not (math.isfinite(width) and math.isfinite(height)) or width < 1 or height < 1:
        raise BadImageError(f"{kind} image claims a size of {width:g}×{height:g} pixels")
    if width > limits.image_side or height > limits.image_side:
        raise BadImageError(
            f"{kind} image is {width:.0f}×{height:.0f} pixels; images must be at most "
            f"{limits.image_side} pixels on each side"
        )
    if width * height > limits.image_pixels:
        raise BadImageError(
            f"{kind} image is {width:.0f}×{height:.0f} pixels; images must have at most "
            f"{limits.image_pixels / 1e6:g} million pixels"
        )
    return math.ceil(width), math.ceil(height)


def _raster(data: bytes, limits: Limits) -> Sniffed | None:
    """Pillow's reading of the header, or None when Pillow does not know the format.

    Opening reads only the header, so Pillow's bomb guard is lifted here to let our own check
    give the size in its message; `decode` opens with the guard on."""
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format or "image", image.size
    except UnidentifiedImageError:
        return None
    except Exception as error:  # a damaged header: Pillow raises many kinds
        raise BadImageError(f"damaged or cut-short image ({_why(error)})") from None
    finally:
        Image.MAX_IMAGE_PIXELS = saved
    if kind in REFUSED_FORMATS:
        raise BadImageError(f"{kind} images are not accepted; use PNG, JPEG, WebP or SVG")
    width, height = _check_size(kind, width, height, limits)
    return Sniffed(kind, width, height)


def _length(value: str | None, what: str) -> tuple[float, bool] | None:
    """A width/height in pixels, and whether it was a percentage; None when missing."""
    if value is None or value[:1].isspace():
        # nanosvg reads a length only from its first character: " 1" is not given at all,
        # and the drawing's own extent (or the viewBox) decides the size.
        return None
    match = _LENGTH.match(value)
    if match is None:
        raise BadImageError(f"SVG {what}={value!r} is not a length")
    number, unit = float(match[1]), match[2]
    if unit in _FONT_UNITS:
        # nanosvg has no font size at the root: it draws "2em" as 2 px, and "1e0em" or
        # " 1 em" as not given at all (the viewBox's size). Taken like a percentage: the
        # larger of a generous reading and the viewBox (`svg_size` asks for a viewBox).
        return number * _UNIT_PX[unit], True
    if unit == "%":
        # nanosvg draws a root percentage as that many hundredths of a pixel.
        return number / 100, True
    if unit not in _UNIT_PX:
        raise BadImageError(f"SVG {what}={value!r} has an unknown unit '{unit}'")
    return number * _UNIT_PX[unit], False


def _side(given: tuple[float, bool] | None, box: float | None) -> float | None:
    """One side's size: an absolute length wins; a percentage or nothing defers to the
    viewBox, taking the larger of the two so the estimate is never below what is drawn."""
    if given is None:
        return box
    value, percent = given
    if percent and box is not None:
        return max(value, box)
    return value


def _view_box(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    parts = value.replace(",", " ").split()
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4:
        raise BadImageError(f"SVG viewBox={value!r} is not four numbers")
    return numbers[2], numbers[3]


def svg_size(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Sniffed:
    """The pixel size pygame would draw this SVG at, from a real XML parse; or BadImageError."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise BadImageError(
            f"SVG uses a DOCTYPE, entities or external references, which are refused ({error})"
        ) from None
    except SafeET.ParseError as error:
        raise BadImageError(f"not an image Pillow knows, nor well-formed SVG ({error})") from None
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        raise BadImageError(f"not an image: an XML file whose root is <{root.tag}>, not <svg>")
    svgs = [e for e in root.iter() if e.tag in ("svg", "{http://www.w3.org/2000/svg}svg")]
    if len(svgs) != 1 or len(_SVG_TAG.findall(data)) != 1:
        raise BadImageError("SVG must have exactly one <svg> element (no nested or hidden ones)")
    box = _view_box(root.get("viewBox"))
    if box is None:
        for what in ("width", "height"):
            found = _LENGTH.match(root.get(what) or "")
            if found is not None and found[2] in _FONT_UNITS:
                raise BadImageError(
                    f"SVG {what}={root.get(what)!r} is in font units, which need a viewBox "
                    "to be drawn at a known size"
                )
    width = _side(_length(root.get("width"), "width"), box[0] if box else None)
    height = _side(_length(root.get("height"), "height"), box[1] if box else None)
    if width is None or height is None:
        # nanosvg would measure the drawing itself, which can be any size: ask for one.
        raise BadImageError("SVG has no size: give it width and height, or a viewBox")
    w, h = _check_size("SVG", width, height, limits)
    return Sniffed(SVG, w, h)


def sniff(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Sniffed:
    """Format and pixel size from the content's header; BadImageError when it must not be used."""
    if len(data) > limits.image_file_bytes:
        raise BadImageError(
            f"file is {len(data)} bytes; images must be under "
            f"{limits.megabytes(limits.image_file_bytes)}"
        )
    if not data:
        raise BadImageError("file is empty")
    found = _raster(data, limits)
    if found is not None:
        return found
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        raise BadImageError(
            "not an image Pillow can read (an unknown format, or damaged or cut short), "
            "and not SVG"
        )
    return svg_size(data, limits)


@dataclass(frozen=True)
class Decoded:
    width: int
    height: int
    rgba: bytes


def _fit(width: int, height: int, box: tuple[int, int] | None) -> tuple[int, int]:
    """The size to hand back: no larger than `box` (the screen), same aspect, never upscaled."""
    if box is None:
        return width, height
    scale = min(1.0, box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode(data: bytes, limits: Limits, fit: tuple[int, int] | None) -> Decoded:
    """RGBA pixels of the image, scaled down to fit `fit`. Call only in the loader child."""
    found = sniff(data, limits)
    if found.format == SVG:
        return _decode_svg(data, found, limits, fit)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        Image.MAX_IMAGE_PIXELS = limits.image_pixels
        try:
            with Image.open(io.BytesIO(data)) as image:
                target = _fit(image.width, image.height, fit)
                image.draft("RGB", target)  # JPEG: decode at a reduced scale when it can
                image.load()
                rgba = image.convert("RGBA")
                if rgba.size != target:
                    rgba = rgba.resize(target, Image.Resampling.LANCZOS)
                return Decoded(rgba.width, rgba.height, rgba.tobytes())
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise BadImageError(f"refused as a decompression bomb ({_why(error)})") from None
        except MemoryError:
            raise BadImageError(
                "needs more memory to decode than allowed "
                f"({limits.megabytes(limits.memory_bytes)})"
            ) from None
        except Exception as error:
            raise BadImageError(f"cannot decode {found.format} image ({_why(error)})") from None


def _decode_svg(
    data: bytes, found: Sniffed, limits: Limits, fit: tuple[int, int] | None
) -> Decoded:
    import pygame  # only in the loader child; this module is otherwise pygame-free

    target = _fit(found.width, found.height, fit)
    if target != (found.width, found.height):
        # Drawn at the size it is needed at, not drawn large and scaled down: a 1600×1200
        # drawing for a 1080p screen took 40 ms that way, 9 ms this way.
        data = _sized_svg(data, target) or data
    try:
        surface = pygame.image.load(io.BytesIO(data), "image.svg")
    except MemoryError:
        raise BadImageError(
            f"needs more memory to draw than allowed ({limits.megabytes(limits.memory_bytes)})"
        ) from None
    except (pygame.error, ValueError, OSError) as error:
        if "memory" in str(error).lower():  # SDL's malloc failed against RLIMIT_AS
            raise BadImageError(
                f"needs more memory to draw than allowed ({limits.megabytes(limits.memory_bytes)})"
            ) from None
        raise BadImageError(f"cannot draw SVG ({_why(error)})") from None
    width, height = surface.get_size()
    _check_size("SVG", width, height, limits)  # what was drawn, not only what was claimed
    target = _fit(width, height, fit)
    if surface.get_bitsize() != 32:
        surface = surface.convert(32, pygame.SRCALPHA)
    if target != (width, height):
        surface = pygame.transform.smoothscale(surface, target)
    return Decoded(target[0], target[1], pygame.image.tobytes(surface, "RGBA"))


# The root's start tag, attribute by attribute (values in either quote, which may hold '>').
_SVG_START = re.compile(rb"""<\s*svg((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")
_SIZE_ATTRIBUTE = re.compile(rb"""\s+(?:width|height)\s*=\s*(?:"[^"]*"|'[^']*')""")


def _sized_svg(data: bytes, size: tuple[int, int]) -> bytes | None:
    """The same SVG asking to be drawn at `size`: its root's width and height replaced, so
    nanosvg scales the viewBox to that size. None when that cannot be done safely (no
    viewBox to scale, or a start tag this does not read); the caller then scales after."""
    start = _SVG_START.search(data)
    if start is None or b"viewBox" not in start[1]:
        return None
    attributes = _SIZE_ATTRIBUTE.sub(b"", start[1])
    sized = b'<svg width="%d" height="%d"%s%s>' % (size[0], size[1], attributes, start[2])
    return data[: start.start()] + sized + data[start.end() :]


# -- a slide's `image:` ------------------------------------------------------------------

# Why the image file at this (resolved) path cannot be used, or None when it can.
ImageCheck = Callable[[Path], str | None]


def sniff_file(path: Path, roots: list[Path], limits: Limits = DEFAULT_LIMITS) -> str | None:
    """The default image check: read the file (bounded) and sniff its header; no decoding."""
    try:
        sniff(read_deck_file(path, limit=limits.image_file_bytes, roots=roots), limits)
    except (FileRefusedError, BadImageError) as problem:
        return str(problem)
    return None


def find_image(value: str, deck_dir: Path, check: ImageCheck) -> Path:
    """The resolved file a slide's `image: value` names, looked up in the deck folder and then
    in `assets/` beside it, after `check` accepted it; or BadImageError with the whole sentence
    (the caller adds file, line and field)."""
    if os.path.isabs(value) or value.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", value):
        raise BadImageError(f"image path must be relative (like images/valves.svg), got {value}")
    if not value.lower().endswith(IMAGE_SUFFIXES):
        raise BadImageError(f"image must be one of {', '.join(IMAGE_SUFFIXES)}, got {value}")
    for root in (deck_dir.resolve(), (deck_dir.parent / "assets").resolve()):
        candidate = root / value
        # Refuse escapes even when the target does not exist: `..` and symlinks are resolved.
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            raise BadImageError(f"image {value}: is a symlink loop") from None
        if not resolved.is_relative_to(root):
            raise BadImageError(
                f"image {value} leads outside the {root.name}/ folder; keep images inside "
                f"{deck_dir.name}/ or assets/"
            )
        if os.path.lexists(candidate):
            # Whatever is there (a FIFO, a folder...) is the check's to refuse, not "missing".
            problem = check(resolved)
            if problem:
                raise BadImageError(f"image {value}: {problem}")
            return resolved
    raise BadImageError(f"image not found: {value} (looked in {deck_dir.name}/ and assets/)")


def _why(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


__all__ = [
    "IMAGE_SUFFIXES",
    "SVG",
    "BadImageError",
    "Decoded",
    "ImageCheck",
    "Sniffed",
    "decode",
    "find_image",
    "sniff",
    "sniff_file",
    "svg_size",
]
