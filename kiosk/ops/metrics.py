"""`kiosk metrics`: the screen's status file as Prometheus metrics, in a process of its own.

The drawing process only writes `status.json` (kiosk.ops.status); this process reads it on every
scrape and turns it into metrics with the official client library (`prometheus_client`), through
a custom collector on a private registry (no global state, nothing kept between scrapes). So
a hung or crashed exporter never touches the screen, and a hung or crashed kiosk is still
reported honestly: its status file stops changing, `kiosk_up` drops to 0 and
`kiosk_status_age_seconds` grows, while `kiosk_last_frame_timestamp_seconds` keeps the time of
the last frame really drawn.

Two ways out, pick what the site runs:

    kiosk metrics                               # HTTP on 127.0.0.1:9464 (--listen HOST:PORT)
    kiosk metrics --textfile /var/lib/prometheus/node-exporter/kiosk.prom [--interval 15]

The second writes node_exporter's textfile-collector file atomically, once or every
`--interval` seconds. Every series carries `screen` (from kiosk.toml, see kiosk.ops.config) so
merged views of many screens need no extra relabelling. Label values are bounded: slide ids and
languages checked against a safe pattern, modes and reload results from fixed sets; anything
else is counted under slide `_other` (so fleet sums still add up) and never becomes a label.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app, write_to_textfile
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from kiosk.ops.config import ConfigError, default_screen_name, load_config
from kiosk.ops.status import STATUS_SECONDS, StatusDamagedError, default_status_path, load_status

log = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1:9464"
# Five missed writes: a loop that is only slow (a big deck loading) is not reported as down.
STALE_SECONDS = 5 * STATUS_SECONDS
MODES = ("attract", "browsing", "rest")
RELOAD_RESULTS = ("ok", "refused")
# Label values that come from the deck: short, plain, no quoting or escaping anywhere.
SLIDE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")
# A topic's menu title: words and spaces with a little punctuation, in any script.
TOPIC = re.compile(r"(?:[^\W_]|[¿¡])[\w ,.:;'()/¿?¡!-]{0,79}")
RATINGS = ("helpful", "somewhat", "not_helpful")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_:-]{0,63}")
HASH = re.compile(r"[0-9a-f]{1,64}")
OTHER = "_other"
# A deck has tens of slides, 1-3 languages, 3 modes; more rows than this is not a real deck.
MAX_VIEW_ROWS = 2000


def _number(value: object) -> float | None:
    """A finite number from the status file, or None (a bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _token(value: object, pattern: re.Pattern[str] = TOKEN, missing: str = "") -> str:
    """A label value that matched its pattern, else `missing` (free text never gets through)."""
    return value if isinstance(value, str) and pattern.fullmatch(value) else missing


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


class StatusCollector:
    """Reads the status file on every collect() and yields the kiosk's metrics."""

    def __init__(
        self,
        status_path: Path,
        screen: str,
        *,
        wall: Callable[[], float] = time.time,
        stale_after: float = STALE_SECONDS,
    ) -> None:
        self.status_path = status_path
        self.screen = screen
        self.wall = wall
        self.stale_after = stale_after
        self._warned_name: object = None
        self._warned_damage: str | None = None

    def describe(self) -> list[Metric]:
        # Nothing to declare up front: registering must not read the file.
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            status = load_status(self.status_path)
            damaged = None
        except StatusDamagedError as error:  # said as damage, not as a kiosk that is off
            status, damaged = None, str(error)
        if damaged != self._warned_damage:
            self._warned_damage = damaged
            if damaged is not None:
                log.warning("the status file is damaged: %s", damaged)
        yield self._gauge(
            "kiosk_status_file_damaged",
            "1 if something other than a status file stands in its place (a pipe, a link, "
            "not JSON, another schema), 0 if it is one or is missing.",
            0.0 if damaged is None else 1.0,
        )
        now = self.wall()
        updated = _number(status.get("updated_at")) if status else None
        age = max(0.0, now - updated) if updated is not None else None
        fresh = age is not None and age <= self.stale_after
        yield self._gauge(
            "kiosk_up",
            "1 if the kiosk wrote its status file within the last "
            f"{self.stale_after:g} s (its loop runs), 0 if the file is stale or missing.",
            1.0 if fresh else 0.0,
        )
        if status is None or age is None:
            return
        named = status.get("screen")
        if named not in (self.screen, self._warned_name):
            # The label stays the configured name (stable series); say once why they differ.
            self._warned_name = named
            log.warning(
                "the kiosk calls itself %r but this exporter's config says %r: give both the "
                "same kiosk.toml (or CVI_KIOSK_SCREEN)",
                named,
                self.screen,
            )
        yield self._gauge(
            "kiosk_status_age_seconds", "Seconds since the kiosk last wrote its status file.", age
        )
        yield from self._identity(status)
        yield from self._drawing(status)
        yield from self._deck(status)
        yield from self._audience(status)
        yield from self._answers(status)
        yield from self._listening(status)
        yield from self._process(status)

    # -- families ------------------------------------------------------------------------

    def _identity(self, status: Mapping[str, Any]) -> Iterator[Metric]:
        info = self._gauges("kiosk_info", "The kiosk software.", ["version"])
        info.add_metric([self.screen, _token(status.get("version"), missing="unknown")], 1.0)
        yield info
        started = _number(status.get("started_at"))
        if started is not None:
            yield self._gauge(
                "kiosk_start_time_seconds",
                "Unix time the kiosk process started (changes on every restart).",
                started,
            )

    def _drawing(self, status: Mapping[str, Any]) -> Iterator[Metric]:
        last_frame = _number(status.get("last_frame_at"))
        if last_frame is not None:
            yield self._gauge(
                "kiosk_last_frame_timestamp_seconds",
                "Unix time of the last frame actually drawn and shown.",
                last_frame,
            )
        frames = _number(status.get("frames_drawn"))
        if frames is not None:
            yield self._counter("kiosk_frames_drawn", "Frames drawn since start.", frames)
        mode = status.get("mode")
        family = self._gauges(
            "kiosk_mode",
            "What the screen is doing: 1 for the current mode (attract, browsing, rest), else 0.",
            ["mode"],
        )
        for name in MODES:
            family.add_metric([self.screen, name], 1.0 if mode == name else 0.0)
        yield family

    def _deck(self, status: Mapping[str, Any]) -> Iterator[Metric]:
        deck = _mapping(status.get("deck"))
        languages = deck.get("languages")
        codes = (
            [code for code in languages if isinstance(code, str) and LANGUAGE.fullmatch(code)]
            if isinstance(languages, list)
            else []
        )
        info = self._gauges(
            "kiosk_deck_info",
            "The deck on screen: its published version, content hash (the same on every screen "
            "showing the same files), where it came from and its languages.",
            ["deck_version", "hash", "source", "languages"],
        )
        info.add_metric(
            [
                self.screen,
                _token(deck.get("version")),
                _token(deck.get("hash"), HASH),
                _token(deck.get("source"), missing="unknown"),
                ",".join(codes[:8]),
            ],
            1.0,
        )
        yield info
        slides = _number(deck.get("slides"))
        if slides is not None:
            yield self._gauge("kiosk_deck_slides", "Slides in the deck on screen.", slides)
        counters = _mapping(status.get("counters"))
        reloads = _mapping(counters.get("reloads"))
        family = self._counters(
            "kiosk_deck_reloads",
            "Deck changes seen since start, by result: ok (swapped in) or refused (kept the "
            "deck on screen because the new one had problems).",
            ["result"],
        )
        for result in RELOAD_RESULTS:
            family.add_metric([self.screen, result], _number(reloads.get(result)) or 0.0)
        yield family
        last = _mapping(status.get("last_reload"))
        at = _number(last.get("at"))
        if at is not None and last.get("result") in RELOAD_RESULTS:
            yield self._gauge(
                "kiosk_deck_last_reload_success",
                "1 if the last deck change was swapped in, 0 if it was refused.",
                1.0 if last.get("result") == "ok" else 0.0,
            )
            yield self._gauge(
                "kiosk_deck_last_reload_timestamp_seconds",
                "Unix time of the last deck change the kiosk saw.",
                at,
            )
        fallbacks = _number(counters.get("fallbacks"))
        yield self._counter(
            "kiosk_fallback_to_last_good",
            "Starts on the last good deck because the current one was broken.",
            fallbacks or 0.0,
        )
        yield self._counter(
            "kiosk_slides_skipped",
            "Slides left out since start because they could not be laid out or drawn.",
            _number(counters.get("slides_skipped")) or 0.0,
        )

    def _audience(self, status: Mapping[str, Any]) -> Iterator[Metric]:
        counters = _mapping(status.get("counters"))
        label_names = ["slide", "language", "mode"]
        views = self._counters(
            "kiosk_slide_views",
            "Slide views recorded since start (the same rows as the statistics database).",
            label_names,
        )
        reading = self._counters(
            "kiosk_slide_reading_seconds",
            "Seconds slides were on screen since start, summed over their recorded views.",
            label_names,
        )
        sums: dict[tuple[str, str, str], list[float]] = {}
        rows = counters.get("views")
        for item in rows if isinstance(rows, list) else []:
            row = _mapping(item)
            count, seconds = _number(row.get("views")), _number(row.get("seconds"))
            mode = row.get("mode")
            if count is None or seconds is None or mode not in MODES:
                continue
            labels = (
                _token(row.get("slide"), SLIDE_ID, OTHER),
                _token(row.get("language"), LANGUAGE, OTHER),
                str(mode),
            )
            if labels not in sums and len(sums) >= MAX_VIEW_ROWS:
                labels = (OTHER, OTHER, labels[2])
            total = sums.setdefault(labels, [0.0, 0.0])
            total[0] += count
            total[1] += seconds
        for labels, (count, seconds) in sorted(sums.items()):
            views.add_metric([self.screen, *labels], count)
            reading.add_metric([self.screen, *labels], round(seconds, 1))
        yield views
        yield reading
        for name, key, text in (
            ("kiosk_visitor_sessions", "sessions", "Visitor sessions (first touch to idle)"),
            ("kiosk_larger_text", "larger_text", "Times a visitor switched larger text on"),
            ("kiosk_language_switches", "language_switches", "Language changes by visitors"),
        ):
            yield self._counter(name, f"{text} since start.", _number(counters.get(key)) or 0.0)

    def _answers(self, status: Mapping[str, Any]) -> Iterator[Metric]:
        counters = _mapping(status.get("counters"))
        answered = self._counters(
            "kiosk_question_answers",
            "Visitors who answered a question since start (once per visit), by question.",
            ["question", "language"],
        )
        right = self._counters(
            "kiosk_question_right_first",
            "Of them, those right at the first tap.",
            ["question", "language"],
        )
        sums: dict[tuple[str, str], list[float]] = {}
        rows = counters.get("answers")
        for item in rows if isinstance(rows, list) else []:
            row = _mapping(item)
            count, good = _number(row.get("answered")), _number(row.get("right_first"))
            if count is None or good is None:
                continue
            labels = (
                _token(row.get("question"), SLIDE_ID, OTHER),
                _token(row.get("language"), LANGUAGE, OTHER),
            )
            if labels not in sums and len(sums) >= MAX_VIEW_ROWS:
                labels = (OTHER, OTHER)
            total = sums.setdefault(labels, [0.0, 0.0])
            total[0] += count
            total[1] += good
        for labels, (count, good) in sorted(sums.items()):
            answered.add_metric([self.screen, *labels], count)
            right.add_metric([self.screen, *labels], good)
        yield answered
        yield right
        ratings = self._counters(
            "kiosk_topic_ratings",
            "Answers to 'Was this helpful?' since start, by topic, language and rating.",
            ["topic", "language", "rating"],
        )
        counts: dict[tuple[str, str, str], float] = {}
        rows = counters.get("ratings")
        for item in rows if isinstance(rows, list) else []:
            row = _mapping(item)
            count, rating = _number(row.get("count")), row.get("rating")
            if count is None or rating not in RATINGS:
                continue
            key = (
                _token(row.get("topic"), TOPIC, OTHER),
                _token(row.get("language"), LANGUAGE, OTHER),
                str(rating),
            )
            if key not in counts and len(counts) >= MAX_VIEW_ROWS:
                key = (OTHER, OTHER, key[2])
            counts[key] = counts.get(key, 0.0) + count
        for key, count in sorted(counts.items()):
            ratings.add_metric([self.screen, *key], count)
        yield ratings

    def _listening(self, status: Mapping[str, Any]) -> Iterator[Metric]:
        """Read-aloud: slides read aloud by slide and language, listening modes started."""
        counters = _mapping(status.get("counters"))
        listens = self._counters(
            "kiosk_narration_listens",
            "Slides read aloud since start (a tap on Listen, listening mode or attract).",
            ["slide", "language"],
        )
        sums: dict[tuple[str, str], float] = {}
        rows = counters.get("listens")
        for item in rows if isinstance(rows, list) else []:
            row = _mapping(item)
            count = _number(row.get("listens"))
            if count is None:
                continue
            labels = (
                _token(row.get("slide"), SLIDE_ID, OTHER),
                _token(row.get("language"), LANGUAGE, OTHER),
            )
            if labels not in sums and len(sums) >= MAX_VIEW_ROWS:
                labels = (OTHER, OTHER)
            sums[labels] = sums.get(labels, 0.0) + count
        for labels, count in sorted(sums.items()):
            listens.add_metric([self.screen, *labels], count)
        yield listens
        yield self._counter(
            "kiosk_listening_sessions",
            "Listening modes started by a tap on Listen since start.",
            _number(counters.get("listening_sessions")) or 0.0,
        )

    def _process(self, status: Mapping[str, Any]) -> Iterator[Metric]:
        memory = _number(status.get("memory_bytes"))
        if memory:
            yield self._gauge(
                "kiosk_resident_memory_bytes", "Resident memory of the kiosk process.", memory
            )
        cpu = _number(status.get("cpu_seconds"))
        if cpu is not None:
            yield self._counter(
                "kiosk_cpu_seconds", "CPU time the kiosk process used since start.", cpu
            )

    # -- helpers: every family carries the screen label first ---------------------------

    def _gauges(self, name: str, doc: str, labels: Sequence[str]) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, doc, labels=["screen", *labels])

    def _counters(self, name: str, doc: str, labels: Sequence[str]) -> CounterMetricFamily:
        return CounterMetricFamily(name, doc, labels=["screen", *labels])

    def _gauge(self, name: str, doc: str, value: float) -> GaugeMetricFamily:
        family = GaugeMetricFamily(name, doc, labels=["screen"])
        family.add_metric([self.screen], value)
        return family

    def _counter(self, name: str, doc: str, value: float) -> CounterMetricFamily:
        family = CounterMetricFamily(name, doc, labels=["screen"])
        family.add_metric([self.screen], value)
        return family


def build_registry(status_path: Path, screen: str) -> CollectorRegistry:
    """A private registry holding only the kiosk's collector (no process or GC metrics of
    the exporter itself: they would describe the wrong process)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatusCollector(status_path, screen))
    return registry


# -- serving -------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """No access log: Prometheus scrapes every 15 s for ever."""

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a client that never reads must not keep the process from stopping


class _Server6(_Server):
    address_family = socket.AF_INET6


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `[V6]:PORT` or `:PORT` (all addresses) into a host and a port."""
    host, colon, port = text.rpartition(":")
    if not colon or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(
            f"expected HOST:PORT such as {DEFAULT_LISTEN}, got {text!r}"
        )
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return host or "0.0.0.0", int(port)


def serve(registry: CollectorRegistry, host: str, port: int) -> WSGIServer:
    """An HTTP server for the registry (not started: call serve_forever)."""
    server_class = _Server6 if ":" in host else _Server
    return make_server(
        host, port, make_wsgi_app(registry), server_class=server_class, handler_class=_QuietHandler
    )


def write_textfile(registry: CollectorRegistry, path: Path) -> None:
    """node_exporter's textfile collector reads `*.prom`; the client writes a temporary file
    beside it and renames it over, so a scrape never sees half a file. A stop request waits
    for the rename, so no temporary file is ever left behind."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        write_to_textfile(str(path), registry)
        os.chmod(path, 0o644)  # node_exporter usually runs as another user
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _screen_name() -> str:
    """The same name the kiosk uses (kiosk.toml, CVI_KIOSK_SCREEN, else the host name)."""
    try:
        return load_config().screen_name
    except ConfigError as error:
        log.error("%s Using the host name as the screen name.", error)
        return default_screen_name()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def metrics_main(argv: Sequence[str] | None = None) -> int:
    """`kiosk metrics [--status PATH] [--listen HOST:PORT | --textfile PATH [--interval S]]`."""
    parser = argparse.ArgumentParser(
        prog="kiosk metrics",
        description="Expose this screen's status file as Prometheus metrics (a separate "
        "process: the kiosk itself serves nothing).",
    )
    parser.add_argument(
        "--status",
        type=Path,
        default=None,
        help="status file the kiosk writes (default: the state directory's status.json)",
    )
    parser.add_argument(
        "--listen",
        type=parse_listen,
        default=None,
        metavar="HOST:PORT",
        help=f"serve /metrics over HTTP here (default {DEFAULT_LISTEN}; port 0 picks one)",
    )
    parser.add_argument(
        "--textfile",
        type=Path,
        default=None,
        metavar="PATH.prom",
        help="write node_exporter's textfile-collector file instead of serving HTTP",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="with --textfile: rewrite it this often (default 0: write once and exit)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.textfile is not None and args.listen is not None:
        parser.error("choose one: --listen (HTTP) or --textfile (node_exporter)")
    if args.interval < 0 or (args.interval and args.textfile is None):
        parser.error("--interval is a positive number of seconds, used with --textfile")
    if args.textfile is not None and not args.textfile.name.endswith(".prom"):
        parser.error("node_exporter reads only files ending in .prom: name it so")
    status_path: Path = args.status or default_status_path()
    registry = build_registry(status_path, _screen_name())
    previous = signal.signal(signal.SIGTERM, _stop)  # systemd's stop: end cleanly
    try:
        if args.textfile is not None:
            return _textfile_loop(registry, args.textfile, args.interval)
        host, port = args.listen or parse_listen(DEFAULT_LISTEN)
        try:
            server = serve(registry, host, port)
        except OSError as error:
            print(
                f"kiosk metrics: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr
            )
            return 1
        bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        # Printed (not only logged) so a caller that asked for port 0 learns the real one.
        print(f"serving http://{shown}:{bound_port}/metrics from {status_path}", flush=True)
        with server:
            server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _textfile_loop(registry: CollectorRegistry, path: Path, interval: float) -> int:
    warned = False
    while True:
        try:
            write_textfile(registry, path)
            warned = False
        except OSError as error:
            if not interval:
                print(f"kiosk metrics: cannot write {path}: {error}", file=sys.stderr)
                return 1
            if not warned:  # once per outage, not every interval
                log.warning("cannot write %s (will retry): %s", path, error)
                warned = True
        if not interval:
            return 0
        time.sleep(interval)
