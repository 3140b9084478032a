"""Retrieval speed: ingest throughput and query latency at growing collection sizes, on the embedded engine
(Qdrant Edge).

Ingest is measured end to end (chunking excluded) with the real embedder on
real-looking chunks, with the time split between embedding and the store. For
the large sizes the dense vectors are random unit vectors and the texts
synthetic (sampled from the corpus vocabulary): that measures the store, which
is what grows, without spending an hour embedding.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.articles import chunk_article, read_article
from knowledge.embeddings import Embedder
from knowledge.ingest import find_files
from knowledge.sparse import document_vector, query_vector
from knowledge.store import open_store

BATCH = 512


def _vocabulary(corpus: Path) -> list[str]:
    words: list[str] = []
    for f in find_files([corpus]):
        for c in chunk_article(read_article(f)):
            words += c.text.split()
    return words


def _texts(words: list[str], n: int, rng: random.Random) -> list[str]:
    return [" ".join(rng.choices(words, k=60)) for _ in range(n)]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1)}


def bench_ingest(embedder: Embedder, corpus: Path, n: int = 1000, seed: int = 7) -> dict[str, float]:
    """Chunks per second through embed + sparse weights + upsert, for ``n`` corpus-like chunks, and the seconds
    spent embedding (the rest is the store's)."""
    rng = random.Random(seed)
    texts = _texts(_vocabulary(corpus), n, rng)
    embedding = 0.0
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(None, folder, "bench")
        store.ensure(embedder.dim)
        started = time.perf_counter()
        for start in range(0, n, 64):
            part = texts[start:start + 64]
            ids = [f"00000000-0000-0000-0000-{i:012d}" for i in range(start, start + len(part))]
            before = time.perf_counter()
            dense = embedder.embed_documents(part)
            embedding += time.perf_counter() - before
            store.upsert(ids, dense, [document_vector(t) for t in part],
                         [{"text": t, "title": "", "url": ""} for t in part])
        store.settle()
        elapsed = time.perf_counter() - started
        store.close()
    return {"chunks": n, "seconds": round(elapsed, 2), "chunks_per_s": round(n / elapsed, 1),
            "embedding_s": round(embedding, 2), "store_chunks_per_s": round(n / max(elapsed - embedding, 1e-9), 1)}


def bench_store(size: int, dim: int, corpus: Path, embedder: Embedder, queries: int = 30,
                seed: int = 7, on_progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Upsert throughput and hybrid / dense query latency for a collection of ``size`` chunks."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    words = _vocabulary(corpus)
    questions = [q for q in _texts(words, queries, rng)]
    query_vectors = [embedder.embed_query(" ".join(q.split()[:8])) for q in questions]
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(None, folder, "bench")
        store.ensure(dim)
        started = time.perf_counter()
        for start in range(0, size, BATCH):
            n = min(BATCH, size - start)
            dense = nprng.normal(size=(n, dim)).astype(np.float32)
            dense /= np.linalg.norm(dense, axis=1, keepdims=True)
            texts = _texts(words, n, rng)
            store.upsert([f"00000000-0000-0000-0000-{i:012d}" for i in range(start, start + n)], dense.tolist(),
                         [document_vector(t) for t in texts], [{"text": t, "title": "", "url": ""} for t in texts])
            if on_progress:
                on_progress(f"{size}: {start + n} chunks stored")
        if on_progress:
            on_progress(f"{size}: building the indexes")
        store.settle()
        upsert_s = time.perf_counter() - started
        latency: dict[str, dict[str, float]] = {}
        for mode in ("hybrid", "dense"):
            samples = []
            for q, v in zip(questions, query_vectors, strict=True):
                t = time.perf_counter()
                store.search(v, query_vector(" ".join(q.split()[:8]), store.locales()), 5, mode=mode)
                samples.append(time.perf_counter() - t)
            latency[mode] = _percentiles(samples)
        store.close()
    return {"chunks": size, "upsert_chunks_per_s": round(size / upsert_s, 1), "query": latency}
