"""The help-center collection: one interface, two engines with one layout.

- embedded (default): Qdrant Edge, Qdrant's own engine in this process (``knowledge/edge_store.py``), one
  shard per collection in a folder;
- a Qdrant server or cluster by URL through qdrant-client (``knowledge/server_store.py``), the way to scale.

Both hold one point per chunk with a named dense vector (cosine), a named sparse vector (BM25 term weights;
Qdrant applies IDF) and the chunk's payload, with keyword indexes on ``locale``, ``category`` and ``source``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from knowledge.sparse import Sparse

DENSE, SPARSE = "dense", "sparse"
INDEXED = ("locale", "category", "source")
Mode = Literal["hybrid", "dense", "sparse"]
RRF_K = 2  # reciprocal rank fusion's constant: a Qdrant server's default, so both engines rank alike


class KnowledgeNotReady(RuntimeError):
    """The collection does not exist yet."""

    def __init__(self, collection: str) -> None:
        super().__init__(f"The help-center collection '{collection}' does not exist yet: "
                         "run `concierge ingest knowledge/corpus`.")


class KnowledgeLocked(RuntimeError):
    """The embedded help center is open in another process (a running `concierge serve`)."""


@dataclass(frozen=True)
class StoredHit:
    """A search result: its rank score, its cosine similarity to the query, and its payload."""

    score: float
    similarity: float
    payload: dict[str, Any]


class KnowledgeStore(Protocol):
    """One collection of help-center chunks, whichever engine holds it."""

    collection: str

    def on(self, collection: str) -> KnowledgeStore:
        """Another collection of the same engine (a second brand's help center)."""
        ...

    def exists(self) -> bool:
        """Whether the collection has been created (by `concierge ingest`)."""
        ...

    def ensure(self, dim: int) -> None:
        """Create the collection for dense vectors of size ``dim`` if it is missing."""
        ...

    def ids_by_source(self) -> dict[str, set[str]]:
        """Every stored point id, grouped by the file it came from."""
        ...

    def upsert(self, ids: list[str], dense: list[list[float]], sparse: list[Sparse],
               payloads: list[dict[str, Any]]) -> None:
        """Insert or replace points."""
        ...

    def delete(self, ids: Iterable[str]) -> None:
        """Remove points by id."""
        ...

    def settle(self) -> None:
        """After a batch of changes (an ingest): make them durable and indexed before searches rely on them."""
        ...

    def count(self) -> int:
        """How many chunks are stored (0 when the collection does not exist)."""
        ...

    def locales(self) -> set[str]:
        """The locales of the stored chunks: the languages a query is analysed in."""
        ...

    def search(self, dense: list[float], sparse: Sparse, limit: int, *, mode: Mode = "hybrid",
               category: str | None = None, locale: str | None = None, candidates: int = 20) -> list[StoredHit]:
        """Best chunks for the query: dense, sparse, or both fused with reciprocal rank fusion.

        Every hit also carries its dense cosine similarity to the query, the calibrated relevance signal
        (fused scores only rank). Raises :class:`KnowledgeNotReady` when the collection does not exist.
        """
        ...

    def close(self) -> None:
        """Release the engine (the embedded one's files and lock)."""
        ...


def open_store(url: str | None, path: str, collection: str, api_key: str | None = None,
               read_only: bool = False) -> KnowledgeStore:
    """The Qdrant server at ``url``, or the embedded engine in the folder ``path``.

    ``read_only`` (embedded only): serve a copy of the folder taken now, so that several server processes can
    serve one help center; what `concierge ingest` changes later reaches them when they restart.
    """
    if url:
        from knowledge.server_store import ServerStore, connect

        return ServerStore(connect(url, api_key), collection)
    from knowledge.edge_store import EdgeStore

    return EdgeStore.open(path, collection, snapshot=read_only)
