"""The loader child itself (`python -m kiosk.loader`): it limits itself, reads and checks
the deck, and writes its answer on stdout in the framing `kiosk.loader.protocol` describes."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import resource
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from kiosk.deck.limits import Limits
from kiosk.deck.model import Deck, Narration
from kiosk.loader.protocol import EXIT_MEMORY, STARTING, LoadRequest, high_water_mark
from kiosk.loader.wire import encode_answer


def _limit_self(limits: Limits) -> None:
    """Limit this process before any deck file is touched."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 2))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # it has no business writing files
    # If the parent died, nobody kills us at the wall limit: do it ourselves.
    signal.alarm(int(limits.wall_seconds) + 5)
    with contextlib.suppress(OSError):
        os.nice(10)  # the screen's process comes first


def _child(request: LoadRequest, report: Callable[[str], None]) -> tuple[str, Deck | list[str]]:
    # Imported here: the parent side above must stay light (no pygame, no Pillow).
    from kiosk.deck.content import DeckError, load_deck
    from kiosk.deck.files import FileRefusedError, read_deck_file
    from kiosk.deck.images import BadImageError, decode
    from kiosk.deck.model import DeckAssets, Pixels
    from kiosk.statefile import check_folder

    limits = request.limits
    folder = request.folder
    # A link that loops (`current -> current`) is a refused deck, not a stopped loader.
    problem = check_folder(folder)
    if problem is not None:
        return "problems", [f"{folder}: the deck folder {problem}"]
    roots = [folder, folder.parent / "assets"]
    base = folder.resolve().parent

    def shown(path: Path) -> str:
        resolved = path if path.is_absolute() else path.absolute()
        try:
            return str(resolved.relative_to(base))
        except ValueError:
            return str(path)

    # Decoded no larger than the biggest picture box layout can give (a 1600×1200 drawing
    # on a 1080p screen: 700×525 instead of 1440×1080 pixels, a quarter of the memory).
    fit = request.picture_box
    images: dict[Path, Pixels] = {}
    # Slides share pictures (the bundled deck names 16 files 27 times): each file is read
    # and decoded once, and every slide naming it gets the same verdict.
    verdicts: dict[Path, str | None] = {}

    def check_image(path: Path) -> str | None:
        if path in verdicts:
            return verdicts[path]
        try:
            data = read_deck_file(path, limit=limits.image_file_bytes, roots=roots)
            decoded = decode(data, limits, fit)
        except (FileRefusedError, BadImageError) as problem:
            verdicts[path] = str(problem)
            return verdicts[path]
        if request.pixels:
            images[path] = Pixels(decoded.width, decoded.height, decoded.rgba)
        verdicts[path] = None
        return None

    narrations: dict[Path, Narration] = {}
    heard: dict[Path, str | None] = {}

    def check_audio(path: Path) -> str | None:
        if path not in heard:
            heard[path] = _check_narration(path, roots, limits, request.pixels, narrations)
        return heard[path]

    problems: list[str] = []
    deck: Deck | None = None
    try:
        deck = load_deck(
            folder,
            limits=limits,
            image_check=check_image,
            reading=lambda p: report(shown(p)),
            audio_check=check_audio,
        )
        system_font = deck.system_font
    except DeckError as error:
        problems.extend(str(problem) for problem in error.errors)
        system_font = error.system_font
    fonts: dict[str, bytes] = {}
    if not system_font:  # deck.yaml chose the plain built-in font on purpose
        fonts, font_problems = _check_fonts(folder, roots, limits, report, shown)
        problems.extend(font_problems)
    if deck is not None and not problems and request.sizes:
        from kiosk.loader.preflight import preflight
        from kiosk.screen.render import FontBook

        checked = dataclasses.replace(deck, assets=DeckAssets(images, fonts, narrations))
        problems.extend(
            preflight(
                checked,
                request.sizes,
                FontBook([], fonts),
                larger_text=request.larger_text,
                reading=report,
                limits=limits,
            )
        )
    if problems or deck is None:
        return "problems", problems
    from kiosk.deck.fingerprint import deck_fingerprint

    assets = DeckAssets(images, fonts, narrations, fingerprint=deck_fingerprint(folder))
    return "deck", dataclasses.replace(deck, assets=assets)


def _check_narration(
    path: Path, roots: list[Path], limits: Limits, keep: bool, into: dict[Path, Narration]
) -> str | None:
    """Read, walk and decode one narration file and read its timings; on success it goes in
    `into` (its bytes only when `keep`: `kiosk validate` needs none)."""
    from kiosk.deck.audio import BadAudioError, decode_check, parse_timings, sniff_audio
    from kiosk.deck.audio import timings_path as sidecar
    from kiosk.deck.files import FileRefusedError, read_deck_file

    try:
        data = read_deck_file(path, limit=limits.audio_file_bytes, roots=roots)
        info = sniff_audio(data, limits)
        decode_check(data, info, limits)
    except (FileRefusedError, BadAudioError) as problem:
        return str(problem)
    starts: tuple[float, ...] = ()
    text_hash = ""
    timings = sidecar(path)
    if os.path.lexists(timings):
        try:
            raw = read_deck_file(timings, limit=limits.timings_bytes, roots=roots)
            found = parse_timings(raw, info.seconds)
        except (FileRefusedError, BadAudioError) as problem:
            return f"its timings {timings.name}: {problem}"
        starts, text_hash = found.starts, found.text_hash
    into[path] = Narration(info.format, info.seconds, data if keep else b"", starts, text_hash)
    return None


def _check_fonts(
    folder: Path,
    roots: list[Path],
    limits: Limits,
    report: Callable[[str], None],
    shown: Callable[[Path], str],
) -> tuple[dict[str, bytes], list[str]]:
    """The bytes of each font the kiosk draws with, each checked to open and draw text."""
    import pygame

    from kiosk.deck.files import FileRefusedError, read_deck_file
    from kiosk.screen.render import FONT_FILES, font_dirs

    pygame.font.init()
    fonts: dict[str, bytes] = {}
    problems: list[str] = []
    dirs = font_dirs(folder)
    for name in FONT_FILES.values():
        found = next((d / name for d in dirs if os.path.lexists(d / name)), None)
        if found is None:
            looked = " and ".join(f"{shown(d)}/" for d in dirs)
            problems.append(
                f"{shown(dirs[-1] / name)}: font not found (looked in {looked}); copy the "
                "fonts beside the deck, or add `system_font: true` to deck.yaml to use the "
                "plain built-in font on purpose"
            )
            continue
        report(shown(found))
        try:
            data = read_deck_file(found, limit=limits.font_bytes, roots=roots)
        except FileRefusedError as refused:
            problems.append(f"{shown(found)}: {refused}")
            continue
        try:
            font = pygame.font.Font(io.BytesIO(data), 24)
            width, height = font.size("Hinchazón ¿Qué? ÁÉÍÓÚÑ")
            font.render("Hinchazón ¿Qué?", True, (0, 0, 0))
        except (pygame.error, OSError, ValueError, RuntimeError) as error:
            problems.append(f"{shown(found)}: not a font that can be used ({error})")
            continue
        if width <= 0 or height <= 0:
            problems.append(f"{shown(found)}: the font draws no text")
            continue
        fonts[name] = data
    return fonts, problems


def main() -> int:
    # First the limits, applied before anything else; the request itself may come later.
    limits = Limits(**json.loads(sys.stdin.buffer.readline(1 << 16)))
    _limit_self(limits)
    out = sys.stdout.buffer

    def report(name: str) -> None:
        out.write(b"R " + json.dumps(name).encode() + b"\n")
        out.flush()

    try:
        # Everything imported up front, before any deck file is named in a report: running
        # out of memory here is the limit's fault, not a file's.
        report(STARTING)
        # pygame's optional imports (numpy would also start OpenBLAS): the child needs none.
        from kiosk.screen.display import leave_out_optional_imports

        leave_out_optional_imports()
        import pygame  # noqa: F401
        from fontTools.ttLib import TTFont  # noqa: F401
        from PIL import Image  # noqa: F401

        import kiosk.deck.content
        import kiosk.loader.preflight
        import kiosk.screen.render  # noqa: F401

        line = sys.stdin.buffer.readline(1 << 20)
        if not line:
            return 0  # the parent no longer wants anything
        request = dataclasses.replace(LoadRequest.from_json(line), limits=limits)
        result = _child(request, report)
        payload, buffers = encode_answer(*result)
    except MemoryError:
        os._exit(EXIT_MEMORY)  # nothing more can safely be allocated, not even a message
    for raw in buffers:  # pixels and fonts, out of band: the parent reads pixels in place
        out.write(b"B %d\n" % raw.nbytes)
        out.write(raw)
    out.write(b"M %d\n" % high_water_mark("/proc/self/status"))
    out.write(b"D %d\n" % len(payload))
    out.write(payload)
    out.flush()
    return 0
