"""Help-center ingestion and search over a real local Qdrant collection."""

import shutil
from pathlib import Path

import pytest

from agent.runtime import open_retriever
from knowledge import ArticleError, Retriever, chunk_article, ingest, read_article
from tests.conftest import CORPUS, make_settings

ARTICLE = """---
title: Widgets
url: https://help.example.com/widgets
category: products
locale: en
---
# Widgets

Intro paragraph about widgets.

## Cleaning

Wipe with a damp cloth.

### Stains

Use mild soap.

## Warranty

Two years.
"""


def test_articles_are_chunked_by_heading_with_anchors(tmp_path: Path) -> None:
    f = tmp_path / "w.md"
    f.write_text(ARTICLE)
    chunks = chunk_article(read_article(f))
    assert [c.heading for c in chunks] == ["", "Cleaning", "Cleaning > Stains", "Warranty"]
    assert [c.url for c in chunks][1:] == ["https://help.example.com/widgets#cleaning",
                                           "https://help.example.com/widgets#stains",
                                           "https://help.example.com/widgets#warranty"]
    assert chunks[2].text.startswith("Widgets > Cleaning > Stains\n")


def test_long_sections_are_split_under_the_cap(tmp_path: Path) -> None:
    body = "\n\n".join(f"Paragraph {i} " + "word " * 40 for i in range(20))
    f = tmp_path / "long.md"
    f.write_text(f"---\ntitle: Long\nurl: https://x/long\n---\n## Part\n\n{body}\n")
    chunks = chunk_article(read_article(f), max_chars=600)
    assert len(chunks) > 3 and all(len(c.text) <= 600 for c in chunks)


@pytest.mark.parametrize("text, problem", [
    ("# No front matter\n", "no front-matter"),
    ("---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
    ("---\ntitle: Only a title\n---\nbody", "lacks url"),
])
def test_broken_articles_are_reported_by_name(tmp_path: Path, text: str, problem: str) -> None:
    f = tmp_path / "bad.md"
    f.write_text(text)
    with pytest.raises(ArticleError, match=problem) as err:
        read_article(f)
    assert "bad.md" in str(err.value)


@pytest.fixture
def fresh(tmp_path: Path, retriever: Retriever):
    """An empty collection in its own folder, sharing the session's embedder, and a copy of the corpus."""
    r = open_retriever(make_settings(tmp_path / "data"))
    r.embedder = retriever.embedder
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    yield r, corpus
    r.store.client.close()


def test_reingest_touches_only_what_changed(fresh) -> None:
    r, corpus = fresh
    first = ingest([corpus], r.store, r.embedder)
    assert first.added > 10 and first.removed == 0 and not first.errors
    again = ingest([corpus], r.store, r.embedder)
    assert (again.added, again.removed, again.unchanged) == (0, 0, first.added)

    shipping = corpus / "store" / "shipping.md"
    shipping.write_text(shipping.read_text().replace("3 to 5 business days", "2 to 4 business days"))
    edited = ingest([corpus], r.store, r.embedder)
    assert (edited.added, edited.removed) == (1, 1)
    assert "2 to 4 business days" in r.search("how long does standard shipping take")[0].text

    (corpus / "stays" / "check-in.md").unlink()
    deleted = ingest([corpus], r.store, r.embedder)
    assert deleted.added == 0 and deleted.removed == 3
    assert r.store.count() == first.added - 3


def test_a_broken_file_is_skipped_and_its_stored_chunks_kept(fresh) -> None:
    r, corpus = fresh
    first = ingest([corpus], r.store, r.embedder)
    (corpus / "store" / "returns.md").write_text("no front matter any more")
    report = ingest([corpus], r.store, r.embedder)
    assert len(report.errors) == 1 and "returns.md" in report.errors[0]
    assert report.removed == 0 and r.store.count() == first.added


def test_search_returns_the_right_article_with_its_url(retriever: Retriever) -> None:
    hits = retriever.search("how long until my refund arrives after cancelling an order")
    assert hits and hits[0].url.startswith("https://help.example.com/store/cancel-order")
    assert all(h.score >= retriever.min_score for h in hits)


def test_unrelated_questions_find_nothing(retriever: Retriever) -> None:
    assert retriever.search("what is the capital of France") == []
