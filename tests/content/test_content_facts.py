"""Every fact of the source page is in the deck, in the right topic, in plain words.

A checklist of facts (not of exact sentences): each fact lists patterns, any of which may
match the text of the slides in its section. Rewording a slide keeps passing as long as the
fact is still there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck, Slide, SlideKind

ROOT = Path(__file__).resolve().parents[2]
DECK = load_deck(ROOT / "slides")
# shared/ lies beside the clone (CI) or beside the folder of work trees (a helper's work tree).
SOURCE = next(
    (
        folder / "shared" / "content" / "cvi-source.txt"
        for folder in (ROOT.parent, ROOT.parent.parent)
        if (folder / "shared" / "content" / "cvi-source.txt").exists()
    ),
    ROOT.parent / "shared" / "content" / "cvi-source.txt",
)

# (section, fact, patterns): a pattern is a regex searched in the lower-cased section text.
FACTS: list[tuple[str, str, list[str]]] = [
    (
        "What is CVI?",
        "veins carry blood back to the heart",
        [r"veins? (carry|bring|take) blood .*(back )?to (your|the) heart"],
    ),
    ("What is CVI?", "one-way valves", [r"one-way (doors|valves)"]),
    (
        "What is CVI?",
        "valves keep blood moving toward the heart",
        [r"valves let blood go toward the heart", r"toward the heart"],
    ),
    (
        "What is CVI?",
        "valves that do not close let blood leak backward",
        [r"(does not|don't|do not) close.*\n?.*leaks? backward", r"leaks? backward"],
    ),
    ("What is CVI?", "blood backs up / pools", [r"backs up", r"pools?"]),
    ("What is CVI?", "legs: veins work against gravity", [r"against gravity"]),
    (
        "Causes",
        "higher than normal pressure in the veins",
        [r"pressure .* higher than normal", r"higher than normal"],
    ),
    ("Causes", "damaged valves", [r"valves .* damaged", r"harm the valves"]),
    ("Causes", "deep vein thrombosis (a blood clot)", [r"deep vein thrombosis.*clot"]),
    ("Causes", "phlebitis (swollen, inflamed vein)", [r"phlebitis.*(swollen|inflamed)"]),
    ("Causes", "valves weak or missing from birth", [r"weak or missing from birth"]),
    (
        "Causes",
        "raised venous pressure in the legs for any reason",
        [r"higher pressure in the leg veins, for any reason"],
    ),
    (
        "Causes",
        "post-thrombotic syndrome after a clot",
        [r"after a clot.*post-thrombotic syndrome"],
    ),
    (
        "Causes",
        "post-phlebitic syndrome after phlebitis",
        [r"after phlebitis.*post-phlebitic syndrome"],
    ),
    ("Risk factors", "women", [r"\bwomen\b"]),
    ("Risk factors", "age 50 and older", [r"\b50 and older"]),
    ("Risk factors", "obesity", [r"obesity"]),
    ("Risk factors", "physical inactivity", [r"not being active"]),
    (
        "Risk factors",
        "family history of DVT or varicose veins",
        [r"family with varicose veins.*family with dvt"],
    ),
    ("Risk factors", "smoking", [r"smoking"]),
    ("Risk factors", "pregnancy", [r"pregnan"]),
    ("Risk factors", "long sitting or standing", [r"sitting or standing for a long time"]),
    ("Risk factors", "tight clothing such as girdles or belts", [r"tight.*girdles or belts"]),
    ("Symptoms", "swollen legs", [r"swollen legs"]),
    # The source says "especially after walking"; the deck says what MedlinePlus says (worse
    # when standing, better with the legs raised), since pain that comes with walking and stops
    # with rest is a sign of artery disease, which the deck names on its own slide.
    (
        "Symptoms",
        "leg pain (worse when standing, per MedlinePlus)",
        [r"pain.*worse when you stand"],
    ),
    ("Symptoms", "aching", [r"\bach(y|ing)\b"]),
    ("Symptoms", "dullness", [r"\bdull\b"]),
    ("Symptoms", "tiredness", [r"\btired\b"]),
    ("Symptoms", "cramping", [r"\bcramp(s|y|ing)\b"]),
    ("Symptoms", "red or brown darker skin", [r"darker, red or brown", r"red or brown"]),
    ("Symptoms", "varicose veins", [r"varicose veins"]),
    ("Symptoms", "ulcers near the inner ankle", [r"ulcers.*inside of the ankle"]),
    ("Symptoms", "scaling skin", [r"scaly"]),
    ("Symptoms", "hard, leathery skin", [r"hard skin .*leather"]),
    ("Diagnosis", "questions about symptoms", [r"asks about your symptoms"]),
    ("Diagnosis", "medical history", [r"health history"]),
    ("Diagnosis", "physical exam", [r"physical exam"]),
    ("Diagnosis", "imaging", [r"pictures taken of the inside of your body"]),
    ("Treatment", "goal: keep blood flowing, stop pooling", [r"keep blood flowing.*\n?.*pooling"]),
    ("Treatment", "compression stockings squeeze the leg veins", [r"stockings.*squeeze the veins"]),
    (
        "Treatment",
        "raise legs above the heart when resting or sleeping",
        [r"rest or sleep.*higher than your heart"],
    ),
    ("Treatment", "several times a day", [r"a few times a day", r"several times a day"]),
    (
        "Treatment",
        "massage eases discomfort and drains fluid",
        [r"massage may ease", r"drain fluid"],
    ),
    ("Treatment", "walking and leg and foot exercises", [r"walking and leg and foot exercises"]),
    ("Treatment", "avoid long sitting or standing", [r"not to sit or stand for a long time"]),
    ("Treatment", "mineral baths for skin redness", [r"mineral bath.*red skin"]),
    (
        "Treatment",
        "bandages or antibiotic cream prevent infection",
        [r"bandages or antibiotic cream.*infection"],
    ),
    ("Treatment", "compression stockings help healing", [r"stockings may help skin heal"]),
    (
        "Treatment",
        "sclerotherapy injects an irritating liquid",
        [r"sclerotherapy", r"irritating liquid"],
    ),
    (
        "Treatment",
        "scar tissue fills the vein; blood reroutes",
        [r"scar tissue fills the vein", r"new path through veins that work"],
    ),
    (
        "Treatment",
        "ablation: tiny electrode, electricity scars the vein shut",
        [r"electrode", r"electricity scars the vein"],
    ),
    (
        "Treatment",
        "the body absorbs the closed vein over time",
        [r"body slowly absorbs the closed vein"],
    ),
    ("Treatment", "surgery only when other care fails", [r"surgery is only for the few"]),
    (
        "Treatment",
        "type of surgery depends on cause and tests",
        [r"depends on the cause and on test results"],
    ),
    ("Treatment", "valve repair", [r"valve repair"]),
    ("Treatment", "vein stripping removes the faulty vein", [r"vein stripping.*taken out"]),
    ("Treatment", "bypass with an artificial vein", [r"bypass.*man-made vein"]),
    ("Prevention", "healthy weight", [r"healthy weight"]),
    ("Prevention", "regular exercise", [r"exercise often"]),
    (
        "Prevention",
        "quit smoking with the doctor's help",
        [r"if you smoke, ask your provider.*how to quit"],
    ),
    ("Prevention", "avoid long sitting or standing", [r"sitting or standing a long time"]),
    ("Prevention", "avoid restrictive clothing", [r"tight girdles or belts"]),
    (
        "When to call",
        "added (MedlinePlus, CDC, WebMD): call 911 for sudden shortness of breath, chest pain, coughing up blood",
        [r"call 911 right away.*sudden shortness of breath.*chest pain.*coughing up blood"],
    ),
    (
        "When to call",
        "added (CDC, NHLBI, MedlinePlus): call the provider the same day for new swelling, pain, warmth or redness in one leg, or a sore that will not heal or looks infected",
        [
            r"provider .*the same day.*new swelling, pain, warmth or redness in one leg.*sore that will not heal or looks infected"
        ],
    ),
    (
        "When to call",
        "added (St John Ambulance): a bleeding varicose vein: lie down, leg up, press, socks off, 911",
        [r"lie down and raise your leg.*press .*clean cloth.*call 911 if it bleeds a lot"],
    ),
    (
        "Disclaimer",
        "call your provider right away in an emergency",
        [r"emergency, call 911 or your provider right away"],
    ),
    (
        "When to call",
        "ask before starting a new treatment",
        [r"before you start any new treatment"],
    ),
    # The source page's organizations and references, and every added fact's source, are
    # listed in full in docs/sources.md (tests/content/test_sources.py); the slides name the
    # publishers in plain words.
    (
        "Sources",
        "the source page's publisher, reviewer and review date",
        [r"baptist health library.*june 2015 by michael j\. fucci, do"],
    ),
    ("Sources", "MedlinePlus, for the added facts", [r"medlineplus"]),
    (
        "Disclaimer",
        "does not replace advice from your provider",
        [r"does not take the place of advice from your doctor"],
    ),
]


def slide_text(slide: Slide, language: str = "en") -> str:
    parts = [slide.title.get(language)]
    if slide.body:
        parts.append(slide.body.get(language))
    parts += [b.get(language) for b in slide.bullets]
    for column in slide.columns:
        parts.append(column.heading.get(language))
        parts += [b.get(language) for b in column.bullets]
    return "\n".join(parts)


def section_text(deck: Deck, section: str) -> str:
    return "\n".join(slide_text(s).lower() for s in deck.slides if s.section.get("en") == section)


@pytest.mark.parametrize(
    ("section", "fact", "patterns"), FACTS, ids=[f"{s}: {f}" for s, f, _ in FACTS]
)
def test_fact_is_in_its_section(section, fact, patterns):
    text = section_text(DECK, section)
    assert text, f"no slides in section {section!r}"
    assert any(re.search(p, text, re.DOTALL) for p in patterns), f"missing: {fact} (in {section})"


def test_topics_are_in_the_expected_order():
    assert [s.title.get("en") for s in DECK.sections] == [
        "Welcome",
        "What is CVI?",
        "Causes",
        "Risk factors",
        "Symptoms",
        "Diagnosis",
        "Treatment",
        "Prevention",
        "When to call",
        "Sources",
        "Disclaimer",
    ]


def test_ultrasound_is_named_only_with_a_cited_source():
    text = "\n".join(slide_text(s).lower() for s in DECK.slides)
    if "ultrasound" in text:
        assert "medlineplus" in section_text(DECK, "Sources")


def test_the_disclaimer_is_last():
    assert DECK.slides[-1].kind is SlideKind.DISCLAIMER


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.mark.skipif(not SOURCE.exists(), reason="the shared source text is not beside the repo")
def test_no_sentence_is_pasted_from_the_source():
    """Rewritten in our own words: no run of 8 words matches the source (citations aside)."""
    source = _words(SOURCE.read_text(encoding="utf-8"))
    runs = {tuple(source[i : i + 8]) for i in range(len(source) - 7)}
    for slide in DECK.slides:
        if slide.kind is SlideKind.SOURCES:
            continue
        words = _words(slide_text(slide))
        for i in range(len(words) - 7):
            assert (
                tuple(words[i : i + 8]) not in runs
            ), f"{slide.id}: '{' '.join(words[i:i + 8])}' is copied"


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    count = len(groups)
    if word.lower().endswith("e") and count > 1 and not word.lower().endswith(("le", "ee")):
        count -= 1
    return max(1, count)


def test_sentences_are_short_and_plain():
    """A rough Flesch-Kincaid grade per slide (the readability issue adds a library check):
    patient text should read at grade 7 or below, with short sentences."""
    for slide in DECK.slides:
        if slide.kind is SlideKind.SOURCES:
            continue
        text = slide_text(slide)
        sentences = [s for s in re.split(r"[.!?:\n]+", text) if _words(s)]
        words = _words(text)
        assert max(len(_words(s)) for s in sentences) <= 20, slide.id
        grade = (
            0.39 * len(words) / len(sentences)
            + 11.8 * sum(map(_syllables, words)) / len(words)
            - 15.59
        )
        assert grade <= 7.5, f"{slide.id}: grade {grade:.1f}"
