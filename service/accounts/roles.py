"""Roles a user may hold inside an organization."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"  # users, tokens, organization settings
    procurement = "procurement"  # 業務主管課: vendors, engagements, review rounds, invitations
    security = "security"  # 情報セキュリティ管理者: overrides, decisions
    approver = "approver"  # 課長, CISO: decisions
    legal = "legal"  # 契約担当: contracts
    auditor = "auditor"  # 監査: reads everything, verifies the audit trail


EVERYONE = frozenset(Role)
