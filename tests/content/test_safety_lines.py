"""The safety lines a clinical review asked for (issue 19) stay in the deck, in every language.

Each line is a fact a patient could get wrong after reading the deck: a warning before
compression stockings, how pain from veins differs from pain from arteries, first aid for a
bleeding vein, when to call 911 or the same day. Each is checked on the slide that teaches it,
in English and in Spanish, by patterns loose enough to allow rewording but not dropping the
point. Where each comes from: docs/sources.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Slide

ROOT = Path(__file__).resolve().parents[2]
DECK = load_deck(ROOT / "slides")

# (slide id, what it says, English pattern, Spanish pattern); patterns are searched in the
# lower-cased text of the slide (title, body, bullets), across lines.
SAFETY: list[tuple[str, str, str, str]] = [
    (
        "stockings-not-for-everyone",
        "ask first: stockings are not safe for everyone",
        r"not safe for everyone.*ask your doctor or nurse before",
        r"no son seguras para todos.*pregunte a su médico o enfermera antes",
    ),
    (
        "stockings-not-for-everyone",
        "poor blood flow in the leg arteries",
        r"poor blood flow in the arteries",
        r"mala circulación en las arterias",
    ),
    (
        "stockings-not-for-everyone",
        "numb feet, as with diabetes",
        r"numb.*diabetes",
        r"adormecidos.*diabetes",
    ),
    (
        "wearing-stockings",
        "fitted, on in the morning, off at night",
        r"fitted.*on in the morning.*off at night",
        r"a la medida.*en la mañana.*quíteselas en la noche",
    ),
    (
        "wearing-stockings",
        "toes cold, blue, numb or painful: take them off and call",
        r"toes cold, blue, numb or painful\? take the stockings off.*call your doctor or nurse",
        r"dedos fríos, azules, adormecidos o con dolor\? quítese las medias.*llame a su médico",
    ),
    (
        "skin-care",
        "stockings for skin: ask first",
        r"stockings may help skin heal\.\nask your doctor or nurse before you use them",
        r"medias de compresión pueden ayudar.*pregunte a su médico o enfermera antes de usarlas",
    ),
    (
        "signs-in-your-legs",
        "pain worse when standing (MedlinePlus)",
        r"pain that gets worse when you stand",
        r"dolor de piernas que empeora al estar de pie",
    ),
    (
        "how-the-pain-feels",
        "worse when standing, better with legs raised (MedlinePlus)",
        r"worse when you stand.*better when you raise your legs",
        r"empeorar al estar de pie.*mejorar al levantar las piernas",
    ),
    (
        "pain-when-you-walk",
        "walking pain that stops with rest: tell a provider",
        r"hurt when you walk, and stop when you rest\? tell your doctor or nurse",
        r"duele la pierna al caminar y se le quita al descansar\? dígaselo a su médico",
    ),
    (
        "massage-and-movement",
        "no massage on a leg that may have a clot",
        r"do not massage a leg that may have a blood clot",
        r"no se dé masajes en una pierna que pueda tener un coágulo",
    ),
    (
        "emergency",
        "911 for fainting or feeling faint",
        r"call 911.*fainting, or feeling faint",
        r"llame al 911.*desmayarse o sentir que se va a desmayar",
    ),
    (
        "emergency",
        "911 for a fast or uneven heartbeat",
        r"call 911.*fast or uneven heartbeat",
        r"llame al 911.*latidos del corazón rápidos o irregulares",
    ),
    (
        "emergency-cold-leg",
        "911 for a leg or foot suddenly cold, pale, blue or numb",
        r"call 911 now if a leg or foot suddenly turns.*cold, pale or blue.*numb",
        r"llame al 911 ya si una pierna o un pie de repente se pone.*frío, pálido o azul.*adormecido",
    ),
    (
        "call-the-same-day",
        "same day: fever",
        r"fever",
        r"fiebre",
    ),
    (
        "if-you-cannot-reach-them",
        "same day: urgent care when the provider cannot be reached",
        r"cannot reach them today\?.*go to urgent care",
        r"no logra hablar con ellos hoy\?.*vaya a una clínica de urgencias",
    ),
    (
        "if-you-cannot-reach-them",
        "same day: in the clinic now, tell the front desk",
        r"have one of these signs now\? tell the front desk",
        r"tiene una de estas señales ahora\? avise en la recepción",
    ),
    (
        "if-a-vein-bleeds",
        "bleeding vein, in St John Ambulance's order",
        r"lie down and raise your leg.*press hard with a clean cloth for 10 minutes without lifting"
        r".*take off tight socks or garters.*call 911 if it bleeds a lot or does not stop"
        r".*even if it stops, see your doctor or nurse.*it can bleed again",
        r"acuéstese y levante la pierna.*presione fuerte con un paño limpio por 10 minutos\. no"
        r" lo levante.*quítese los calcetines apretados o las ligas.*llame al 911 si sangra mucho"
        r" o no para.*aunque pare, vea a su médico o enfermera.*puede volver a sangrar",
    ),
    (
        "disclaimer",
        "the emergency line: if you think you have an emergency",
        r"if you think you have an emergency, call 911",
        r"si cree que tiene una emergencia, llame al 911",
    ),
]


def slide_text(slide: Slide, language: str) -> str:
    return "\n".join(text.get(language) for _path, text in slide.texts()).lower()


def find(slide_id: str) -> Slide:
    slide = next((s for s in DECK.slides if s.id == slide_id), None)
    assert slide is not None, f"the slide {slide_id!r} that carries a safety line is gone"
    return slide


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("slide_id", "line", "english", "spanish"), SAFETY, ids=[f"{s}: {w}" for s, w, _, _ in SAFETY]
)
def test_the_safety_line_is_on_its_slide(slide_id, line, english, spanish, language):
    pattern = english if language == "en" else spanish
    text = slide_text(find(slide_id), language)
    assert re.search(pattern, text, re.DOTALL), f"{slide_id} ({language}) lost: {line}"


def test_a_dropped_safety_line_is_caught():
    """The check itself: the bleeding slide without its last step no longer matches."""
    slide = find("if-a-vein-bleeds")
    _id, _line, english, _spanish = next(row for row in SAFETY if row[0] == slide.id)
    text = slide_text(slide, "en")
    assert re.search(english, text, re.DOTALL)
    assert not re.search(english, text.replace("it can bleed again", ""), re.DOTALL)


def test_no_slide_sends_a_bleeding_vein_only_to_medical_help():
    """The old under-triaged line ('get medical help right away') must not come back."""
    for slide in DECK.slides:
        assert "get medical help right away" not in slide_text(slide, "en"), slide.id
