"""Load a deck in a separate, limited process, so no file can hurt the process that draws.

Everything that reads or decodes deck files (YAML, images including SVG, fonts, and the
"every slide fits" check, which needs the fonts) runs in a child: `python -m kiosk.loader`.
The child limits itself before it touches a file: address space (RLIMIT_AS), CPU time
(RLIMIT_CPU), no core dumps, no file writes, lower priority, and an alarm in case the
parent is gone. The parent kills it after the wall-time limit (a read stuck on a network
share uses no CPU). A child that crashes, is killed or runs out of memory becomes one clear
problem naming the file it was reading: it reports "now reading X" as it goes.

What comes back is plain data: the `Deck` (frozen dataclasses) with `DeckAssets` (each
image's RGBA pixels, already scaled to fit the screen, and each font file's bytes, checked
to open), or a list of `file:line: message` problems. It is unpickled with an allow-list of
classes, so even a child subverted by a decoder bug cannot run code in the parent.

`LoadJob` never blocks: start it, then `poll()` it from the screen loop until it has an
outcome. `load_isolated` is the blocking form for `kiosk validate` and start-up.

Protocol on the child's stdout: lines `R "<name>"` (progress), `B <length>` and that many
bytes (an out-of-band pickle buffer: one image's pixels, read straight into its own buffer
and used in place), `M <bytes>` (its peak resident memory), then `D <length>` and that many
bytes of pickle (protocol 5). The request comes as
JSON on stdin. The parent also samples the child's peak memory from /proc on every poll,
so a child killed mid-decode still has a measured peak.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import io
import json
import os
import pickle
import resource
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.limits import DEFAULT_LIMITS, Limits
from kiosk.model import Deck

# The child's exit code when Python ran out of memory (RLIMIT_AS) outside an image decode.
_EXIT_MEMORY = 86
_STDERR_KEEP = 4096
_PIPE_BYTES = 1 << 20
_HEAD_BYTES = 1 << 20


@dataclass(frozen=True)
class LoadRequest:
    folder: Path
    # Screen sizes every slide must fit at (empty: do not check fit).
    sizes: tuple[tuple[int, int], ...] = ()
    larger_text: bool = False
    pixels: bool = True  # hand back decoded pixels (`kiosk validate` needs none)
    limits: Limits = DEFAULT_LIMITS
    # The screen the pixels are for when no fit is checked (the bundled deck at start-up).
    # Pictures come back no larger than layout's largest picture box on these screens.
    screen: tuple[int, int] | None = None

    @property
    def picture_box(self) -> tuple[int, int] | None:
        """The size decoded pictures are scaled down to fit (None: as the file says)."""
        from kiosk.layout import largest_image_box

        screens = self.sizes or ((self.screen,) if self.screen is not None else ())
        boxes = [largest_image_box(w, h) for w, h in screens]
        if not boxes:
            return None
        return max(w for w, _ in boxes), max(h for _, h in boxes)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "folder": str(self.folder),
                "sizes": [list(size) for size in self.sizes],
                "larger_text": self.larger_text,
                "pixels": self.pixels,
                "limits": dataclasses.asdict(self.limits),
                "screen": list(self.screen) if self.screen is not None else None,
            }
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> LoadRequest:
        data = json.loads(raw)
        return cls(
            folder=Path(data["folder"]),
            sizes=tuple((int(w), int(h)) for w, h in data["sizes"]),
            larger_text=bool(data["larger_text"]),
            pixels=bool(data["pixels"]),
            limits=Limits(**data["limits"]),
            screen=(int(data["screen"][0]), int(data["screen"][1])) if data.get("screen") else None,
        )


@dataclass(frozen=True)
class LoadOutcome:
    """A deck ready to show (with its assets), or the problems that stop it."""

    deck: Deck | None
    problems: tuple[str, ...]
    seconds: float  # wall time from start to outcome
    peak_rss_bytes: int  # the child's peak resident memory (0 when unknown)
    last_read: str | None  # the last file the child said it was reading

    @property
    def ok(self) -> bool:
        return self.deck is not None and not self.problems


# -- the parent side -----------------------------------------------------------------------


class _DeckUnpickler(pickle.Unpickler):
    """Builds only the classes a deck is made of: never a function, never anything else."""

    _SAFE = frozenset(
        {
            ("pathlib", "PosixPath"),
            ("pathlib", "PurePosixPath"),
            # Python 3.13 made pathlib a package: its paths pickle under pathlib._local.
            ("pathlib._local", "PosixPath"),
            ("pathlib._local", "PurePosixPath"),
            ("datetime", "time"),
            ("builtins", "frozenset"),
            ("builtins", "set"),
            ("builtins", "tuple"),
            ("builtins", "list"),
            ("builtins", "dict"),
            ("builtins", "bytes"),
            ("copyreg", "_reconstructor"),
            ("builtins", "object"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if module == "kiosk.model" or (module, name) in self._SAFE:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"the loader sent a {module}.{name}, which is not allowed")


class _Reader:
    """A file over a memoryview, for the unpickler: each object's bytes are copied once,
    straight out of the receive buffer."""

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else min(len(self._view), self._at + size)
        data = bytes(self._view[self._at : end])
        self._at = end
        return data

    def readinto(self, target: bytearray | memoryview) -> int:
        data = self._view[self._at : self._at + len(target)]
        target[: len(data)] = data
        self._at += len(data)
        return len(data)

    def readline(self) -> bytes:
        rest = self._view[self._at :]
        end = bytes(rest[:4096]).find(b"\n")
        return self.read(end + 1 if end >= 0 else len(rest))


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[1])


class LoadJob:
    """One load running in a child process. `poll()` from the screen loop; never blocks.

    Given no request, the child starts (limits set, pygame and Pillow imported) and waits
    for `send()`: start-up overlaps the child's imports with opening the display."""

    def __init__(
        self,
        request: LoadRequest | None = None,
        *,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        limits = request.limits if request is not None else limits or DEFAULT_LIMITS
        # Until send(), a placeholder request carries the limits (and names no file).
        self.request = request or LoadRequest(Path("."), limits=limits)
        self._clock = clock
        self._started = clock()
        self._outcome: LoadOutcome | None = None
        self._head = bytearray()  # stdout before the answer: progress lines
        self._progress: list[str] = []
        self._blocks: list[bytearray] = []  # out-of-band pickle buffers (image pixels)
        self._payload: bytearray | None = None  # the answer, filled as it arrives
        self._block: bytearray | None = None  # the block being read now
        self._filled = 0
        self._announced = 0  # bytes announced so far, against `result_bytes`
        self._is_payload = False
        self._err = bytearray()
        self._status: int | None = None
        self._killed: str | None = None  # why we killed it, when we did
        self._peak = 0  # the child's resident high-water mark, sampled from /proc
        env = dict(os.environ)
        env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_package_root(), env.get("PYTHONPATH", "")) if p
        )
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.loader"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            close_fds=True,
            start_new_session=True,  # its own process group: killing it kills all it started
        )
        assert self._proc.stdin and self._proc.stdout and self._proc.stderr
        self._write(json.dumps(dataclasses.asdict(limits)).encode() + b"\n", close=False)
        if request is not None:
            self.send(request)
        os.set_blocking(self._proc.stdout.fileno(), False)
        os.set_blocking(self._proc.stderr.fileno(), False)
        # A bigger pipe (Linux: up to 1 MB unprivileged) moves the decoded pixels in a few
        # dozen polls instead of hundreds of 64 KB sips.
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(self._proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)

    def send(self, request: LoadRequest) -> None:
        """What to load (once). Its limits must be the ones the job was started with."""
        if request.limits != self.request.limits:
            raise ValueError("the loader child was started with other limits")
        self.request = request
        self._write(request.to_json() + b"\n", close=True)

    def _write(self, data: bytes, *, close: bool) -> None:
        stdin = self._proc.stdin
        if stdin is None or stdin.closed:
            return
        try:
            stdin.write(data)  # a few hundred bytes: fits the pipe, never blocks
            stdin.flush()
            if close:
                stdin.close()
        except BrokenPipeError:
            pass  # it died already; poll() reports how

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def done(self) -> bool:
        return self._outcome is not None

    def poll(self) -> LoadOutcome | None:
        """The outcome once the child has finished (or been stopped); None while it works."""
        if self._outcome is not None:
            return self._outcome
        self._drain()
        self._sample_peak()
        if self._status is None:
            self._reap()
        if self._status is None:
            overdue = self._clock() - self._started > self.request.limits.wall_seconds
            if self._killed is None and overdue:
                self._kill("wall")
            return None
        self._drain()
        self._outcome = self._finish()
        self._close()
        return self._outcome

    def cancel(self) -> None:
        """Stop the child (its result is no longer wanted); poll() reaps it later."""
        if self._outcome is None and self._status is None and self._killed is None:
            self._kill("cancelled")

    def wait(self, interval: float = 0.05) -> LoadOutcome:
        """Block until the outcome (for the command line, not for the screen loop)."""
        assert self._proc.stdout and self._proc.stderr
        while True:
            outcome = self.poll()
            if outcome is not None:
                return outcome
            try:
                select.select([self._proc.stdout, self._proc.stderr], [], [], interval)
            except (OSError, ValueError):
                time.sleep(interval)

    # -- internals ---------------------------------------------------------------------

    def _drain(self) -> None:
        self._drain_stdout()
        stream = self._proc.stderr
        if stream is None or stream.closed:
            return
        while True:
            try:
                chunk = os.read(stream.fileno(), 65536)
            except OSError:  # BlockingIOError: nothing more for now
                break
            if not chunk:
                break
            self._err.extend(chunk)
            del self._err[: max(0, len(self._err) - _STDERR_KEEP)]

    def _drain_stdout(self) -> None:
        """Progress lines as they come; then the answer, read straight into one buffer of
        the announced size (no copies while it streams in over many polls)."""
        stream = self._proc.stdout
        if stream is None or stream.closed:
            return
        fd = stream.fileno()
        while True:
            try:
                if self._block is None:
                    if self._payload is not None:
                        return  # anything after the answer is ignored
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        return
                    self._head.extend(chunk)
                    self._parse_head()
                else:
                    got = os.readv(fd, [memoryview(self._block)[self._filled :]])
                    if not got:
                        return
                    self._filled += got
                    if self._filled == len(self._block):
                        self._block_done()
            except OSError:  # BlockingIOError: nothing more for now
                return
            if len(self._head) > _HEAD_BYTES:
                self._kill("result")  # a child that only chatters is not loading anything
                return

    def _parse_head(self) -> None:
        while self._block is None and self._payload is None:
            end = self._head.find(b"\n")
            if end < 0:
                return
            line = bytes(self._head[:end])
            del self._head[: end + 1]
            if line.startswith(b"R "):
                with contextlib.suppress(ValueError):
                    self._progress.append(str(json.loads(line[2:])))
            elif line.startswith(b"M "):
                with contextlib.suppress(ValueError):
                    self._peak = max(self._peak, int(line[2:]))
            elif line.startswith((b"B ", b"D ")):
                try:
                    length = int(line[2:])
                except ValueError:
                    length = -1
                self._announced += max(0, length)
                if length < 0 or self._announced > self.request.limits.result_bytes:
                    self._kill("result")
                    return
                block = bytearray(length)
                leftover = self._head[:length]
                block[: len(leftover)] = leftover
                del self._head[: len(leftover)]
                self._block, self._filled = block, len(leftover)
                self._is_payload = line.startswith(b"D ")
                if self._filled == length:
                    self._block_done()

    def _block_done(self) -> None:
        assert self._block is not None
        if self._is_payload:
            self._payload = self._block
        else:
            self._blocks.append(self._block)
        self._block = None
        self._filled = 0

    def _sample_peak(self) -> None:
        # VmHWM belongs to the process image started by exec; ru_maxrss from wait4 would
        # also count the parent's memory at fork time, which says nothing about the files.
        self._peak = max(self._peak, _high_water_mark(f"/proc/{self._proc.pid}/status"))

    def _reap(self) -> None:
        try:
            pid, status = os.waitpid(self._proc.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self._proc.pid, 0
        if pid == 0:
            return
        # Reaped here, to read the raw wait status; tell Popen so it does not wait again.
        self._status = status
        self._proc.returncode = os.waitstatus_to_exitcode(status)

    def _kill(self, why: str) -> None:
        self._killed = why
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)

    def _close(self) -> None:
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()

    def _finish(self) -> LoadOutcome:
        seconds = self._clock() - self._started
        peak = self._peak
        last = self._progress[-1] if self._progress else None
        payload = self._payload

        def outcome(deck: Deck | None, problems: Sequence[str]) -> LoadOutcome:
            return LoadOutcome(deck, tuple(problems), seconds, peak, last)

        if payload is not None and self._killed is None:
            try:
                reader = _Reader(memoryview(payload))
                kind, value = _DeckUnpickler(reader, buffers=self._blocks).load()
            except Exception as error:
                damaged = f"{self._where(last)}: the loader's answer was damaged ({error})"
                return outcome(None, [damaged])
            if kind == "deck" and isinstance(value, Deck):
                return outcome(value, [])
            if kind == "problems" and isinstance(value, list):
                return outcome(None, [str(p) for p in value])
        return outcome(None, [f"{self._where(last)}: {self._death()}"])

    def _where(self, last: str | None) -> str:
        return last or self.request.folder.name or str(self.request.folder)

    def _death(self) -> str:
        limits = self.request.limits
        memory = limits.megabytes(limits.memory_bytes)
        if self._killed == "wall":
            return (
                f"loading was stopped after {limits.wall_seconds:g} s while reading this file "
                "(a file that never ends, or a stuck disk or network share?)"
            )
        if self._killed == "result":
            return "the loaded deck was larger than allowed and loading was stopped"
        if self._killed == "cancelled":
            return "loading was cancelled"
        status = self._status or 0
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig in (signal.SIGXCPU, signal.SIGKILL):
                return (
                    f"reading this file used more than {limits.cpu_seconds} s of processor "
                    "time and was stopped"
                )
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            return (
                f"the loader crashed ({name}) while reading this file; it is damaged or needs "
                f"more than the {memory} allowed"
            )
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
        if code == _EXIT_MEMORY or b"MemoryError" in self._err:
            return f"reading this file needs more memory than the {memory} allowed"
        tail = self._err.decode("utf-8", "replace").strip().splitlines()
        detail = f": {tail[-1][:200]}" if tail else ""
        return f"the loader stopped (exit {code}) while reading this file{detail}"


def _high_water_mark(status_file: str) -> int:
    """VmHWM (peak resident memory) in bytes from a /proc status file; 0 when unreadable."""
    try:
        with open(status_file, "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def load_isolated(request: LoadRequest) -> LoadOutcome:
    """Load in a limited child and wait for it (command line and start-up)."""
    try:
        job = LoadJob(request)
    except OSError as error:  # no process could be started (out of processes or memory)
        problem = f"{request.folder}: cannot start the loader: {error.strerror or error}"
        return LoadOutcome(None, (problem,), 0.0, 0, None)
    return job.wait()


# -- the child side ------------------------------------------------------------------------


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


def _child(request: LoadRequest, report: Callable[[str], None]) -> tuple[str, object]:
    # Imported here: the parent side above must stay light (no pygame, no Pillow).
    from kiosk.content import DeckError, load_deck
    from kiosk.files import FileRefusedError, read_deck_file
    from kiosk.images import BadImageError, decode
    from kiosk.model import DeckAssets, Pixels

    limits = request.limits
    folder = request.folder
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

    problems: list[str] = []
    deck: Deck | None = None
    try:
        deck = load_deck(
            folder, limits=limits, image_check=check_image, reading=lambda p: report(shown(p))
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
        from kiosk.preflight import preflight
        from kiosk.render import FontBook

        checked = dataclasses.replace(deck, assets=DeckAssets(images, fonts))
        problems.extend(
            preflight(
                checked,
                request.sizes,
                FontBook([], fonts),
                larger_text=request.larger_text,
                reading=report,
            )
        )
    if problems or deck is None:
        return "problems", problems
    from kiosk.fingerprint import deck_fingerprint

    assets = DeckAssets(images, fonts, fingerprint=deck_fingerprint(folder))
    return "deck", dataclasses.replace(deck, assets=assets)


def _check_fonts(
    folder: Path,
    roots: list[Path],
    limits: Limits,
    report: Callable[[str], None],
    shown: Callable[[Path], str],
) -> tuple[dict[str, bytes], list[str]]:
    """The bytes of each font the kiosk draws with, each checked to open and draw text."""
    import pygame

    from kiosk.files import FileRefusedError, read_deck_file
    from kiosk.render import FONT_FILES, font_dirs

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


STARTING = "(starting the loader)"


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
        from kiosk.display import leave_out_optional_imports

        leave_out_optional_imports()
        import pygame  # noqa: F401
        from PIL import Image  # noqa: F401

        import kiosk.content
        import kiosk.preflight
        import kiosk.render  # noqa: F401

        line = sys.stdin.buffer.readline(1 << 20)
        if not line:
            return 0  # the parent no longer wants anything
        request = dataclasses.replace(LoadRequest.from_json(line), limits=limits)
        result = _child(request, report)
        buffers: list[pickle.PickleBuffer] = []
        payload = pickle.dumps(result, protocol=5, buffer_callback=buffers.append)
    except MemoryError:
        os._exit(_EXIT_MEMORY)  # nothing more can safely be allocated, not even a message
    for buffer in buffers:  # image pixels, out of band: the parent reads them in place
        raw = buffer.raw()
        out.write(b"B %d\n" % raw.nbytes)
        out.write(raw)
    out.write(b"M %d\n" % _high_water_mark("/proc/self/status"))
    out.write(b"D %d\n" % len(payload))
    out.write(payload)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
