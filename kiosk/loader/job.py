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
to open), or a list of `file:line: message` problems. It travels as versioned JSON checked
against the model's own type hints (`kiosk.loader.wire`), never pickle: the answer names no
class and no function, so even a child subverted by a decoder bug cannot run code in the
parent, and every Python 3.11+ reads it the same way.

`LoadJob` never blocks: start it, then `poll()` it from the screen loop until it has an
outcome. `load_isolated` is the blocking form for `kiosk validate` and start-up.

Protocol on the child's stdout: lines `R "<name>"` (progress), `B <length>` and that many
bytes (an out-of-band buffer: one image's pixels or a font file, read straight into its own
buffer; pixels are used in place), `M <bytes>` (its peak resident memory), then `D <length>`
and that many bytes of the JSON answer, which refers to the buffers by number. The request comes as
JSON on stdin. The parent also samples the child's peak memory from /proc on every poll,
so a child killed mid-decode still has a measured peak.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk.deck.limits import DEFAULT_LIMITS, Limits
from kiosk.deck.model import Deck
from kiosk.loader.protocol import (
    EXIT_MEMORY,
    HEAD_BYTES,
    PIPE_BYTES,
    STDERR_KEEP,
    LoadOutcome,
    LoadRequest,
    high_water_mark,
)
from kiosk.loader.wire import WireError, decode_answer

# -- the parent side -----------------------------------------------------------------------


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])


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
        self._blocks: list[bytearray] = []  # out-of-band buffers (pixels, fonts)
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
            fcntl.fcntl(self._proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)

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
            del self._err[: max(0, len(self._err) - STDERR_KEEP)]

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
            if len(self._head) > HEAD_BYTES:
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
        self._peak = max(self._peak, high_water_mark(f"/proc/{self._proc.pid}/status"))

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
                kind, value = decode_answer(payload, self._blocks)
            except WireError as error:
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
        if code == EXIT_MEMORY or b"MemoryError" in self._err:
            return f"reading this file needs more memory than the {memory} allowed"
        tail = self._err.decode("utf-8", "replace").strip().splitlines()
        detail = f": {tail[-1][:200]}" if tail else ""
        return f"the loader stopped (exit {code}) while reading this file{detail}"


def load_isolated(request: LoadRequest) -> LoadOutcome:
    """Load in a limited child and wait for it (command line and start-up)."""
    try:
        job = LoadJob(request)
    except OSError as error:  # no process could be started (out of processes or memory)
        problem = f"{request.folder}: cannot start the loader: {error.strerror or error}"
        return LoadOutcome(None, (problem,), 0.0, 0, None)
    return job.wait()
