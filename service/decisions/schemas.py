"""What the decisions API accepts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service.request_model import RequestModel


class DecisionCreate(RequestModel):
    """approve_with_conditions takes at least one condition; approve and reject take none (422
    otherwise). A review with a failing, not overridden reject-worthy verdict cannot be approved
    (409)."""

    decision: Literal["approve", "approve_with_conditions", "reject"]
    reason: str = Field(min_length=1, max_length=4000)
    conditions: list[str] = Field(default_factory=list, max_length=50)
