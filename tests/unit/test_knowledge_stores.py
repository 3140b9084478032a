"""Both help-center engines keep one contract: Qdrant Edge (embedded, the default) and a Qdrant server through
qdrant-client (here its local mode, which speaks the server's API in-process: no server binary installs here)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from knowledge.edge_store import EdgeStore
from knowledge.server_store import ServerStore
from knowledge.sparse import document_vector, query_vector
from knowledge.store import KnowledgeLocked, KnowledgeNotReady, KnowledgeStore, open_store

DOCS = [  # text, locale, category, dense vector (3-d, unit length)
    ("How to cancel an order before it ships", "en", "orders", [1.0, 0.0, 0.0]),
    ("Refunds reach your card in 5 to 7 days", "en", "payments", [0.0, 1.0, 0.0]),
    ("Cómo cancelar un pedido antes del envío", "es", "orders", [0.8, 0.0, 0.6]),
]


def _id(n: int) -> str:
    return str(uuid.UUID(int=n + 1))


def _fill(store: KnowledgeStore) -> None:
    store.ensure(3)
    store.upsert([_id(n) for n in range(len(DOCS))], [d for *_, d in DOCS],
                 [document_vector(text, locale) for text, locale, *_ in DOCS],
                 [{"text": text, "locale": locale, "category": category, "source": f"/kb/{n}.md"}
                  for n, (text, locale, category, _) in enumerate(DOCS)])
    store.settle()


@pytest.fixture(params=["edge", "server"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KnowledgeStore]:
    made: KnowledgeStore = (EdgeStore.open(tmp_path / "edge", "kb") if request.param == "edge"
                            else ServerStore(QdrantClient(path=str(tmp_path / "server")), "kb"))
    yield made
    made.close()


def test_a_collection_not_ingested_yet_is_empty_and_its_search_names_the_fix(store: KnowledgeStore) -> None:
    assert (store.exists(), store.count(), store.locales(), store.ids_by_source()) == (False, 0, set(), {})
    with pytest.raises(KnowledgeNotReady, match="run `concierge ingest"):
        store.search([1.0, 0.0, 0.0], query_vector("cancel"), 3)


def test_hybrid_dense_and_sparse_search_find_the_matching_chunk_first(store: KnowledgeStore) -> None:
    _fill(store)
    assert (store.count(), store.locales()) == (3, {"en", "es"})
    assert store.ids_by_source() == {f"/kb/{n}.md": {_id(n)} for n in range(3)}
    for mode in ("hybrid", "dense", "sparse"):
        hits = store.search([0.9, 0.1, 0.0], query_vector("cancelling my order", ["en"]), 2, mode=mode)
        assert hits[0].payload["text"] == DOCS[0][0], mode
    best = store.search([0.0, 1.0, 0.0], query_vector("refund", ["en"]), 1)[0]
    assert best.payload["category"] == "payments" and best.similarity == pytest.approx(1.0, abs=1e-5)


def test_filters_keep_to_a_locale_or_a_category(store: KnowledgeStore) -> None:
    _fill(store)
    spanish = store.search([1.0, 0.0, 0.0], query_vector("cancelar pedido", ["es"]), 3, locale="es")
    assert [h.payload["locale"] for h in spanish] == ["es"]
    orders = store.search([0.0, 1.0, 0.0], query_vector("refund", ["en"]), 3, category="orders")
    assert {h.payload["category"] for h in orders} == {"orders"}


def test_a_sparse_search_with_no_terms_finds_nothing_rather_than_everything(store: KnowledgeStore) -> None:
    _fill(store)
    assert store.search([1.0, 0.0, 0.0], query_vector("the of and", ["en"]), 3, mode="sparse") == []


def test_replacing_and_deleting_chunks(store: KnowledgeStore) -> None:
    _fill(store)
    store.upsert([_id(1)], [[0.0, 1.0, 0.0]], [document_vector("Refunds take 10 days", "en")],
                 [{"text": "Refunds take 10 days", "locale": "en", "category": "payments", "source": "/kb/1.md"}])
    assert store.count() == 3
    assert store.search([0.0, 1.0, 0.0], query_vector("refund"), 1)[0].payload["text"] == "Refunds take 10 days"
    store.delete([_id(0), _id(2)])
    store.settle()
    assert store.count() == 1 and set(store.ids_by_source()) == {"/kb/1.md"}


def test_another_collection_of_the_same_engine_is_separate(store: KnowledgeStore) -> None:
    _fill(store)
    other = store.on("brand_b")
    assert other.count() == 0 and not other.exists()
    other.ensure(3)
    assert other.exists() and store.count() == 3


def test_the_embedded_help_center_survives_a_restart(tmp_path: Path) -> None:
    first = EdgeStore.open(tmp_path, "kb")
    _fill(first)
    first.close()
    again = open_store(None, str(tmp_path), "kb")
    assert again.count() == 3 and again.search([1.0, 0.0, 0.0], query_vector("cancel"), 1)
    again.close()


def test_a_folder_held_by_a_running_server_is_said_with_the_way_to_ingest_through_it(tmp_path: Path) -> None:
    serving = EdgeStore.open(tmp_path, "kb")
    _fill(serving)
    with pytest.raises(KnowledgeLocked, match=r"open in another process.*concierge ingest --server"):
        EdgeStore.open(tmp_path, "kb")
    # Several workers each serve a copy taken at start, which the folder's holder does not block.
    copy = open_store(None, str(tmp_path), "kb", read_only=True)
    assert copy.count() == 3
    copied_to = copy._shards.root  # type: ignore[attr-defined]
    copy.close()
    serving.close()
    assert not copied_to.exists()
