"""The help-center collection in Qdrant. The same code serves local mode and a server."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from qdrant_client import QdrantClient, models

DENSE = "dense"


class KnowledgeNotReady(RuntimeError):
    """The collection does not exist yet."""


@dataclass(frozen=True)
class StoredHit:
    """A search result: the similarity score and the stored payload."""

    score: float
    payload: dict[str, Any]


def open_client(url: str | None, path: str | None, api_key: str | None = None) -> QdrantClient:
    """A client for a Qdrant server (``url``) or for local mode under ``path``."""
    if url:
        return QdrantClient(url=url, api_key=api_key)
    return QdrantClient(path=path)


class KnowledgeStore:
    """One collection of chunks with a named dense vector."""

    def __init__(self, client: QdrantClient, collection: str) -> None:
        self.client = client
        self.collection = collection

    def exists(self) -> bool:
        """Whether the collection has been created (by `concierge ingest`)."""
        return self.client.collection_exists(self.collection)

    def ensure(self, dim: int) -> None:
        """Create the collection for vectors of size ``dim`` if it is missing."""
        if self.exists():
            return
        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
        )

    def ids_by_source(self) -> dict[str, set[str]]:
        """Every stored point id, grouped by the file it came from."""
        if not self.exists():
            return {}
        out: dict[str, set[str]] = {}
        offset = None
        while True:
            points, offset = self.client.scroll(self.collection, limit=512, offset=offset,
                                                with_payload=["source"], with_vectors=False)
            for p in points:
                out.setdefault(str((p.payload or {}).get("source")), set()).add(str(p.id))
            if offset is None:
                return out

    def upsert(self, ids: list[str], vectors: list[list[float]], payloads: list[dict[str, Any]]) -> None:
        """Insert or replace points."""
        points = [models.PointStruct(id=i, vector={DENSE: v}, payload=p)
                  for i, v, p in zip(ids, vectors, payloads, strict=True)]
        self.client.upsert(self.collection, points=points)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove points by id."""
        ids = list(ids)
        if ids:
            self.client.delete(self.collection, points_selector=models.PointIdsList(points=ids))

    def count(self) -> int:
        """How many chunks are stored."""
        return self.client.count(self.collection).count if self.exists() else 0

    def search(self, vector: list[float], limit: int) -> list[StoredHit]:
        """Nearest chunks to ``vector`` by cosine similarity."""
        if not self.exists():
            raise KnowledgeNotReady(f"The help-center collection '{self.collection}' does not exist yet: "
                                    "run `concierge ingest knowledge/corpus`.")
        res = self.client.query_points(self.collection, query=vector, using=DENSE, limit=limit, with_payload=True)
        return [StoredHit(score=p.score, payload=p.payload or {}) for p in res.points]
