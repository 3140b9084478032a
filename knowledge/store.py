"""The help-center collection in Qdrant. The same code serves local mode and a server or cluster.

One collection, one point per chunk, with a named dense vector (cosine) and a
named sparse vector (BM25 term weights; Qdrant applies IDF), and payload
indexes on ``locale`` and ``category`` for filtered search.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from qdrant_client import QdrantClient, models

DENSE, SPARSE = "dense", "sparse"
Mode = Literal["hybrid", "dense", "sparse"]
log = logging.getLogger(__name__)


class KnowledgeNotReady(RuntimeError):
    """The collection does not exist yet."""


@dataclass(frozen=True)
class StoredHit:
    """A search result: its rank score, its cosine similarity to the query, and its payload."""

    score: float
    similarity: float
    payload: dict[str, Any]


def open_client(url: str | None, path: str | None, api_key: str | None = None,
                read_only: bool = False) -> QdrantClient:
    """A client for a Qdrant server (``url``) or for local mode under ``path``.

    Local mode lets one process open a folder. ``read_only``: open a snapshot of it instead, taken now (in a
    temporary folder removed with the client), so that several server processes can serve one help center;
    what `concierge ingest` changes later reaches them when they restart (a Qdrant server has no such limit).
    """
    if url:
        return QdrantClient(url=url, api_key=api_key)
    if not read_only or path is None:
        return QdrantClient(path=path)
    snapshot = tempfile.mkdtemp(prefix="concierge-qdrant-")
    if Path(path).exists():
        shutil.copytree(path, snapshot, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".lock"))
    client = QdrantClient(path=snapshot)
    weakref.finalize(client, shutil.rmtree, snapshot, True)
    return client


def _filter(category: str | None, locale: str | None) -> models.Filter | None:
    must = [models.FieldCondition(key=k, match=models.MatchValue(value=v))
            for k, v in (("category", category), ("locale", locale)) if v]
    return models.Filter(must=must) if must else None


class KnowledgeStore:
    """One collection of help-center chunks."""

    def __init__(self, client: QdrantClient, collection: str) -> None:
        self.client = client
        self.collection = collection

    def exists(self) -> bool:
        """Whether the collection has been created (by `concierge ingest`)."""
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
            for field in ("locale", "category", "source"):
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

    def upsert(self, ids: list[str], dense: list[list[float]], sparse: list[tuple[list[int], list[float]]],
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

    def count(self) -> int:
        """How many chunks are stored."""
        return self.client.count(self.collection).count if self.exists() else 0

    def search(self, dense: list[float], sparse: tuple[list[int], list[float]], limit: int, *,
               mode: Mode = "hybrid", category: str | None = None, locale: str | None = None,
               candidates: int = 20) -> list[StoredHit]:
        """Best chunks for the query: dense, sparse, or both fused with reciprocal rank fusion.

        Every hit also carries its dense cosine similarity to the query, the
        calibrated relevance signal (RRF scores only rank).
        """
        if not self.exists():
            raise KnowledgeNotReady(f"The help-center collection '{self.collection}' does not exist yet: "
                                    "run `concierge ingest knowledge/corpus`.")
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


def _named(vector: Any) -> dict[str, Any]:
    """A point's named vectors (this store names all of them)."""
    return vector if isinstance(vector, dict) else {}
