"""Help-center articles from markdown, HTML and PDF files, split into citable chunks.

Parsing and splitting use LangChain's splitters and loaders: headings by
``MarkdownHeaderTextSplitter`` / ``HTMLHeaderTextSplitter``, PDFs by
``PyPDFLoader``, and the size cap with overlap by ``RecursiveCharacterTextSplitter``.
Only YAML front-matter (title, url, category, updated, locale) is read here.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REQUIRED_FIELDS = ("title", "url")
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".pdf": "pdf"}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_LEVELS = ("h1", "h2", "h3", "h4")
# A fixed namespace so the same chunk always gets the same point id.
_ID_NAMESPACE = uuid.UUID("5b8f3c1e-8a0e-4b7e-9a43-2f0d6c1a7e11")


class ArticleError(ValueError):
    """An article file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Section:
    """Text under one heading path (empty path: before the first sub-heading)."""

    headings: tuple[str, ...]
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Article:
    """One help-center article."""

    source: str
    title: str
    url: str
    category: str
    locale: str
    updated: str
    sections: tuple[Section, ...]


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
        digest = hashlib.sha256("\x1f".join((self.url, self.heading, self.text, self.category,
                                             self.locale)).encode()).hexdigest()
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


def slugify(heading: str) -> str:
    """GitHub-style anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).strip().replace(" ", "-")


def _headings(metadata: dict[str, str]) -> tuple[str, ...]:
    # h1 is the article's title, already known; the path starts below it.
    return tuple(metadata[level] for level in _LEVELS[1:] if metadata.get(level))


def _sections(documents: list) -> tuple[Section, ...]:
    """Merge a splitter's documents into one section per heading path, dropping bare headings."""
    merged: dict[tuple[str, ...], list[str]] = {}
    for d in documents:
        text = d.page_content.strip()
        if not text or text in d.metadata.values():  # the HTML splitter emits each heading on its own
            continue
        merged.setdefault(_headings(d.metadata), []).append(text)
    return tuple(Section(headings, "\n\n".join(parts)) for headings, parts in merged.items())


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArticleError(f"{path}: cannot read ({exc})") from exc


def read_markdown(path: Path) -> Article:
    """A markdown article with YAML front-matter."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    raw = _read_text(path)
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
    splitter = MarkdownHeaderTextSplitter([("#" * n, level) for n, level in enumerate(_LEVELS, 1)])
    sections = _sections(splitter.split_text(raw[match.end():]))
    return Article(source=str(path), title=str(meta["title"]), url=str(meta["url"]),
                   category=str(meta.get("category", "general")), locale=str(meta.get("locale", "en")),
                   updated=str(meta.get("updated", "")), sections=sections)


def read_html(path: Path) -> Article:
    """An HTML page: title from <title>, url from <link rel=canonical>, locale from <html lang>,
    category and updated from <meta name=...>."""
    from bs4 import BeautifulSoup
    from langchain_text_splitters import HTMLHeaderTextSplitter

    raw = _read_text(path)
    soup = BeautifulSoup(raw, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    if not title:
        raise ArticleError(f"{path}: no <title>")
    canonical = soup.find("link", rel="canonical")
    url = canonical.get("href") if canonical else path.resolve().as_uri()

    def meta(name: str, default: str) -> str:
        tag = soup.find("meta", attrs={"name": name})
        return str(tag.get("content")) if tag and tag.get("content") else default

    splitter = HTMLHeaderTextSplitter([(level, level) for level in _LEVELS])
    sections = _sections(splitter.split_text(raw))
    lang = soup.html.get("lang") if soup.html else None
    return Article(source=str(path), title=title, url=str(url), category=meta("category", "general"),
                   locale=str(lang or "en").split("-")[0], updated=meta("updated", ""), sections=sections)


def read_pdf(path: Path) -> Article:
    """A PDF, one section per page; the title from its metadata or the file name."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata_title = reader.metadata.title if reader.metadata else None
    except Exception as exc:  # pypdf raises many types for broken files
        raise ArticleError(f"{path}: not a readable PDF ({exc.__class__.__name__}: {exc})") from exc
    if not any(p.strip() for p in pages):
        raise ArticleError(f"{path}: the PDF has no extractable text (a scan?)")
    title = str(metadata_title or path.stem.replace("-", " ").replace("_", " ").capitalize())
    sections = tuple(Section((f"Page {n}",), text.strip(), anchor=f"page={n}")
                     for n, text in enumerate(pages, 1) if text.strip())
    return Article(source=str(path), title=title, url=path.resolve().as_uri(), category="documents",
                   locale="en", updated="", sections=sections)


def read_article(path: Path) -> Article:
    """Read any supported file; :class:`ArticleError` names the file and the problem."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ArticleError(f"{path}: unsupported file type (supported: {', '.join(sorted(SUFFIXES))})")
    return {"markdown": read_markdown, "html": read_html, "pdf": read_pdf}[kind](path)


def chunk_article(article: Article, max_chars: int = 1200, overlap: int = 150) -> list[Chunk]:
    """One chunk per section, split further under ``max_chars`` with ``overlap`` characters shared.

    Each chunk starts with the article title and its heading path, so it can be
    understood (and embedded) on its own.
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    chunks: list[Chunk] = []
    for section in article.sections:
        heading = " > ".join(section.headings)
        anchor = section.anchor or (slugify(section.headings[-1]) if section.headings else "")
        prefix = article.title + (f" > {heading}" if heading else "") + "\n"
        size = max(max_chars - len(prefix), 200)
        splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=min(overlap, size // 4))
        for piece in splitter.split_text(section.text):
            chunks.append(Chunk(source=article.source, title=article.title,
                                url=article.url + (f"#{anchor}" if anchor else ""), heading=heading,
                                anchor=anchor, text=prefix + piece, category=article.category,
                                locale=article.locale))
    return chunks
