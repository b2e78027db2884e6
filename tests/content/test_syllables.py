"""The syllable counts behind the readability scores: known words, the fallback rules, Spanish
diphthongs and hiatus, acronyms and numbers, and the two formulas on hand-counted text."""

from __future__ import annotations

import pytest

from tests import readability as r


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        # From the CMU Pronouncing Dictionary.
        ("emergency", 4),  # textstat 0.7.3 said 2
        ("chronic", 2),
        ("provider", 3),
        ("inflamed", 2),
        ("thrombosis", 3),
        ("ablation", 3),
        ("ultrasound", 3),
        ("the", 1),
        # Not in the dictionary: stem + suffix, then vowel groups.
        ("varicose", 3),  # textstat 0.7.3 said 1
        ("sclerotherapy", 5),
        ("girdles", 2),
        ("crampy", 2),
        ("post-thrombotic", 4),
        # Acronyms are spelled out; numbers read as words.
        ("CVI", 3),
        ("DVT", 3),
        ("WHO", 5),
        ("50", 2),
        ("911", 3),
    ],
)
def test_english_syllables(word, expected):
    assert r.syllables(word, "en") == expected


def test_english_rule_for_unknown_words():
    # Silent final e, "-le" after a consonant, "-es"/"-ed" that add no syllable.
    assert r._english_rule("glurbose") == 2
    assert r._english_rule("bindle") == 2
    assert r._english_rule("glokes") == 1
    assert r._english_rule("plinked") == 1
    assert r._english_rule("plinted") == 2


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("venas", 2),
        ("insuficiencia", 5),  # in-su-fi-cien-cia: two diphthongs
        ("crónica", 3),
        ("várices", 3),
        ("día", 2),  # an accented í breaks the diphthong: dí-a
        ("país", 2),
        ("reír", 2),
        ("aorta", 3),  # two strong vowels: hiatus
        ("leer", 2),
        ("cuidar", 2),  # ui: diphthong
        ("piernas", 2),
        ("que", 1),  # silent u
        ("guerra", 2),
        ("pingüino", 3),  # ü is said
        ("hoy", 1),
        ("muy", 1),
        ("y", 1),
        ("cohete", 3),  # h between vowels is silent; o-e is still a hiatus
        ("prohíbe", 3),
        ("cicatricial", 4),
        ("escleroterapia", 6),
        ("Ablación", 3),
        ("IVC", 4),  # i-uve-ce
        ("TVP", 4),  # te-uve-pe
        ("50", 3),  # cin-cuen-ta
        ("911", 6),  # nue-ve u-no u-no
    ],
)
def test_spanish_syllables(word, expected):
    assert r.syllables(word, "es") == expected


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="fr"):
        r.syllables("bonjour", "fr")


def test_flesch_kincaid_on_hand_counted_text():
    # 2 sentences, 8 words, 10 syllables: "Veins (1) carry (2) blood (1). Valves (1) keep (1)
    # it (1) moving (2) up (1)."
    text = "Veins carry blood. Valves keep it moving up."
    c = r.counts(text, "en")
    assert (c.sentences, c.words, c.syllables) == (2, 8, 10)
    assert r.flesch_kincaid_grade(text) == pytest.approx(0.39 * 4 + 11.8 * 10 / 8 - 15.59)


def test_fernandez_huerta_on_hand_counted_text():
    # 1 sentence, 4 words: "Las (1) ve-nas (2) lle-van (2) san-gre (2)" = 7 syllables.
    text = "Las venas llevan sangre."
    c = r.counts(text, "es")
    assert (c.sentences, c.words, c.syllables) == (1, 4, 7)
    assert r.fernandez_huerta(text) == pytest.approx(206.84 - 60 * 7 / 4 - 1.02 * 4)


def test_text_without_words_is_refused():
    with pytest.raises(ValueError, match="no words"):
        r.counts(" ... ", "en")


def test_inflesz_on_hand_counted_text():
    # 4 words, 6 syllables (la, ca-sa, es, ro-ja), 1 sentence: 206.835 - 62.3 x 1.5 - 4.
    assert r.inflesz("La casa es roja.") == pytest.approx(206.835 - 62.3 * 1.5 - 4)


def test_long_word_share_leaves_out_acronyms_and_numbers():
    # "enfermera" (en-fer-me-ra) is the one long word of five; IVC and 911 are not counted.
    assert r.long_word_share("Llame a su enfermera hoy", "es") == pytest.approx(1 / 5)
    assert r.long_word_share("Llame a su enfermera hoy: IVC, 911", "es") == pytest.approx(1 / 5)
    assert r.long_word_share("Call your provider", "en") == pytest.approx(1 / 3)
