"""The help center embedded in this process on Qdrant Edge: Qdrant's own engine (HNSW, sparse inverted index,
payload indexes, prefetch + fusion), one shard per collection under one folder.

A shard is open in one process at a time (its write-ahead log is locked). The server opens it for the life of
the process, and `concierge ingest` reaches a running server through its admin endpoint; several server
processes each serve a copy taken at start (``snapshot``).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_edge import (
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeShard,
    EdgeSparseVectorParams,
    EdgeVectorParams,
    FacetRequest,
    FieldCondition,
    Filter,
    Fusion,
    MatchValue,
    Modifier,
    PayloadSchemaType,
    Point,
    Prefetch,
    Query,
    QueryRequest,
    ScrollRequest,
    SparseVector,
    UpdateOperation,
)

from knowledge.sparse import Sparse
from knowledge.store import (
    DENSE,
    INDEXED,
    RRF_K,
    SPARSE,
    KnowledgeLocked,
    KnowledgeNotReady,
    KnowledgeStore,
    Mode,
    StoredHit,
)

CONFIG_FILE = "edge_config.json"  # what EdgeShard.create writes first: its presence means the shard exists


class _Shards:
    """The open shards under one folder, shared by every collection's store (opened on first use)."""

    def __init__(self, root: Path, cleanup: weakref.finalize | None = None) -> None:
        self.root = root
        self.open: dict[str, EdgeShard] = {}
        self.locales: dict[str, set[str]] = {}  # per collection, until it next changes
        self.lock = threading.Lock()
        self._cleanup = cleanup

    def folder(self, collection: str) -> Path:
        return self.root / collection

    def get(self, collection: str, config: EdgeConfig | None = None) -> EdgeShard | None:
        """The collection's shard, created with ``config`` when given and missing; None if it does not exist."""
        with self.lock:
            if collection in self.open:
                return self.open[collection]
            folder = self.folder(collection)
            exists = (folder / CONFIG_FILE).exists()
            if not exists and config is None:
                return None
            try:
                shard = EdgeShard.load(str(folder)) if exists else EdgeShard.create(str(folder), config)  # type: ignore[arg-type]
            except Exception as exc:  # the engine raises a bare Exception; the lock is the one we can name
                if "WouldBlock" in str(exc):
                    raise KnowledgeLocked(
                        f"The help center in {folder} is open in another process (a running `concierge serve` or "
                        "`concierge ingest`): ingest through the server with `concierge ingest --server URL …`, "
                        "or stop it first.") from None
                raise
            self.open[collection] = shard
            return shard

    def close(self) -> None:
        with self.lock:
            for shard in self.open.values():
                shard.close()
            self.open.clear()
        if self._cleanup:
            self._cleanup()


def _filter(category: str | None, locale: str | None) -> Filter | None:
    must: list[Any] = [FieldCondition(key=k, match=MatchValue(v)) for k, v in (("category", category),
                                                                               ("locale", locale)) if v]
    return Filter(must=must) if must else None


def _sparse(vector: Sparse) -> SparseVector:
    return SparseVector(indices=vector[0], values=vector[1])


class EdgeStore:
    """One collection of help-center chunks in a Qdrant Edge shard."""

    def __init__(self, shards: _Shards, collection: str) -> None:
        self._shards = shards
        self.collection = collection

    @classmethod
    def open(cls, path: str | Path, collection: str, *, snapshot: bool = False) -> EdgeStore:
        """The collections under the folder ``path`` (or, with ``snapshot``, under a copy of it taken now)."""
        root = Path(path)
        if not snapshot:
            store = cls(_Shards(root), collection)
            store._shard()  # opened now, so a folder another process holds is said at start, not on a question
            return store
        copy = Path(tempfile.mkdtemp(prefix="concierge-help-center-"))
        if root.exists():
            shutil.copytree(root, copy, dirs_exist_ok=True)
        shards = _Shards(copy)
        shards._cleanup = weakref.finalize(shards, shutil.rmtree, copy, True)
        return cls(shards, collection)

    @property
    def folder(self) -> Path:
        """Where this collection's shard lives."""
        return self._shards.folder(self.collection)

    def on(self, collection: str) -> KnowledgeStore:
        """Another collection under the same folder."""
        return EdgeStore(self._shards, collection)

    def _shard(self) -> EdgeShard | None:
        return self._shards.get(self.collection)

    def _ready(self) -> EdgeShard:
        shard = self._shard()
        if shard is None:
            raise KnowledgeNotReady(self.collection)
        return shard

    def exists(self) -> bool:
        """Whether the collection has been created."""
        return self._shard() is not None

    def ensure(self, dim: int) -> None:
        """Create the collection for dense vectors of size ``dim`` if it is missing."""
        if self.exists():
            return
        config = EdgeConfig(vectors={DENSE: EdgeVectorParams(size=dim, distance=Distance.Cosine)},
                            sparse_vectors={SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf)})
        shard = self._shards.get(self.collection, config)
        assert shard is not None  # created just now
        for field in INDEXED:
            shard.update(UpdateOperation.create_field_index(field, PayloadSchemaType.Keyword))

    def ids_by_source(self) -> dict[str, set[str]]:
        """Every stored point id, grouped by the file it came from."""
        shard = self._shard()
        out: dict[str, set[str]] = {}
        offset = None
        while shard is not None:
            points, offset = shard.scroll(ScrollRequest(offset=offset, limit=1024, with_payload=["source"],
                                                        with_vector=False))
            for p in points:
                out.setdefault(str((p.payload or {}).get("source")), set()).add(str(p.id))
            if offset is None:
                break
        return out

    def upsert(self, ids: list[str], dense: list[list[float]], sparse: list[Sparse],
               payloads: list[dict[str, Any]]) -> None:
        """Insert or replace points (written to the shard's log before this returns)."""
        points = [Point(id=i, vector={DENSE: d, SPARSE: _sparse(s)}, payload=p)
                  for i, d, s, p in zip(ids, dense, sparse, payloads, strict=True)]
        self._ready().update(UpdateOperation.upsert_points(points))
        self._shards.locales.pop(self.collection, None)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove points by id."""
        ids = list(ids)
        if ids:
            self._ready().update(UpdateOperation.delete_points(ids))  # type: ignore[arg-type]
            self._shards.locales.pop(self.collection, None)

    def settle(self) -> None:
        """Flush to disk and build the indexes (HNSW) for what was written: after an ingest, not per batch."""
        shard = self._ready()
        shard.optimize()
        shard.flush()

    def count(self) -> int:
        """How many chunks are stored."""
        shard = self._shard()
        return shard.count(CountRequest(exact=True)) if shard else 0

    def locales(self) -> set[str]:
        """The locales of the stored chunks (asked of the shard once per change: every query needs them)."""
        cached = self._shards.locales.get(self.collection)
        if cached is not None:
            return cached
        shard = self._shard()
        if shard is None:
            return set()
        found = {str(h.value) for h in shard.facet(FacetRequest(key="locale", limit=1000, exact=True))}
        self._shards.locales[self.collection] = found
        return found

    def search(self, dense: list[float], sparse: Sparse, limit: int, *, mode: Mode = "hybrid",
               category: str | None = None, locale: str | None = None, candidates: int = 20) -> list[StoredHit]:
        """Best chunks for the query (see :meth:`KnowledgeStore.search`)."""
        shard = self._ready()
        flt = _filter(category, locale)
        common: dict[str, Any] = {"limit": limit, "with_payload": True, "with_vector": [DENSE]}
        if mode == "dense":
            request = QueryRequest(query=Query.Nearest(dense, using=DENSE), filter=flt, **common)
        elif mode == "sparse":
            if not sparse[0]:
                return []
            request = QueryRequest(query=Query.Nearest(_sparse(sparse), using=SPARSE), filter=flt, **common)
        else:
            prefetch = [Prefetch(limit=candidates, query=Query.Nearest(dense, using=DENSE), filter=flt)]
            if sparse[0]:
                prefetch.append(Prefetch(limit=candidates, query=Query.Nearest(_sparse(sparse), using=SPARSE),
                                         filter=flt))
            request = QueryRequest(prefetches=prefetch, query=Fusion.Rrf(k=RRF_K), **common)  # type: ignore[arg-type]  # the stub omits Fusion's variants
        q = np.asarray(dense, dtype=np.float32)
        return [StoredHit(score=p.score, payload=p.payload or {},
                          similarity=float(np.dot(q, np.asarray((p.vector or {})[DENSE], dtype=np.float32))))  # type: ignore[call-overload]
                for p in shard.query(request)]

    def close(self) -> None:
        """Close every shard opened under this folder (a snapshot's copy is removed)."""
        self._shards.close()
