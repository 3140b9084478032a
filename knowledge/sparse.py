"""BM25 sparse vectors, analysed per language by Qdrant's own BM25 (``qdrant_edge.Bm25``).

A passage is analysed in its article's language: Snowball stemming and that language's stopwords, accents
folded, so "cancel", "cancelled" and "cancellation" meet, and so do "cancelación" and "cancelacion". Its
vector holds BM25's saturated term frequency per term; the collection's ``Modifier.IDF`` multiplies in the
inverse document frequency at query time, so adding documents never re-weights the old ones. Term ids are
Qdrant's own hashes, so the same vectors serve Qdrant Edge and a Qdrant server alike.

A query is analysed in every language the help center holds and the terms united: no guess at its
language is needed, and a term stemmed the wrong way matches nothing it should not.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from qdrant_edge import Bm25, Bm25Config

Sparse = tuple[list[int], list[float]]
K1, B = 1.2, 0.75
AVG_LEN = 80.0  # typical chunk length in terms; BM25 only needs a stable reference
FALLBACK = "en"  # a locale Qdrant's BM25 has no stemmer for is analysed as English


@cache
def _analyser(language: str) -> Bm25:
    """The BM25 model for a primary language subtag ("es" of "es-MX")."""
    try:
        return Bm25(Bm25Config(k=K1, b=B, avg_len=AVG_LEN, language=language, ascii_folding=True))
    except ValueError:
        return _analyser(FALLBACK)


def primary(locale: str | None) -> str:
    """The primary language subtag of a locale, lower-case ("pt" of "pt-BR"); English when there is none."""
    return (locale or FALLBACK).replace("_", "-").split("-", 1)[0].lower() or FALLBACK


def document_vector(text: str, locale: str | None = None) -> Sparse:
    """Indices and BM25 term-frequency weights of a passage written in ``locale``."""
    vector = _analyser(primary(locale)).embed_document(text)
    return list(vector.indices), list(vector.values)


def query_vector(text: str, locales: Iterable[str] = (FALLBACK,)) -> Sparse:
    """Indices (weight 1 each) of a query's distinct terms, analysed in each of ``locales``."""
    indices = sorted({i for lang in {primary(loc) for loc in locales} or {FALLBACK}
                      for i in _analyser(lang).embed_query(text).indices})
    return indices, [1.0] * len(indices)
