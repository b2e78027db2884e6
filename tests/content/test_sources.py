"""Patients see where the deck comes from in plain words; the full list lives in the docs.

Journal citations ("Cochrane Database Syst Rev. 2009;(1):CD000265.") and web addresses
hard-wrapped into ragged lines are of no use on a waiting-room screen. The deck has one short
"where this comes from" slide naming publishers; docs/sources.md keeps every reference and
address, and says which statements a clinician must confirm.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import SlideKind

ROOT = Path(__file__).resolve().parents[2]
DECK = load_deck(ROOT / "slides")
SOURCES_DOC = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")

ADDRESS = re.compile(r"https?://|www\.|\b[\w-]+\.(gov|org|com|net|uk|nz|htm|html)\b", re.I)
JOURNAL = re.compile(r"\b(19|20)\d\d;|\bet al\b|Syst Rev|J Vasc Surg|Arch Phys Med|Accessed ")

# The source page's references, exactly as it gives them (shared/content/cvi-source.txt).
REFERENCES = [
    "Chronic venous insufficiency. Vascular Web website. Updated January 2011. Accessed June 29, 2015.",
    "O'Meara S, Cullum N, Nelson E. Compression for venous leg ulcers. Cochrane Database Syst",
    "Rev. 2009;(1):CD000265.",
    "Carpentier PH, Satger B. Randomized trial of balneotherapy associated with patient",
    "J Vasc Surg. 2009;49:163-170.",
    "dos Santos Crisóstomo RS, Costo DS, et al. Influence of manual lymphatic drainage on",
    "Arch Phys Med Rehabil. 2015 Feb;96(2):283-291.",
]
ORGANIZATIONS = [
    "National Heart, Lung, and Blood Institute",
    "Vascular Disease Foundation",
    "Canadian Society for Vascular Surgery",
    "Health Canada",
]
# Every source of an added fact, with its address.
ADDED = [
    "https://medlineplus.gov/ency/article/000203.htm",
    "https://medlineplus.gov/spanish/ency/article/000203.htm",
    "https://medlineplus.gov/pulmonaryembolism.html",
    "https://medlineplus.gov/ency/article/001109.htm",
    "https://www.cdc.gov/ncbddd/dvt/infographic-risk.html",
    "https://www.nhlbi.nih.gov/health/venous-thromboembolism",
    "https://www.webmd.com/lung/pulmonary-embolism-symptoms",
    "https://cardiosmart.org/topics/peripheral-artery-disease/signs-and-symptoms",
    "https://guysandstthomas.nhs.uk/health-information/compression-stockings",
    "https://info.health.nz/conditions-treatments/blood/peripheral-vascular-disease/acute-limb-ischaemia",
    "Derbyshire Joint Area Prescribing Committee",
    "St John Ambulance",
    "Asthma + Lung UK",
]


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_slide_shows_an_address_or_a_journal_citation(language):
    for slide in DECK.slides:
        for path, text in slide.texts():
            words = text.get(language)
            assert not ADDRESS.search(words), f"{slide.id}.{path} ({language}): {words!r}"
            assert not JOURNAL.search(words), f"{slide.id}.{path} ({language}): {words!r}"


def test_the_patterns_catch_what_they_are_for():
    assert ADDRESS.search("medlineplus.gov/ency/\narticle/000203.htm")
    assert JOURNAL.search("Cochrane Database Syst Rev. 2009;(1):CD000265.")
    assert not ADDRESS.search("MedlinePlus, from the U.S. National Library of Medicine")


def test_one_short_sources_slide():
    sources = [s for s in DECK.slides if s.kind is SlideKind.SOURCES]
    assert [s.id for s in sources] == ["where-this-comes-from"]
    for language in ("en", "es"):
        words = " ".join(t.get(language) for _p, t in sources[0].texts()).split()
        assert len(words) <= 80, f"{language}: {len(words)} words"


@pytest.mark.parametrize("entry", REFERENCES + ORGANIZATIONS + ADDED)
def test_the_full_list_is_in_the_docs(entry):
    assert entry in SOURCES_DOC


def test_the_docs_say_a_clinician_must_review_the_deck():
    assert "A clinician must review the whole deck for your clinic before use." in SOURCES_DOC
    assert "Clinician to confirm" in SOURCES_DOC
