"""Bilingual text as it appears in every data file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)
