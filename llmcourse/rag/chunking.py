"""Chunkers: turn a `domain.Doc` into `Chunk`s (fixed word windows, markdown sections or single facts)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Chunk:
    id: str  # "<doc id>#<n>"
    doc_id: str
    title: str
    tenant: str
    text: str


def _words(text: str) -> list[str]:
    return text.split()


def chunk_fixed(doc, size: int = 80, overlap: int = 0) -> list[Chunk]:
    """Windows of `size` words, each starting `size - overlap` words after the previous one."""
    words, step = _words(doc.text), max(1, size - overlap)
    starts = range(0, max(1, len(words) - overlap), step)
    return [Chunk(f"{doc.id}#{i}", doc.id, doc.title, doc.tenant, " ".join(words[s:s + size]))
            for i, s in enumerate(starts)]


def split_sections(text: str) -> list[str]:
    """Markdown sections: a new one starts at every heading line."""
    sections, current = [], []
    for line in text.splitlines():
        if line.startswith("#") and current:
            sections.append("\n".join(current).strip())
            current = []
        current.append(line)
    sections.append("\n".join(current).strip())
    return [s for s in sections if s]


def chunk_headings(doc, max_words: int = 200) -> list[Chunk]:
    """One chunk per markdown section, prefixed with the document title (long sections are split)."""
    chunks = []
    for section in split_sections(doc.text):
        words = _words(section)
        for start in range(0, len(words), max_words):
            text = f"{doc.title}. " + " ".join(words[start:start + max_words])
            chunks.append(Chunk(f"{doc.id}#{len(chunks)}", doc.id, doc.title, doc.tenant, text))
    return chunks


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def facts(text: str, title: str) -> list[str]:
    """Single facts of a markdown document, each readable on its own: every sentence and list item, and every
    table row written out with its column names; each fact is prefixed with the title and its section heading."""
    out, heading, header = [], "", None
    for line in text.splitlines():
        line = line.strip()
        if not line or re.fullmatch(r"\|?[\s:|-]+\|?", line):  # blank line or a table's |---| rule
            continue
        if line.startswith("#"):
            heading, header = line.lstrip("# ").strip(), None
            continue
        where = f"{title} - {heading}: " if heading else f"{title}: "
        if line.startswith("|"):
            if header is None:
                header = _cells(line)
                continue
            first, *rest = _cells(line)
            out.append(where + first + ": " + "; ".join(f"{h} {v}" for h, v in zip(header[1:], rest)) + ".")
            continue
        header = None
        line = re.sub(r"^(\d+\.|[-*])\s+", "", line)  # list markers
        out += [where + s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9€])", line) if s]
    return out


def chunk_facts(doc) -> list[Chunk]:
    """One chunk per fact (a sentence, a list item or a table row with its column names), title-prefixed."""
    return [Chunk(f"{doc.id}#{i}", doc.id, doc.title, doc.tenant, f)
            for i, f in enumerate(facts(doc.text, doc.title))]


CHUNKERS: dict[str, Callable] = {  # the strategies notebook 01 compares
    "fixed 80 words": lambda d: chunk_fixed(d, 80, 0),
    "fixed 80 words, 20 overlap": lambda d: chunk_fixed(d, 80, 20),
    "markdown headings": chunk_headings,
    "single facts": chunk_facts,
}


def chunk_all(docs, chunker: Callable = chunk_headings) -> list[Chunk]:
    return [c for d in docs for c in chunker(d)]
