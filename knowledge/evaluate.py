"""Retrieval quality on the labelled question set: recall@1, recall@5, MRR, and the "nothing found" threshold.

Articles, not chunks, are what is judged: a question is answered at rank r if
the r-th distinct article retrieved is one of its labelled articles.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from knowledge.retrieve import Hit, Retriever

MODES: tuple[Literal["dense", "sparse", "hybrid"], ...] = ("dense", "sparse", "hybrid")


@dataclass(frozen=True)
class Question:
    """A labelled question; no articles means the help center cannot answer it."""

    text: str
    articles: tuple[str, ...]
    kind: str


def load_questions(path: Path | None = None) -> list[Question]:
    """The shipped question set (or one in the same format)."""
    path = path or Path(str(resources.files("knowledge") / "evalset" / "questions.yaml"))
    return [Question(q, tuple(a), kind) for q, a, kind in yaml.safe_load(path.read_text())]


def article_id(url: str) -> str:
    """``https://help.example.com/store/returns#x`` -> ``store/returns``."""
    return url.split("#", 1)[0].split("://", 1)[-1].split("/", 1)[-1]


def ranked_articles(hits: list[Hit]) -> list[str]:
    """Distinct articles in rank order."""
    seen: list[str] = []
    for h in hits:
        a = article_id(h.url)
        if a not in seen:
            seen.append(a)
    return seen


def _rank_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {"recall@1": round(sum(r == 1 for r in ranks) / n, 3),
            "recall@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 3),
            "mrr": round(sum(1 / r for r in ranks if r) / n, 3)}


def calibrate(answerable: list[float], unanswerable: list[float], target_empty: float = 0.8) -> dict[str, float]:
    """The threshold that keeps the most answerable questions while at least ``target_empty`` of the
    unanswerable ones come back empty (similarities: each question's best dense cosine)."""
    best: dict[str, float] = {}
    for t in sorted({round(s, 3) for s in answerable + unanswerable} | {0.0}):
        empty = sum(s < t for s in unanswerable) / (len(unanswerable) or 1)
        kept = sum(s >= t for s in answerable) / (len(answerable) or 1)
        if empty >= target_empty and (not best or kept > best["answerable_kept"]):
            best = {"threshold": t, "unanswerable_empty": round(empty, 3), "answerable_kept": round(kept, 3)}
    return best


def evaluate(retriever: Retriever, questions: list[Question], depth: int = 20) -> dict[str, Any]:
    """Metrics per retrieval mode, per question kind (hybrid), and the threshold's behaviour."""
    answerable = [q for q in questions if q.articles]
    unanswerable = [q for q in questions if not q.articles]
    report: dict[str, Any] = {"questions": len(questions), "answerable": len(answerable),
                              "unanswerable": len(unanswerable), "modes": {}}
    best_similarity: dict[str, float] = {}
    for mode in MODES:
        ranks: dict[str, int | None] = {}
        for q in answerable:
            hits = retriever.ranked(q.text, depth, mode=mode)
            articles = ranked_articles(hits)
            ranks[q.text] = next((i for i, a in enumerate(articles, 1) if a in q.articles), None)
            if mode == "hybrid":
                best_similarity[q.text] = max((h.similarity for h in hits), default=0.0)
        report["modes"][mode] = _rank_metrics(list(ranks.values()))
        if mode == "hybrid":
            report["hybrid_by_kind"] = {kind: _rank_metrics([ranks[q.text] for q in answerable if q.kind == kind])
                                        for kind in sorted({q.kind for q in answerable})}
            report["misses"] = [q.text for q in answerable if (rank := ranks[q.text]) is None or rank > 5]
    for q in unanswerable:
        best_similarity[q.text] = max((h.similarity for h in retriever.ranked(q.text, depth)), default=0.0)
    sims_yes = [best_similarity[q.text] for q in answerable]
    sims_no = [best_similarity[q.text] for q in unanswerable]
    t = retriever.min_score
    report["threshold"] = {
        "configured": t,
        "unanswerable_empty": round(sum(s < t for s in sims_no) / (len(sims_no) or 1), 3),
        "answerable_kept": round(sum(s >= t for s in sims_yes) / (len(sims_yes) or 1), 3),
        "calibrated": calibrate(sims_yes, sims_no),
    }
    return report
