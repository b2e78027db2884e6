"""Words a patient may not know are explained where a visitor meets them, the source's hedges
stay, and the Spanish uses one term for the provider.

A visitor can jump into any topic from the menu, so abbreviations and "provider" / "varicose
veins" are explained on the first slide of each topic that uses them. "Chronic" and "inflamed"
are explained where the deck first uses them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Slide, SlideKind

ROOT = Path(__file__).resolve().parents[2]
DECK = load_deck(ROOT / "slides")
SECTIONS = [section.title.get("en") for section in DECK.sections]

# term pattern -> a pattern that explains it on the same slide (lower-cased text)
PER_TOPIC: dict[str, dict[str, str]] = {
    "en": {
        r"\bcvi\b": r"chronic venous insufficiency",
        r"\bdvt\b": r"deep vein thrombosis",
        r"\bprovider\b": r"doctor or nurse",
        r"\bvaricose veins?\b": r"swollen, twisted veins? you can see",
    },
    "es": {
        r"\bivc\b": r"insuficiencia venosa crónica",
        r"\btvp\b": r"trombosis venosa profunda",
        r"\bvárices?\b": r"venas? hinchadas? y torcidas? que se (pueden ver|ven)",
    },
}
FIRST_IN_DECK: dict[str, dict[str, str]] = {
    "en": {
        r"\bchronic\b": r"chronic means it lasts a long time",
        r"\binflamed\b": r"inflamed \(red and sore\)",
        r"\bvenous\b": r"venous means it is about the veins",
        r"\binsufficiency\b": r"insufficiency means they do not work well enough",
        r"\bsyndrome\b": r"a syndrome is a group of signs",
        r"\bablation\b": r"ablation is another way to close a damaged vein",
    },
    "es": {
        r"\bcrónica\b": r"crónica quiere decir que dura mucho tiempo",
        r"\binflamad[ao]s?\b": r"inflamad[ao]s? \(roj[ao]s? y adolorid[ao]s?\)",
        r"\bvenosa\b": r"venosa quiere decir que es de las venas",
        r"\binsuficiencia\b": r"insuficiencia quiere decir que no funcionan",
        r"\bsíndrome\b": r"un síndrome es un grupo de señales",
        r"\bablación\b": r"la ablación es otra forma de cerrar una vena dañada",
    },
}


def slide_text(slide: Slide, language: str) -> str:
    parts = [text.get(language) for _path, text in slide.texts()]
    return "\n".join(parts).lower()


# Citations keep their published words; only the patient text is checked.
PATIENT_SLIDES = [s for s in DECK.slides if s.kind is not SlideKind.SOURCES]


def first_use(slides: list[Slide], term: str, language: str) -> Slide | None:
    return next((s for s in slides if re.search(term, slide_text(s, language))), None)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("section", SECTIONS)
def test_each_topic_explains_its_terms_where_it_first_uses_them(section, language):
    slides = [s for s in PATIENT_SLIDES if s.section.get("en") == section]
    for term, explanation in PER_TOPIC[language].items():
        slide = first_use(slides, term, language)
        if slide is not None:
            assert re.search(explanation, slide_text(slide, language)), (
                f"{slide.id} ({language}) is the first slide of {section!r} that says "
                f"{term!r} but does not explain it ({explanation!r})"
            )


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_deck_explains_hard_words_on_first_use(language):
    for term, explanation in FIRST_IN_DECK[language].items():
        slide = first_use(PATIENT_SLIDES, term, language)
        assert slide is not None, f"{term!r} is not used any more: drop it from this list"
        assert re.search(
            explanation, slide_text(slide, language)
        ), f"{slide.id} ({language}) first uses {term!r} without explaining it"


def test_a_topic_first_slide_with_an_unexplained_abbreviation_fails():
    """The check itself: a slide that says CVI without spelling it out is caught."""
    bad = Slide(
        id="x",
        kind=SlideKind.CALLOUT,
        title=DECK.slides[0].title,
        section=DECK.slides[0].section,
        origin=DECK.slides[0].origin,
        body=type(DECK.slides[0].title)({"en": "CVI can get worse.", "es": "La IVC empeora."}),
    )
    assert first_use([bad], r"\bcvi\b", "en") is bad
    assert not re.search(PER_TOPIC["en"][r"\bcvi\b"], slide_text(bad, "en"))


# -- hedges from the source page -------------------------------------------------------------

HEDGES = {
    "one-way-valves": r"blood can leak backward",
    "why-the-legs": r"can back up and pool",
    "habits-that-raise-risk": r"\bmay\b",
    "other-risks": r"\bmay\b",
    "skin-changes": r"\bmay\b",
    # Active voice ("your doctor or nurse may suggest") that keeps the source's "may".
    "compression-stockings": r"your doctor or nurse may suggest",
    "raise-your-legs": r"your doctor or nurse may ask you",
    "massage-and-movement": r"may suggest.*trained therapist",
    "skin-care": r"mineral bath treatments may help.*may suggest bandages",
    "sclerotherapy": r"your doctor or nurse may suggest sclerotherapy",
    "surgery": r"some possibilities include",
    "how-the-pain-feels": r"a dull ache",
}


@pytest.mark.parametrize(("slide_id", "hedge"), HEDGES.items())
def test_the_source_hedges_are_kept(slide_id, hedge):
    slide = next(s for s in DECK.slides if s.id == slide_id)
    assert re.search(hedge, slide_text(slide, "en"), re.DOTALL), f"{slide_id}: lost {hedge!r}"


def test_only_women_and_age_are_stated_as_facts():
    """The source says the other factors *may* raise the chance."""
    who = next(s for s in DECK.slides if s.id == "who-gets-cvi")
    assert [b.get("en") for b in who.bullets] == ["Women", "People age 50 and older"]
    causes = next(s for s in DECK.slides if s.id == "common-causes")
    # Valves missing from birth are not common: the causes are not called "common".
    assert "common" not in causes.title.get("en").lower()


# -- Spanish wording -------------------------------------------------------------------------


def test_spanish_says_doctor_or_nurse_not_provider():
    """ "Proveedor (de atención médica)" is US-government Spanish and reads as "supplier" in
    Mexican Spanish: patients say "su médico o enfermera"."""
    for slide in DECK.slides:
        assert "proveedor" not in slide_text(slide, "es"), slide.id
    said = [s.id for s in PATIENT_SLIDES if "médico o enfermera" in slide_text(s, "es")]
    assert len(said) >= 10, said


def test_english_says_damaged_vein_not_bad_vein():
    for slide in DECK.slides:
        assert not re.search(r"\bbad (vein|part)", slide_text(slide, "en")), slide.id


def test_spanish_uses_one_verb_pair_for_risk():
    """Risk goes up with "subir" and down with "bajar" (short, everyday words), never with
    "aumentar", "reducir", "elevar" or "disminuir" as well."""
    for slide in DECK.slides:
        text = slide_text(slide, "es")
        assert not re.search(r"\b(aument|reduc|elev|disminu)\w* su riesgo", text), slide.id
    risk = " ".join(slide_text(s, "es") for s in DECK.slides)
    assert "subir su riesgo" in risk and "bajar su riesgo" in risk


@pytest.mark.parametrize(
    ("slide_id", "spanish"),
    [
        ("how-cvi-is-found", r"cómo se diagnostica"),
        ("sclerotherapy", r"tejido cicatricial"),
        ("where-this-comes-from", r"añadimos datos de seguridad de:"),
        ("how-the-pain-feels", r"puede tener:"),
    ],
)
def test_spanish_polish(slide_id, spanish):
    slide = next(s for s in DECK.slides if s.id == slide_id)
    assert re.search(spanish, slide_text(slide, "es")), slide_id


@pytest.mark.parametrize(
    "wrong",
    [
        "hacen avanzar",
        "se escapa",
        "se atasca",
        "tejido de cicatriz",
        "baños minerales",  # reads as sparkling water
        "el mismo día",  # "hoy mismo" says today
        "en una emergencia,",  # drops "if you think you have an emergency"
    ],
)
def test_spanish_avoids_misleading_words(wrong):
    for slide in DECK.slides:
        assert wrong not in slide_text(slide, "es"), f"{slide.id}: {wrong!r}"
