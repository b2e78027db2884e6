"""A scripted morning of simulated visitors on the real app (`KioskApp` on the bundled deck, a
fake clock, the dummy video driver): each one wakes the screen, maybe switches to Spanish,
answers some questions (right more often than not), rates topics when "Was this helpful?"
asks or skips it, and walks away until the idle timeout. Then the counts are read back from
the statistics database and compared with what the script did.

    python bench/visitors.py [--visitors 100] [--seed 7] [--db PATH]

Prints the counts as tables and one JSON line; exits 1 if the database disagrees.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pygame  # noqa: E402

from kiosk.deck.content import load_deck  # noqa: E402
from kiosk.deck.model import SlideKind, base_id  # noqa: E402
from kiosk.ops.stats.recorder import StatsRecorder  # noqa: E402
from kiosk.ops.stats.report import answers_summary, helpfulness_summary  # noqa: E402
from kiosk.ops.stats.store import RATINGS  # noqa: E402
from kiosk.screen import intents  # noqa: E402
from kiosk.screen.app import KioskApp  # noqa: E402
from kiosk.screen.view import Mode, Overlay  # noqa: E402

START = datetime(2026, 11, 24, 8, 0)  # a Tuesday morning
SIZE = (640, 400)  # small: the drawing is not what this measures


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


Tally = tuple[Counter[tuple[str, str]], Counter[tuple[str, str]], Counter[tuple[str, str]]]


def simulate(visitors: int, seed: int, db: Path) -> tuple[Tally, Tally]:
    """Run the visitors; return (what the script did, what the database says) as counters:
    answered and right per (question, language), ratings per (topic, rating)."""
    rng = random.Random(seed)
    deck = load_deck(ROOT / "slides")
    questions = [n for n, s in enumerate(deck.slides) if s.kind is SlideKind.CHECK]
    clock = Clock()
    recorder = StatsRecorder(db, clock=clock, wall=lambda: START + timedelta(seconds=clock.now))
    pygame.display.init()
    display = pygame.display.set_mode(SIZE)
    app = KioskApp(
        deck,
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=list,
        flip=lambda: None,
        stats=recorder,
    )
    answered: Counter[tuple[str, str]] = Counter()
    right: Counter[tuple[str, str]] = Counter()
    rated: Counter[tuple[str, str]] = Counter()
    nav = app.navigator
    try:
        for _ in range(visitors):
            clock.now += rng.uniform(30, 240)  # the next patient sits down
            app.run(max_steps=3)
            nav.handle(intents.WAKE)
            if rng.random() < 0.3:
                nav.handle(intents.LANGUAGE)  # Spanish
            app.run(max_steps=3)
            language = nav.language
            for page in sorted(rng.sample(questions, rng.randint(1, len(questions)))):
                nav.handle(intents.goto(page))
                app.run(max_steps=20)  # the transition ends; the visitor reads
                slide = deck.slides[page]
                correct = rng.random() < 0.7
                wrong = [n for n in range(len(slide.answers)) if n != slide.right_answer]
                choice = slide.right_answer if correct else rng.choice(wrong)
                nav.handle(intents.answer(choice))
                nav.handle(intents.answer(choice))  # a double tap: counted once
                key = (base_id(slide.id), language)
                answered[key] += 1
                right[key] += int(correct)
                app.run(max_steps=5)
                # On to the next topic: its end asks "Was this helpful?".
                for _step in range(4):
                    nav.handle(intents.NEXT)
                    app.run(max_steps=3)
                    if nav.overlay is Overlay.HELPFUL:
                        break
                if nav.overlay is Overlay.HELPFUL:
                    topic = deck.sections[nav.view().helpful_topic].title.get(deck.default_language)
                    if rng.random() < 0.75:
                        face = rng.choices(range(3), weights=(6, 3, 1))[0]
                        nav.handle(intents.rate(face))
                        rated[(topic, RATINGS[face])] += 1
                    else:
                        nav.handle(intents.CLOSE)  # skipped: costs nothing
                app.run(max_steps=3)
            # The visitor walks away: the idle timeout sends the kiosk back to its loop.
            clock.now += deck.idle_timeout + 1
            app.run(max_steps=5)
            assert nav.mode is Mode.ATTRACT, "the visit did not end"
    finally:
        recorder.close()
        pygame.display.quit()
    stored_answered: Counter[tuple[str, str]] = Counter()
    stored_right: Counter[tuple[str, str]] = Counter()
    for row in answers_summary(db):
        stored_answered[(row.question, row.language)] = row.answered
        stored_right[(row.question, row.language)] = row.right_first
    stored_rated: Counter[tuple[str, str]] = Counter()
    for topic in helpfulness_summary(db):
        for rating, count in zip(
            RATINGS, (topic.helpful, topic.somewhat, topic.not_helpful), strict=True
        ):
            if count:
                stored_rated[(topic.topic, rating)] = count
    return (answered, right, rated), (stored_answered, stored_right, stored_rated)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="visitors.")) / "stats.sqlite3"
    expected, stored = simulate(args.visitors, args.seed, db)
    answered, right, rated = stored
    print(f"{args.visitors} visitors, statistics in {db}\n")
    print(f"{'question (language)':28} answered  right at first tap")
    for key in sorted(answered):
        print(f"{key[0] + ' (' + key[1] + ')':28} {answered[key]:>8}  {right[key]:>8}")
    print(f"{'total':28} {sum(answered.values()):>8}  {sum(right.values()):>8}\n")
    print(f"{'topic':20} {'helpful':>8} {'somewhat':>9} {'not helpful':>12}")
    for topic in sorted({t for t, _ in rated}):
        counts = [rated[(topic, r)] for r in RATINGS]
        print(f"{topic:20} {counts[0]:>8} {counts[1]:>9} {counts[2]:>12}")
    same = expected == stored
    print(
        json.dumps(
            {
                "visitors": args.visitors,
                "answers": sum(answered.values()),
                "right_first": sum(right.values()),
                "ratings": sum(rated.values()),
                "database_matches_script": same,
            }
        )
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
