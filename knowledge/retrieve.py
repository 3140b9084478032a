"""Search the help center and return chunks with what a citation needs."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.embeddings import Embedder
from knowledge.language_id import detect
from knowledge.sparse import primary, query_vector
from knowledge.store import KnowledgeStore, Mode

# A query as the store searches it: its dense vector, and its sparse one (indices, weights).
Vectors = tuple[list[float], tuple[list[int], list[float]]]

@dataclass(frozen=True)
class Hit:
    """A relevant chunk of a help-center article."""

    title: str
    url: str
    heading: str
    text: str
    score: float
    similarity: float
    locale: str = "en"
    category: str = ""

    @property
    def article(self) -> str:
        """The article's URL, without the section anchor."""
        return self.url.split("#", 1)[0]

    @property
    def snippet(self) -> str:
        """The chunk's text without its title line, shortened for display."""
        body = self.text.split("\n", 1)[-1].strip()
        return body if len(body) <= 240 else body[:237].rsplit(" ", 1)[0] + "…"

    def citation(self) -> dict[str, str]:
        """``{"title", "url"}`` as the API reports citations."""
        return {"title": self.title, "url": self.url}


def closest(hits: list[Hit], margin: float | None) -> list[Hit]:
    """The hits whose dense similarity is within ``margin`` of the best one's (all of them for None).

    What goes into an answer's prompt: each excerpt is prefill time, and a weaker match beside a strong one
    (a privacy article beside the cancellation policy) distracts a small model more than it helps.
    """
    if margin is None or not hits:
        return hits
    best = _best(hits)
    return [h for h in hits if h.similarity >= best - margin]


def _best(hits: list[Hit]) -> float:
    """The best dense similarity among ``hits`` (not always the first: fusion ranks by both vectors)."""
    return max(h.similarity for h in hits)


class Retriever:
    """Hybrid (dense + sparse, RRF-fused) search with a calibrated relevance threshold.

    Fused scores only rank; whether anything is relevant at all is decided by
    the best hit's dense cosine similarity against ``min_score``, calibrated on
    the labelled question set (`concierge eval retrieval`). Below it the answer
    step is told that the help center has nothing on the question.
    """

    def __init__(self, store: KnowledgeStore, embedder: Embedder, *, top_k: int = 4, min_score: float = 0.35,
                 mode: Mode = "hybrid") -> None:
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.min_score = min_score
        self.mode = mode

    def on(self, collection: str) -> Retriever:
        """The same search over another collection of the same Qdrant (a second brand's help center)."""
        return Retriever(self.store.on(collection), self.embedder, top_k=self.top_k, min_score=self.min_score,
                         mode=self.mode)

    def ranked(self, query: str, top_k: int | None = None, *, mode: Mode | None = None,
               category: str | None = None, locale: str | None = None) -> list[Hit]:
        """The best chunks for ``query``, best first, with no relevance threshold."""
        return self._ranked(self._vectors(query), top_k, mode=mode, category=category, locale=locale)

    def _vectors(self, query: str, language: str | None = None) -> Vectors:
        """The query's dense vector, and its sparse one analysed (stemmed, stopwords dropped) in the language
        the query is told to be in among the help center's; too short to tell, in ``language`` (the
        conversation's), else in every language the help center holds.

        On the labelled questions, telling the language beat analysing in every language (sparse recall@1 0.746
        against 0.737), and English alone was worst (0.665)."""
        held = {primary(loc) for loc in self.store.locales()}
        told = detect(query, held, previous=language)
        return self.embedder.embed_query(query), query_vector(query, [told] if told else held)

    def _ranked(self, vectors: Vectors, top_k: int | None = None, *, mode: Mode | None = None,
                category: str | None = None, locale: str | None = None) -> list[Hit]:
        hits = self.store.search(*vectors, top_k or self.top_k, mode=mode or self.mode, category=category,
                                 locale=locale)
        # Fusion ties often (first by one vector and second by the other is a tie either way round), and an
        # engine breaks them as it happens to: the closer dense match goes first, so a search ranks the same
        # every time.
        hits.sort(key=lambda h: (-h.score, -h.similarity))
        return [Hit(title=h.payload["title"], url=h.payload["url"], heading=h.payload.get("heading", ""),
                    text=h.payload["text"], score=h.score, similarity=h.similarity,
                    locale=h.payload.get("locale", "en"), category=h.payload.get("category", ""))
                for h in hits]

    def search(self, query: str, top_k: int | None = None, *, category: str | None = None,
               locale: str | None = None) -> list[Hit]:
        """Relevant chunks for ``query``, best first; empty when the help center has nothing on it."""
        # The same calibrated threshold decides "anything relevant?" and which chunks may be cited.
        return self._relevant(self._ranked(self._vectors(query), top_k, category=category, locale=locale))

    def search_in(self, query: str, language: str | None, margin: float) -> list[Hit]:
        """Relevant chunks for ``query``, those in ``language`` (a locale) when the help center has some about as
        relevant as the best match anywhere (within ``margin`` of its similarity).

        A small model answers in the language of its excerpts more than in the one it is asked to write: given
        English excerpts, the 1.5B answered French questions in English.
        """
        vectors = self._vectors(query, language)
        anywhere = self._relevant(self._ranked(vectors))
        if not language or not anywhere or all(h.locale == language for h in anywhere):
            return anywhere
        own = self._relevant(self._ranked(vectors, locale=language))
        return own if own and _best(own) >= _best(anywhere) - margin else anywhere

    def _relevant(self, hits: list[Hit]) -> list[Hit]:
        return [h for h in hits if h.similarity >= self.min_score]
