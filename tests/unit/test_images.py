"""Images are judged by their content: hypothesis writes headers of every format Pillow knows
claiming any size, cuts files short and flips bytes, and writes SVG roots with any width,
height, units and viewBox. Every one either gives a size within the limits or a clear
BadImageError, never anything else; what nanosvg draws is never larger than the size the
XML parse predicted. Run in-process with small limits, so a decode costs little."""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk.deck.images import BadImageError, Sniffed, _fit, _sized_svg, decode, sniff, svg_size
from kiosk.deck.limits import Limits
from tests.attacks import (
    SVG_ENTITIES,
    SVG_HEIGHT_FIRST,
    SVG_SINGLE_QUOTES,
    SVG_SMUGGLED,
    SVG_VIEWBOX_ONLY,
    gif_claiming,
    png,
    png_chunk,
)

SMALL = Limits(image_side=512, image_pixels=100_000, image_file_bytes=200_000)


def judged(data: bytes, limits: Limits = SMALL) -> Sniffed | None:
    """The sniffed size, or None for a clean refusal; any other exception fails the test."""
    try:
        found = sniff(data, limits)
    except BadImageError as problem:
        assert str(problem).strip()
        return None
    assert 1 <= found.width <= limits.image_side and 1 <= found.height <= limits.image_side
    assert found.width * found.height <= limits.image_pixels
    try:
        decoded = decode(data, limits, (300, 200))
    except BadImageError:
        return found
    assert decoded.width <= 300 and decoded.height <= 200
    assert len(decoded.rgba) == decoded.width * decoded.height * 4
    return found


# -- headers claiming any size, for each format -----------------------------------------------


def _bmp(w: int, h: int) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 64, 0, 0, 54) + info + bytes(64)


def _jpeg(w: int, h: int) -> bytes:
    sof = (
        b"\xff\xc0"
        + struct.pack(">HBHHB", 17, 8, h, w, 3)
        + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00"
    )
    sos = b"\xff\xda" + struct.pack(">HB", 12, 3) + b"\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", 16)
        + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + sof
        + sos
        + bytes(32)
        + b"\xff\xd9"
    )


def _webp(w: int, h: int) -> bytes:
    body = (
        b"VP8X"
        + struct.pack("<I", 10)
        + b"\x00\x00\x00\x00"
        + (w - 1).to_bytes(3, "little")
        + (h - 1).to_bytes(3, "little")
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def _tiff(w: int, h: int) -> bytes:
    entries = [
        (256, 4, 1, w),
        (257, 4, 1, h),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8 + 2 + 8 * 12 + 4),
        (278, 4, 1, h),
        (279, 4, 1, min(w * h, 2**32 - 1)),
    ]
    ifd = (
        struct.pack("<H", len(entries))
        + b"".join(struct.pack("<HHII", *e) for e in entries)
        + b"\x00\x00\x00\x00"
    )
    return b"II*\x00" + struct.pack("<I", 8) + ifd + bytes(64)


def _ico(w: int, h: int) -> bytes:
    entry = struct.pack("<BBBBHHII", w % 256, h % 256, 0, 0, 1, 32, 40 + 16, 22)
    return (
        struct.pack("<HHH", 0, 1, 1)
        + entry
        + struct.pack("<IiiHH", 40, w, h * 2, 1, 32)
        + bytes(40)
    )


def _ppm(w: int, h: int) -> bytes:
    return f"P6\n{w} {h}\n255\n".encode() + bytes(48)


def _qoi(w: int, h: int) -> bytes:
    return b"qoif" + struct.pack(">IIBB", w, h, 4, 0) + bytes(16) + b"\x00" * 7 + b"\x01"


def _png(w: int, h: int) -> bytes:
    import zlib

    return png(w, h, body=png_chunk(b"IDAT", zlib.compress(bytes(64))) + png_chunk(b"IEND", b""))


def _gif(w: int, h: int) -> bytes:
    return gif_claiming(w, h, 64)


HEADERS = {
    "png": (_png, 2**31 - 1),
    "gif": (_gif, 65535),
    "bmp": (_bmp, 2**31 - 1),
    "jpeg": (_jpeg, 65535),
    "webp": (_webp, 2**24),
    "tiff": (_tiff, 2**32 - 1),
    "ico": (_ico, 256),
    "ppm": (_ppm, 2**31 - 1),
    "qoi": (_qoi, 2**32 - 1),
}


@st.composite
def headers(draw: st.DrawFn) -> tuple[str, int, int, bytes]:
    name = draw(st.sampled_from(sorted(HEADERS)))
    build, most = HEADERS[name]
    side = st.one_of(st.integers(1, 600), st.integers(1, most))
    w, h = draw(side), draw(side)
    data = build(w, h)
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return name, w, h, data if cut is None else data[:cut]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers())
@example(("gif", 65535, 65535, gif_claiming(65535, 65535)))
def test_any_declared_size_is_judged_from_the_header(case):
    _name, w, h, data = case
    found = judged(data)
    if found is not None and found.format != "SVG":
        # Whatever Pillow read, it is within the limits (checked in judged); a size the
        # header declared beyond them is never accepted.
        assert (found.width, found.height) != (w, h) or (
            w <= SMALL.image_side and h <= SMALL.image_side and w * h <= SMALL.image_pixels
        )


# Intact files of these must be accepted (others may be refused: ICNS always holds 1024 px).
EVERYDAY = {"PNG", "GIF", "JPEG", "BMP", "WEBP", "TIFF", "PPM", "QOI", "TGA", "PCX"}


def _writable_formats() -> list[str]:
    Image.init()
    skip = {"PDF", "EPS", "PALM", "XVTHUMB", "MPO"}  # write-only, or not for pictures
    return sorted((set(Image.SAVE) & set(Image.OPEN)) - skip)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from(_writable_formats()),
    w=st.integers(1, 64),
    h=st.integers(1, 64),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=3),
)
def test_real_files_cut_short_or_damaged_end_cleanly(fmt, w, h, cut, flips):
    buffer = io.BytesIO()
    image = Image.new("RGB", (w, h), (10, 120, 200))
    try:
        image.save(buffer, fmt)
    except (OSError, ValueError, KeyError):
        return  # this Pillow cannot write that mode in that format
    data = bytearray(buffer.getvalue())
    for where, value in flips:
        if data:
            data[int(where * (len(data) - 1))] = value
    judged(bytes(data[: max(1, int(cut * len(data)))]))
    intact = judged(buffer.getvalue())
    if fmt in EVERYDAY:
        assert intact is not None and intact.format == fmt


# -- SVG ------------------------------------------------------------------------------------

UNITS = ["", "px", "pt", "pc", "mm", "cm", "in", "em", "ex", "%", "furlong"]


@st.composite
def svg_roots(draw: st.DrawFn) -> bytes:
    def number() -> str:
        value = draw(st.one_of(st.integers(-10, 3000), st.floats(0, 1e6, allow_nan=False)))
        return draw(st.sampled_from([f"{value}", f"{float(value):e}", f" {value} "]))

    quote = draw(st.sampled_from(['"', "'"]))
    attributes = []
    if draw(st.booleans()):
        attributes.append(f"width={quote}{number()}{draw(st.sampled_from(UNITS))}{quote}")
    if draw(st.booleans()):
        attributes.append(f"height={quote}{number()}{draw(st.sampled_from(UNITS))}{quote}")
    if draw(st.booleans()):
        sep = draw(st.sampled_from([" ", ",", ", "]))
        box = sep.join(number().strip() for _ in range(draw(st.sampled_from([4, 4, 4, 3]))))
        attributes.append(f"viewBox={quote}{box}{quote}")
    attributes = draw(st.permutations(attributes))
    namespace = draw(st.sampled_from([' xmlns="http://www.w3.org/2000/svg"', ""]))
    body = '<rect x="0" y="0" width="4" height="4" fill="#08f"/>'
    return f"<svg{namespace} {' '.join(attributes)}>{body}</svg>".encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(svg_roots())
@example(
    b'<svg xmlns="http://www.w3.org/2000/svg" height="1.000000e+00em" viewBox="0 0 1 18">'
    b'<rect x="0" y="0" width="4" height="4" fill="#08f"/></svg>'
)
@example(b'<svg height=" 1.0 em" viewBox="0 0 1 18"><rect width="4" height="4"/></svg>')
@example(b'<svg height="1e0em" width="5"><rect width="400" height="300"/></svg>')
# nanosvg takes a length with a leading space as not given, and measures the drawing (4×4).
@example(b'<svg width="1" height=" 1 "><rect x="0" y="0" width="4" height="4"/></svg>')
def test_svg_size_from_any_root_is_never_below_what_nanosvg_draws(data):
    import pygame

    try:
        found = svg_size(data, SMALL)
    except BadImageError:
        return
    assert found.width <= SMALL.image_side and found.height <= SMALL.image_side
    try:
        drawn = pygame.image.load(io.BytesIO(data), "x.svg")
    except pygame.error:
        return
    w, h = drawn.get_size()
    assert w <= found.width + 1 and h <= found.height + 1, (data, found, (w, h))


@pytest.mark.parametrize(
    ("svg", "size"),
    [
        (b'<svg width="4in" height="72pt"/>', (384, 96)),
        (b"<svg width='25.4mm' height='2.54cm'/>", (96, 96)),
        (b'<svg viewBox="0,0,300,150"/>', (300, 150)),
        (b'<svg width="50%" height="100" viewBox="0 0 300 150"/>', (300, 100)),
        (b'<svg width="1e9%" height="100%"/>', None),  # nanosvg: 10 000 000 px wide
        (b'<svg width="300%" height="200%"/>', (3, 2)),
        (b'<svg height="1e2" width="2E2"/>', (200, 100)),
        (b'<svg width=" 30" height="20" viewBox="0 0 300 150"/>', (300, 20)),
    ],
)
def test_svg_units_and_viewbox(svg, size):
    if size is None:
        with pytest.raises(BadImageError, match="images must be at most"):
            svg_size(svg)
    else:
        assert (svg_size(svg).width, svg_size(svg).height) == size


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (SVG_HEIGHT_FIRST, "60000×60000 pixels"),
        (SVG_VIEWBOX_ONLY, "60000×60000 pixels"),
        (SVG_SINGLE_QUOTES, "60000×60000 pixels"),
        (SVG_SMUGGLED, "exactly one <svg>"),
        (SVG_ENTITIES, "DOCTYPE"),
        (b"<svg><rect width='9' height='9'/></svg>", "has no size"),
        (b'<svg width="10" height="10"><svg width="9000" height="9000"/></svg>', "exactly one"),
        (b'<html width="10" height="10"/>', "root is <html>"),
        (b"<svg width='10' height='10'", "nor well-formed SVG"),
        (b'<svg width="10qq" height="10"/>', "unknown unit"),
        (b'<svg width="-5" height="10"/>', "claims a size"),
        (b'<svg width="inf" height="10"/>', "not a length"),
        (b'<svg width="1e400" height="10"/>', "claims a size"),
        (b'<svg width="5em" height="2ex"/>', "font units, which need a viewBox"),
    ],
)
def test_hostile_svgs_are_refused_with_a_reason(svg, message):
    with pytest.raises(BadImageError, match=message.replace("(", r"\(")):
        sniff(svg)


def test_a_gif_named_png_is_judged_as_a_gif():
    with pytest.raises(BadImageError, match=r"GIF image is 65535×65535 pixels"):
        sniff(gif_claiming(65535, 65535))


def test_formats_that_run_other_programs_are_refused():
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    with pytest.raises(BadImageError, match="EPS images are not accepted"):
        sniff(eps)


def test_a_file_over_the_byte_limit_is_refused_before_parsing():
    with pytest.raises(BadImageError, match="images must be under"):
        sniff(b"\x89PNG" + bytes(SMALL.image_file_bytes), SMALL)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(svg_roots(), st.integers(8, 400), st.integers(8, 400))
def test_an_svg_decoded_to_fit_a_box_comes_back_exactly_that_size(data, box_w, box_h):
    """Never larger than the box; and drawn at exactly the size `_fit` promises when the
    root could be rewritten (otherwise drawn as the file says, then scaled)."""
    try:
        found = sniff(data, SMALL)
    except BadImageError:
        return
    try:
        decoded = decode(data, SMALL, (box_w, box_h))
    except BadImageError:
        return  # nanosvg refused to draw it: the same answer as without a box
    assert decoded.width <= box_w and decoded.height <= box_h
    assert len(decoded.rgba) == decoded.width * decoded.height * 4
    target = _fit(found.width, found.height, (box_w, box_h))
    if target != (found.width, found.height) and _sized_svg(data, target) is not None:
        assert (decoded.width, decoded.height) == target


@pytest.mark.parametrize(
    ("svg", "expected"),
    [
        (
            b"<svg width='10' height=\"20\" viewBox='0 0 10 20' style='a>b'><rect/></svg>",
            b"<svg width=\"5\" height=\"10\" viewBox='0 0 10 20' style='a>b'><rect/></svg>",
        ),
        (
            b'<?xml version="1.0"?>\n<svg viewBox="0 0 10 20"/>',
            b'<?xml version="1.0"?>\n<svg width="5" height="10" viewBox="0 0 10 20"/>',
        ),
        (b"<svg width='10' height='20'><rect/></svg>", None),  # no viewBox: scaled after
    ],
)
def test_an_svg_root_asks_for_the_size_it_is_needed_at(svg, expected):
    assert _sized_svg(svg, (5, 10)) == expected


def test_an_svg_drawn_small_looks_like_the_large_drawing_scaled_down():
    import pygame

    data = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="400" viewBox="0 0 80 40">'
        b'<rect width="40" height="40" fill="#ff0000"/><rect x="40" width="40" height="40" '
        b'fill="#0000ff"/></svg>'
    )
    small = decode(data, Limits(), (200, 200))
    assert (small.width, small.height) == (200, 100)
    surface = pygame.image.frombuffer(small.rgba, (200, 100), "RGBA")
    assert surface.get_at((50, 50))[:3] == (255, 0, 0)
    assert surface.get_at((150, 50))[:3] == (0, 0, 255)
