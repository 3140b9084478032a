"""Help-center articles: markdown with front-matter, split into chunks by heading."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REQUIRED_FIELDS = ("title", "url")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
# A fixed namespace so the same chunk always gets the same point id.
_ID_NAMESPACE = uuid.UUID("5b8f3c1e-8a0e-4b7e-9a43-2f0d6c1a7e11")


class ArticleError(ValueError):
    """An article file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Article:
    """One help-center article."""

    source: str
    title: str
    url: str
    category: str
    locale: str
    updated: str
    body: str


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of an article, with what a citation needs."""

    source: str
    title: str
    url: str
    heading: str
    anchor: str
    text: str
    category: str
    locale: str
    content_hash: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256("\x1f".join((self.url, self.heading, self.text)).encode()).hexdigest()
        object.__setattr__(self, "content_hash", digest)

    @property
    def point_id(self) -> str:
        """A stable id derived from the content: unchanged chunks keep their id."""
        return str(uuid.uuid5(_ID_NAMESPACE, self.content_hash))

    def payload(self) -> dict[str, str]:
        """What is stored beside the vectors."""
        return {"source": self.source, "title": self.title, "url": self.url, "heading": self.heading,
                "anchor": self.anchor, "text": self.text, "category": self.category, "locale": self.locale,
                "content_hash": self.content_hash}


def read_article(path: Path) -> Article:
    """Parse a markdown article with YAML front-matter; raise :class:`ArticleError` if unusable."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArticleError(f"{path}: cannot read ({exc})") from exc
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise ArticleError(f"{path}: no front-matter (a '---' block with title and url) at the top")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ArticleError(f"{path}: front-matter is not valid YAML ({exc})") from exc
    if not isinstance(meta, dict):
        raise ArticleError(f"{path}: front-matter must be a mapping of fields")
    missing = [f for f in REQUIRED_FIELDS if not meta.get(f)]
    if missing:
        raise ArticleError(f"{path}: front-matter lacks {', '.join(missing)}")
    return Article(source=str(path), title=str(meta["title"]), url=str(meta["url"]),
                   category=str(meta.get("category", "general")), locale=str(meta.get("locale", "en")),
                   updated=str(meta.get("updated", "")), body=raw[match.end():])


def slugify(heading: str) -> str:
    """GitHub-style anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).strip().replace(" ", "-")


def chunk_article(article: Article, max_chars: int = 1200) -> list[Chunk]:
    """Split by headings (level 2 and deeper); sections longer than ``max_chars`` split by paragraph.

    Each chunk starts with the article title and its heading path, so it can be
    understood (and embedded) on its own.
    """
    sections: list[tuple[list[str], list[str]]] = [([], [])]
    path: list[tuple[int, str]] = []
    for line in article.body.splitlines():
        m = _HEADING.match(line)
        if m:
            level, text = len(m.group(1)), m.group(2)
            if level == 1:
                continue  # the title; already in front-matter
            path = [p for p in path if p[0] < level] + [(level, text)]
            sections.append(([t for _, t in path], []))
        else:
            sections[-1][1].append(line)

    chunks: list[Chunk] = []
    for heading_path, lines in sections:
        body = "\n".join(lines).strip()
        if not body:
            continue
        heading = " > ".join(heading_path)
        anchor = slugify(heading_path[-1]) if heading_path else ""
        prefix = article.title + (f" > {heading}" if heading else "") + "\n"
        for piece in _split(body, max_chars - len(prefix)):
            chunks.append(Chunk(source=article.source, title=article.title,
                                url=article.url + (f"#{anchor}" if anchor else ""), heading=heading,
                                anchor=anchor, text=prefix + piece, category=article.category,
                                locale=article.locale))
    return chunks


def _split(body: str, limit: int) -> list[str]:
    """Greedy paragraph packing under ``limit`` characters (a paragraph longer than that stays whole)."""
    pieces: list[str] = []
    current = ""
    for para in re.split(r"\n\s*\n", body):
        if current and len(current) + len(para) + 2 > limit:
            pieces.append(current)
            current = para
        else:
            current = f"{current}\n\n{para}" if current else para
    if current:
        pieces.append(current)
    return pieces
