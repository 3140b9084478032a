"""The help-center knowledge base over Qdrant: articles, ingestion, retrieval."""

from knowledge.articles import Article, ArticleError, Chunk, chunk_article, read_article
from knowledge.embeddings import Embedder, EmbeddingCache, load_embedder
from knowledge.ingest import IngestReport, ingest
from knowledge.retrieve import Hit, Retriever
from knowledge.store import KnowledgeLocked, KnowledgeNotReady, KnowledgeStore, open_store

__all__ = ["Article", "ArticleError", "Chunk", "Embedder", "EmbeddingCache", "Hit", "IngestReport", "KnowledgeLocked",
           "KnowledgeNotReady", "KnowledgeStore", "Retriever", "chunk_article", "ingest", "load_embedder", "open_store",
           "read_article"]
