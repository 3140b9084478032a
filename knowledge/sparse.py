"""BM25-style sparse vectors: term-frequency weights here, inverse document frequency in Qdrant.

A document's vector holds, per term, BM25's saturated term frequency
``tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))``; Qdrant's ``Modifier.IDF``
multiplies in the IDF at query time from the collection's own statistics,
so adding documents never requires re-weighting the old ones. A query's
vector marks each of its terms with weight 1.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter

K1, B = 1.2, 0.75
AVG_LEN = 80.0  # typical chunk length in terms; BM25 only needs a stable reference

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset("""
a an and are as at be but by can could do does did for from has have how i if in into is it its me my
of on or our so than that the their them then there these they this to was we were what when where which who
why will with would you your yours am been being he her him his she not no yes any some all just more most
about after before up down out over under again please hi hello thanks thank
el la los las un una unos unas y o de del al en por para con sin que es son mi mis su sus se lo le como
cuando donde qué cómo cuál puedo quiero tengo hay muy ya
""".split())
_SUFFIXES = ("ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "s")


def _fold(text: str) -> str:
    """Lowercase without accents: 'Cancelación' and 'cancelacion' are the same term."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _stem(word: str) -> str:
    """A deliberately light stemmer: plural and -ing/-ed forms meet their stem."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """The index terms of ``text``."""
    return [_stem(w) for w in _WORD.findall(_fold(text)) if w not in STOPWORDS]


def _index(term: str) -> int:
    return zlib.crc32(term.encode())  # stable across processes, unlike hash()


def document_vector(text: str) -> tuple[list[int], list[float]]:
    """Indices and BM25 term-frequency weights of a passage."""
    counts = Counter(terms(text))
    length = sum(counts.values()) or 1
    norm = K1 * (1 - B + B * length / AVG_LEN)
    weights: dict[int, float] = {}
    for term, tf in counts.items():
        weights[_index(term)] = weights.get(_index(term), 0.0) + tf * (K1 + 1) / (tf + norm)
    return list(weights), list(weights.values())


def query_vector(text: str) -> tuple[list[int], list[float]]:
    """Indices (weight 1 each) of a query's distinct terms."""
    indices = sorted({_index(t) for t in terms(text)})
    return indices, [1.0] * len(indices)
