"""Ingest help-center files into the Qdrant collection, touching only what changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.articles import ArticleError, Chunk, chunk_article, read_article
from knowledge.embeddings import Embedder
from knowledge.store import KnowledgeStore

SUFFIXES = {".md", ".markdown"}


@dataclass
class IngestReport:
    """What an ingest did."""

    files: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Article files under ``paths`` (files or folders), sorted; a missing path is an error."""
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{p} does not exist")
        found.extend(sorted(f for f in p.rglob("*") if f.suffix in SUFFIXES) if p.is_dir() else [p])
    return [f.resolve() for f in found]


def ingest(paths: Iterable[Path], store: KnowledgeStore, embedder: Embedder, *, max_chars: int = 1200,
           on_progress: Callable[[int, int], None] | None = None) -> IngestReport:
    """Make the collection hold exactly the chunks of the articles under ``paths``.

    Chunks are identified by a hash of their content, so an unchanged chunk is
    neither re-embedded nor rewritten; chunks of edited files are replaced and
    chunks of files deleted under an ingested folder are removed. A file that
    cannot be parsed is reported and its stored chunks are kept as they were.
    """
    paths = [Path(p).resolve() for p in paths]
    files = find_files(paths)
    report = IngestReport(files=len(files))
    wanted: dict[str, list[Chunk]] = {}
    failed: set[str] = set()
    for f in files:
        try:
            wanted[str(f)] = chunk_article(read_article(f), max_chars)
        except ArticleError as exc:
            report.errors.append(str(exc))
            failed.add(str(f))

    store.ensure(embedder.dim)
    stored = store.ids_by_source()
    stale: set[str] = set()
    for source, ids in stored.items():
        under_ingested_root = any(Path(source).is_relative_to(p) for p in paths)
        if source in failed or not under_ingested_root:
            continue  # keep what we cannot replace, and what this run was not about
        keep = {c.point_id for c in wanted.get(source, [])}
        stale |= ids - keep
    existing = set().union(*stored.values()) if stored else set()
    new = [c for chunks in wanted.values() for c in chunks if c.point_id not in existing]
    report.unchanged = sum(len(v) for v in wanted.values()) - len(new)

    batch = 32
    for start in range(0, len(new), batch):
        part = new[start:start + batch]
        vectors = embedder.embed([c.text for c in part])
        store.upsert([c.point_id for c in part], vectors, [c.payload() for c in part])
        if on_progress:
            on_progress(start + len(part), len(new))
    store.delete(stale)
    report.added, report.removed = len(new), len(stale)
    return report
