"""Ingest help-center files into the Qdrant collection, touching only what changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.articles import SUFFIXES, ArticleError, Chunk, chunk_article, read_article
from knowledge.embeddings import Embedder, EmbeddingCache
from knowledge.sparse import document_vector
from knowledge.store import KnowledgeStore

BATCH = 64


@dataclass
class IngestReport:
    """What an ingest did, in chunks (a replaced chunk of an edited file counts as updated)."""

    files: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Article files under ``paths`` (files or folders), sorted; a missing path is an error."""
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{p} does not exist")
        found.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES) if p.is_dir() else [p])
    return [f.resolve() for f in found]


def ingest(paths: Iterable[Path], store: KnowledgeStore, embedder: Embedder, *, max_chars: int = 1200,
           overlap: int = 150, cache: EmbeddingCache | None = None,
           on_progress: Callable[[int, int], None] | None = None) -> IngestReport:
    """Make the collection hold exactly the chunks of the articles under ``paths``.

    Chunks are identified by a hash of their content, so an unchanged chunk is
    neither re-embedded nor rewritten; chunks of edited files are replaced and
    chunks of files deleted under an ingested folder are removed. A file that
    cannot be read is reported by name and its stored chunks are kept.
    """
    paths = [Path(p).resolve() for p in paths]
    files = find_files(paths)
    report = IngestReport(files=len(files))
    wanted: dict[str, list[Chunk]] = {}
    failed: set[str] = set()
    for f in files:
        try:
            wanted[str(f)] = chunk_article(read_article(f), max_chars, overlap)
        except ArticleError as exc:
            report.errors.append(str(exc))
            failed.add(str(f))

    store.ensure(embedder.dim)
    stored = store.ids_by_source()
    existing = set().union(*stored.values()) if stored else set()
    stale: set[str] = set()
    for source in set(stored) | set(wanted):
        if source in failed or not any(Path(source).is_relative_to(p) for p in paths):
            continue  # keep what we cannot replace, and what this run was not about
        old, new = stored.get(source, set()), {c.point_id for c in wanted.get(source, [])}
        gone, came = old - new, new - existing
        replaced = min(len(gone), len(came))
        report.updated += replaced
        report.added += len(came) - replaced
        report.removed += len(gone) - replaced
        stale |= gone
    new_chunks = [c for chunks in wanted.values() for c in chunks if c.point_id not in existing]
    report.unchanged = sum(len(v) for v in wanted.values()) - len(new_chunks)

    for start in range(0, len(new_chunks), BATCH):
        part = new_chunks[start:start + BATCH]
        texts = [c.text for c in part]
        dense = cache.embed_documents(embedder, texts) if cache else embedder.embed_documents(texts)
        store.upsert([c.point_id for c in part], dense, [document_vector(c.text, c.locale) for c in part],
                     [c.payload() for c in part])
        if on_progress:
            on_progress(start + len(part), len(new_chunks))
    store.delete(stale)
    store.settle()
    return report
