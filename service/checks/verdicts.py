"""Turning findings into stored verdicts: the rows, their digest, and the summary of a run."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4

from service.catalog.policies import PolicyProfile, Requirement
from service.checks.evaluate import ISMAP_INPUT, Finding
from service.checks.models import Verdict


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


class RequirementRows:
    """What every verdict of one requirement shares, computed once per profile version."""

    def __init__(self, requirement: Requirement) -> None:
        self.requirement_id = requirement.id
        self.severity = requirement.severity.value
        self.on_fail = requirement.on_fail.value
        self.sources = [s.model_dump() for s in requirement.sources]
        self.sources_json = _dump(self.sources)
        self._static = repr((self.severity, self.on_fail, self.sources))

    def fingerprint(self, finding: Finding) -> str:
        """Equal digests mean the stored verdict already says what this finding says.

        repr, not JSON: the values are plain (answers as decoded from JSON, reasons, inputs
        built in a fixed order), and repr is several times faster for millions of rows.
        """
        content = repr((finding.outcome.value, finding.reason, finding.inputs)) + self._static
        return hashlib.blake2b(content.encode(), digest_size=16).hexdigest()

    def insert_row(
        self,
        finding: Finding,
        *,
        organization_id: str,
        review_id: str,
        profile: PolicyProfile,
        fingerprint: str,
        override: tuple[Any, ...] | None,
        at: datetime,
    ) -> dict[str, Any]:
        """A verdict as a row for bulk.insert_verdicts (by column), for the re-evaluation batch."""
        outcome, reason, by, when = override or (None, "", None, None)
        return {
            "id": str(uuid4()),
            "organization_id": organization_id,
            "review_id": review_id,
            "requirement_id": self.requirement_id,
            "profile_id": profile.id,
            "profile_version": profile.version,
            "outcome": finding.outcome.value,
            "severity": self.severity,
            "on_fail": self.on_fail,
            "reason": _dump(finding.reason),
            "sources": self.sources_json,
            "inputs": _dump(finding.inputs),
            "override_outcome": outcome,
            "override_reason": reason,
            "overridden_by_id": by,
            "overridden_at": when,
            "evaluated_at": at,
            "fingerprint": fingerprint,
        }

    def verdict(
        self,
        finding: Finding,
        *,
        organization_id: str,
        review_id: str,
        profile: PolicyProfile,
        fingerprint: str | None = None,
    ) -> Verdict:
        return Verdict(
            organization_id=organization_id,
            review_id=review_id,
            requirement_id=self.requirement_id,
            profile_id=profile.id,
            profile_version=profile.version,
            outcome=finding.outcome,
            severity=self.severity,
            on_fail=self.on_fail,
            reason=finding.reason,
            sources=self.sources,
            inputs=finding.inputs,
            fingerprint=fingerprint or self.fingerprint(finding),
        )


def profile_rows(profile: PolicyProfile) -> list[RequirementRows]:
    return [RequirementRows(r) for r in profile.requirements]


def outcome_counts(findings: Sequence[Finding]) -> dict[str, int]:
    return dict(Counter(f.outcome.value for f in findings))


def ismap_snapshot_of(findings: Sequence[Finding]) -> str:
    """The ISMAP snapshot the findings were matched against ("" when none was used)."""
    for finding in findings:
        for lookup in finding.inputs.get(ISMAP_INPUT, []):
            snapshot = lookup.get("snapshot")
            if snapshot:
                return str(snapshot["id"])
    return ""


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "requirement_id": finding.requirement_id,
        "outcome": finding.outcome.value,
        "reason": finding.reason,
        "inputs": finding.inputs,
    }
