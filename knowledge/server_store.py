"""The help center on a Qdrant server or cluster, through qdrant-client: the way to scale past one machine.

qdrant-client's local mode (``QdrantClient(path=…)``) speaks the same API in-process; the tests use it to
exercise this code where no Qdrant server can be installed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models

from knowledge.sparse import Sparse
from knowledge.store import DENSE, INDEXED, SPARSE, KnowledgeNotReady, KnowledgeStore, Mode, StoredHit


def connect(url: str, api_key: str | None = None) -> QdrantClient:
    """A client for the Qdrant server or cluster at ``url``."""
    return QdrantClient(url=url, api_key=api_key)


def _filter(category: str | None, locale: str | None) -> models.Filter | None:
    must = [models.FieldCondition(key=k, match=models.MatchValue(value=v))
            for k, v in (("category", category), ("locale", locale)) if v]
    return models.Filter(must=must) if must else None


class ServerStore:
    """One collection of help-center chunks on a Qdrant server."""

    def __init__(self, client: QdrantClient, collection: str) -> None:
        self.client = client
        self.collection = collection

    def on(self, collection: str) -> KnowledgeStore:
        """Another collection of the same server."""
        return ServerStore(self.client, collection)

    def exists(self) -> bool:
        """Whether the collection has been created."""
        return self.client.collection_exists(self.collection)

    def ensure(self, dim: int) -> None:
        """Create the collection for dense vectors of size ``dim`` if it is missing."""
        if self.exists():
            return
        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        with warnings.catch_warnings():  # local mode has no payload indexes and says so; a server uses them
            warnings.simplefilter("ignore")
            for field in INDEXED:
                self.client.create_payload_index(self.collection, field, models.PayloadSchemaType.KEYWORD)

    def ids_by_source(self) -> dict[str, set[str]]:
        """Every stored point id, grouped by the file it came from."""
        if not self.exists():
            return {}
        out: dict[str, set[str]] = {}
        offset = None
        while True:
            points, offset = self.client.scroll(self.collection, limit=1024, offset=offset,
                                                with_payload=["source"], with_vectors=False)
            for p in points:
                out.setdefault(str((p.payload or {}).get("source")), set()).add(str(p.id))
            if offset is None:
                return out

    def upsert(self, ids: list[str], dense: list[list[float]], sparse: list[Sparse],
               payloads: list[dict[str, Any]]) -> None:
        """Insert or replace points."""
        points = [models.PointStruct(id=i, payload=p, vector={
            DENSE: d, SPARSE: models.SparseVector(indices=s[0], values=s[1])})
            for i, d, s, p in zip(ids, dense, sparse, payloads, strict=True)]
        self.client.upsert(self.collection, points=points)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove points by id."""
        ids = list(ids)
        if ids:
            self.client.delete(self.collection, points_selector=models.PointIdsList(points=ids))

    def settle(self) -> None:
        """Nothing to do: a Qdrant server flushes and indexes on its own."""

    def count(self) -> int:
        """How many chunks are stored."""
        return self.client.count(self.collection).count if self.exists() else 0

    def locales(self) -> set[str]:
        """The locales of the stored chunks."""
        if not self.exists():
            return set()
        return {str(h.value) for h in self.client.facet(self.collection, key="locale", limit=1000).hits}

    def search(self, dense: list[float], sparse: Sparse, limit: int, *, mode: Mode = "hybrid",
               category: str | None = None, locale: str | None = None, candidates: int = 20) -> list[StoredHit]:
        """Best chunks for the query (see :meth:`KnowledgeStore.search`)."""
        if not self.exists():
            raise KnowledgeNotReady(self.collection)
        flt = _filter(category, locale)
        sparse_query = models.SparseVector(indices=sparse[0], values=sparse[1])
        common: dict[str, Any] = {"limit": limit, "with_payload": True, "with_vectors": [DENSE]}
        if mode == "dense":
            res = self.client.query_points(self.collection, query=dense, using=DENSE, query_filter=flt, **common)
        elif mode == "sparse":
            if not sparse[0]:
                return []
            res = self.client.query_points(self.collection, query=sparse_query, using=SPARSE, query_filter=flt,
                                           **common)
        else:
            prefetch = [models.Prefetch(query=dense, using=DENSE, limit=candidates, filter=flt)]
            if sparse[0]:
                prefetch.append(models.Prefetch(query=sparse_query, using=SPARSE, limit=candidates, filter=flt))
            res = self.client.query_points(self.collection, prefetch=prefetch,
                                           query=models.FusionQuery(fusion=models.Fusion.RRF), **common)
        q = np.asarray(dense, dtype=np.float32)
        return [StoredHit(score=p.score, payload=p.payload or {},
                          similarity=float(np.dot(q, np.asarray(_named(p.vector)[DENSE], dtype=np.float32))))
                for p in res.points]

    def close(self) -> None:
        """Close the client."""
        self.client.close()


def _named(vector: Any) -> dict[str, Any]:
    """A point's named vectors (this store names all of them)."""
    return vector if isinstance(vector, dict) else {}
