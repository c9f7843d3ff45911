"""Policy profiles (policies/*.yaml): requirements traced to the policy clause they come from."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from service.catalog.expressions import (
    LOOKUP_FUNCTIONS,
    TEXT_FUNCTIONS,
    Expression,
    compile_expression,
)
from service.catalog.text import Text


class Severity(StrEnum):
    must = "must"
    should = "should"


class OnFail(StrEnum):
    reject = "reject"  # blocks approval unless overridden with a reason
    condition = "condition"  # may be approved with a condition
    clarify = "clarify"  # ask the vendor


class Subject(StrEnum):
    """What a requirement is about: review evaluation reads only engagement ones, the social-media
    registry only account ones."""

    engagement = "engagement"  # an engagement and its vendor's answers (roots: engagement, answers)
    account = "account"  # one official social-media account (root: account)


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    document: str = Field(min_length=1)
    section: str = Field(min_length=1)


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    subject: Subject = Subject.engagement
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
        text = frozenset(TEXT_FUNCTIONS)
        if self.subject == Subject.account:
            account = frozenset({"account"})
            self._applies = compile_expression(
                self.applies_if, roots=account, known_answers=None, functions=text
            )
            self._check = compile_expression(
                self.check, roots=account, known_answers=None, functions=text
            )
            return
        self._applies = compile_expression(
            self.applies_if,
            roots=frozenset({"engagement"}),
            known_answers=frozenset(),
            functions=text,
        )
        self._check = compile_expression(
            self.check,
            roots=frozenset({"answers", "engagement"}),
            known_answers=known_answers,
            functions=text | frozenset(LOOKUP_FUNCTIONS),  # registry look-ups: checks only
        )


class ApprovalStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Literal["security", "approver"]
    title: Text  # e.g. 情報セキュリティ管理者, CISO


class ApprovalChain(BaseModel):
    """Who must sign off, in order, when `applies_if` holds; the first matching chain wins."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    applies_if: str = "true"
    steps: list[ApprovalStep] = Field(min_length=1)

    _applies: Expression | None = PrivateAttr(default=None)

    @property
    def applies_expr(self) -> Expression:
        assert self._applies is not None, "profile not compiled"
        return self._applies

    def compile(self) -> None:
        self._applies = compile_expression(
            self.applies_if, roots=frozenset({"engagement"}), known_answers=frozenset()
        )


DEFAULT_CHAIN = ApprovalChain(
    id="default",
    steps=[ApprovalStep(role="security", title=Text(ja="情報セキュリティ管理者", en="Security"))],
)


class BaseRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    version: int = Field(ge=1)


class ProfileFile(BaseModel):
    """A policy profile as written: either complete, or `extends` a pinned base version.

    A child lists only its differences: `overrides` replace fields of base requirements (by id),
    `remove` drops base requirements, `requirements` adds new ones, `approval_chains` replaces the
    base's chains. Pinning the base version keeps (id, version) naming one fixed content.
    `account_requirements` holds requirements about social-media accounts (subject: account,
    filled in when omitted); `overrides` and `remove` reach them by id like the others.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: Text
    body: str | None = None  # the public body this profile belongs to, e.g. 人吉市
    extends: BaseRef | None = None
    overrides: list[dict[str, Any]] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)
    requirements: list[Requirement] = Field(default_factory=list)
    approval_chains: list[ApprovalChain] | None = None
    account_requirements: list[Requirement] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _account_subject(cls, raw: Any) -> Any:
        entries = raw.get("account_requirements") if isinstance(raw, dict) else None
        if not isinstance(entries, list):
            return raw
        filled = []
        for entry in entries:
            if isinstance(entry, dict):
                if entry.get("subject", "account") != "account":
                    raise ValueError(
                        f"account_requirements: '{entry.get('id')}' must have subject 'account'"
                    )
                entry = {**entry, "subject": "account"}
            filled.append(entry)
        return {**raw, "account_requirements": filled}


class PolicyProfile(BaseModel):
    """A resolved profile: what evaluation and decisions use."""

    model_config = ConfigDict(extra="forbid")

    id: str
    version: int
    title: Text
    body: str | None = None
    extends: BaseRef | None = None
    requirements: list[Requirement] = Field(min_length=1)  # subject: engagement only
    approval_chains: list[ApprovalChain] = Field(default_factory=list)
    account_requirements: list[Requirement] = Field(default_factory=list)  # subject: account

    @property
    def all_requirements(self) -> list[Requirement]:
        return [*self.requirements, *self.account_requirements]

    def chain_for(self, engagement: dict[str, Any]) -> ApprovalChain:
        for chain in self.approval_chains:
            if chain.applies_expr.evaluate({"engagement": engagement}) is True:
                return chain
        return DEFAULT_CHAIN

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.all_requirements if r.id == requirement_id), None)


def _split(
    file: ProfileFile, requirements: list[Requirement], chains: list[ApprovalChain]
) -> PolicyProfile:
    """One resolved profile, its requirements sorted by subject (each list keeps its order)."""
    return PolicyProfile(
        id=file.id,
        version=file.version,
        title=file.title,
        body=file.body,
        extends=file.extends,
        requirements=[r for r in requirements if r.subject == Subject.engagement],
        account_requirements=[r for r in requirements if r.subject == Subject.account],
        approval_chains=chains,
    )


def resolve_profile(file: ProfileFile, base: PolicyProfile | None) -> PolicyProfile:
    """Apply a child's differences to its base (ValueError naming the requirement on misuse)."""
    if file.extends is None:
        if file.overrides or file.remove:
            raise ValueError("overrides and remove need 'extends'")
        return _split(
            file, [*file.requirements, *file.account_requirements], file.approval_chains or []
        )
    assert base is not None
    requirements = {r.id: r for r in base.all_requirements}
    for requirement_id in file.remove:
        if requirements.pop(requirement_id, None) is None:
            raise ValueError(f"remove: '{requirement_id}' is not in {base.id} v{base.version}")
    for override in file.overrides:
        current = requirements.get(str(override.get("id")))
        if current is None:
            raise ValueError(
                f"overrides: '{override.get('id')}' is not in {base.id} v{base.version}"
            )
        merged = {**current.model_dump(exclude_defaults=False), **override}
        try:
            requirements[current.id] = Requirement.model_validate(merged)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise ValueError(f"overrides: '{current.id}' {where}: {problem['msg']}") from None
    for added in [*file.requirements, *file.account_requirements]:
        if added.id in requirements:
            raise ValueError(f"'{added.id}' is already in {base.id}; use overrides")
        requirements[added.id] = added
    chains = file.approval_chains if file.approval_chains is not None else base.approval_chains
    return _split(file, list(requirements.values()), chains)
