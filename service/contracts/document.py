"""A contract resolved to plain text blocks: what render.py turns into .docx (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """第N条: a clause with its paragraphs (項) and each paragraph's items (号)."""

    clause_id: str
    clause_version: int
    title: str
    paragraphs: list[tuple[str, list[str]]]


@dataclass(frozen=True)
class ResolvedContract:
    title: str
    engagement_number: str
    party_a: str  # 甲
    party_b: str  # 乙
    party_b_address: str
    preamble: str
    articles: list[Article]
    conditions: list[str] = field(default_factory=list)  # 別紙: the decision's conditions
