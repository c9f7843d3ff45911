"""Policy profiles (policies/*.yaml): requirements traced to the policy clause they come from."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from service.catalog.expressions import Expression, compile_expression
from service.catalog.text import Text


class Severity(StrEnum):
    must = "must"
    should = "should"


class OnFail(StrEnum):
    reject = "reject"  # blocks approval unless overridden with a reason
    condition = "condition"  # may be approved with a condition
    clarify = "clarify"  # ask the vendor


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    document: str = Field(min_length=1)
    section: str = Field(min_length=1)


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    title: Text
    sources: list[Source] = Field(min_length=1)
    applies_if: str = "true"
    check: str
    severity: Severity
    on_fail: OnFail
    clauses: list[str] = Field(default_factory=list)
    fail_reason: Text
    remediation: Text

    _applies: Expression | None = PrivateAttr(default=None)
    _check: Expression | None = PrivateAttr(default=None)

    @property
    def applies_expr(self) -> Expression:
        assert self._applies is not None, "profile not compiled"
        return self._applies

    @property
    def check_expr(self) -> Expression:
        assert self._check is not None, "profile not compiled"
        return self._check

    def compile(self, known_answers: frozenset[str]) -> None:
        self._applies = compile_expression(
            self.applies_if, roots=frozenset({"engagement"}), known_answers=frozenset()
        )
        self._check = compile_expression(
            self.check, roots=frozenset({"answers", "engagement"}), known_answers=known_answers
        )


class PolicyProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: Text
    requirements: list[Requirement] = Field(min_length=1)
