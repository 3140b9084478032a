"""Search the help center and return chunks with what a citation needs."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.embeddings import Embedder
from knowledge.store import KnowledgeStore


@dataclass(frozen=True)
class Hit:
    """A relevant chunk of a help-center article."""

    title: str
    url: str
    heading: str
    text: str
    score: float

    def citation(self) -> dict[str, str]:
        """``{"title", "url"}`` as the API reports citations."""
        return {"title": self.title, "url": self.url}


class Retriever:
    """Embeds a question and returns the chunks above the relevance threshold."""

    def __init__(self, store: KnowledgeStore, embedder: Embedder, *, top_k: int = 4, min_score: float = 0.35) -> None:
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.min_score = min_score

    def search(self, query: str, top_k: int | None = None) -> list[Hit]:
        """The best chunks for ``query``, best first; empty when nothing is relevant enough."""
        vector = self.embedder.embed([query])[0]
        hits = self.store.search(vector, top_k or self.top_k)
        return [Hit(title=h.payload["title"], url=h.payload["url"], heading=h.payload.get("heading", ""),
                    text=h.payload["text"], score=h.score)
                for h in hits if h.score >= self.min_score]
