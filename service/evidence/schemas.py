"""What the evidence API returns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class EvidenceOut(BaseModel):
    id: UUID
    review_id: UUID
    question_id: str
    sha256: str = Field(description="SHA-256 of the file, taken while it was received")
    size: int
    media_type: str = Field(description="judged from the content, not from the file name")
    original_name: str = Field(description="the vendor's file name, cleaned; for display only")
    download_name: str = Field(
        description="the name the download carries: the vendor's base name with the extension "
        "of the type judged from the content (r.html holding a PDF: r.pdf)"
    )
    copied_from_id: UUID | None = Field(description="set when carried over from an earlier round")
    uploaded_at: datetime
