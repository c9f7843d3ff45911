"""A contract resolved to plain text blocks: what render.py turns into .docx (pure).

Every variable is already filled in; render.py adds only the numbering (第N条, 項 2, 3 …,
号 (1), (2) …) and the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """One 項 and its 号."""

    text: str
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Article:
    """第N条: a clause with its paragraphs."""

    clause_id: str
    clause_version: int
    title: str
    paragraphs: list[Paragraph]
    variant: str = ""


@dataclass(frozen=True)
class Part:
    """The terms, or an annex (e.g. 個人情報取扱特記事項); articles are numbered from 1 in each."""

    template_id: str
    template_version: int
    title: str
    preamble: str
    articles: list[Article]


@dataclass(frozen=True)
class Party:
    label: str  # 甲 or 乙
    role: str  # e.g. 委託者, 受託者
    name: str
    address: str
    representative: str  # empty for 乙: its representative signs in person


@dataclass(frozen=True)
class ResolvedContract:
    title: str
    engagement_number: str
    subject: str  # 件名: the service or work
    party_a: Party
    party_b: Party
    parts: list[Part]  # the terms first, then the annexes
    closing: str
    conditions: list[str] = field(default_factory=list)  # 別紙: the decision's conditions
