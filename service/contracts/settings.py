"""An organization's contract settings: what its contracts say about itself, and its own defaults
for the numbers in contract clauses (pure; kept in the contracts domain's own row, set with
PATCH /api/organizations/{id}/contract-settings).

Unset (null) means "not given": the four facts about the organization have no default, and a
contract that needs one is refused, naming the setting; the terms fall back to the product
defaults below (the reference's §2.4 suggestions, and our choice where it suggests none).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from service.request_model import RequestModel

# Product defaults for the terms. A municipality changes them in its settings, not here.
PRODUCT_DEFAULTS: dict[str, Any] = {
    "data_location": "日本国内",
    "governing_law": "日本法",
    "pledge_form": "甲が定める様式",
    "incident_first_report_hours": 24,
    "incident_first_report_hours_strict": 1,
    "incident_detail_report_days": 7,
    "roster_submit_days": 7,
    "change_notice_days": 7,
    "training_interval_months": 12,
    "training_report_days": 30,
    "return_or_delete_days": 30,
    "deletion_certificate_days": 30,
    "audit_notice_days": 14,
    "urgent_audit_notice_hours": 24,
    "audit_report_interval_months": 12,
    "subcontract_approval_lead_days": 14,
    "eos_notice_months": 12,
    "migration_support_months": 3,
    "availability_target_pct": 99.5,
    "availability_target_pct_high": 99.9,
    "maintenance_notice_days": 7,
    "log_retention_days": 365,
    "log_delivery_days": 7,
    "cert_lapse_notice_days": 30,
    "tos_change_notice_days": 30,
    "publication_consult_hours": 24,
    "cure_days": 30,
    "confidentiality_survival_years": 0,
}


def _text(description: str) -> Any:
    return Field(default=None, min_length=1, max_length=300, description=description)


def _days(description: str, maximum: int = 365) -> Any:
    return Field(default=None, ge=1, le=maximum, description=description)


class ContractSettings(RequestModel):
    """Every field is optional; null clears a setting (then the product default applies)."""

    address: str | None = _text("甲の所在地（署名欄） / the organization's address, for signing")
    representative: str | None = _text(
        "甲の代表者（例: 人吉市長　山田太郎） / who signs for the organization"
    )
    security_policy_name: str | None = _text(
        "遵守させる情報セキュリティポリシーの名称及び版（例: 人吉市情報セキュリティポリシー"
        "（令和8年3月改定））/ the policy contractors must follow, with its edition"
    )
    incident_contact: str | None = _text(
        "事故等の連絡窓口（部署、電話、電子メール） / where contractors report incidents"
    )
    data_location: str | None = _text("データの保管場所（既定: 日本国内） / where data may be kept")
    governing_law: str | None = _text("準拠法（既定: 日本法） / the governing law")
    pledge_form: str | None = _text(
        "従事者の誓約書の様式（既定: 甲が定める様式） / the staff pledge form"
    )
    incident_first_report_hours: int | None = _days(
        "事故の第一報の期限（時間、既定24） / hours to the first incident report", 168
    )
    incident_first_report_hours_strict: int | None = _days(
        "機密性3又は特定個人情報の場合の第一報の期限（時間、既定1） / the same for 機密性3 or "
        "My Number",
        168,
    )
    incident_detail_report_days: int | None = _days("詳細報告の期限（日、既定7）", 90)
    roster_submit_days: int | None = _days("従事者名簿を業務開始の何日前までに提出（既定7）", 90)
    change_notice_days: int | None = _days("体制・作業場所の変更を何日前までに届出（既定7）", 90)
    training_interval_months: int | None = _days("従事者教育の間隔（月、既定12）", 60)
    training_report_days: int | None = _days("教育の実施報告の期限（日、既定30）", 90)
    return_or_delete_days: int | None = _days("終了後の返還・消去の期限（日、既定30）")
    deletion_certificate_days: int | None = _days("消去証明書の提出期限（日、既定30）")
    audit_notice_days: int | None = _days("監査の事前通知（日、既定14）", 90)
    urgent_audit_notice_hours: int | None = _days("事故時の監査の事前通知（時間、既定24）", 168)
    audit_report_interval_months: int | None = _days("第三者監査報告書の提供間隔（月、既定12）", 60)
    subcontract_approval_lead_days: int | None = _days("再委託の承認申請の期限（日前、既定14）", 90)
    eos_notice_months: int | None = _days("サービス終了の事前通知（月、既定12）", 60)
    migration_support_months: int | None = _days("移行支援の期間（月、既定3）", 36)
    availability_target_pct: float | None = Field(
        default=None, gt=0, le=100, description="月間稼働率の下限（%、既定99.5）"
    )
    availability_target_pct_high: float | None = Field(
        default=None, gt=0, le=100, description="可用性2の場合の月間稼働率の下限（%、既定99.9）"
    )
    maintenance_notice_days: int | None = _days("計画停止の事前通知（日、既定7）", 90)
    log_retention_days: int | None = _days("ログの保存期間（日、既定365）", 3650)
    log_delivery_days: int | None = _days("ログの提出期限（日、既定7）", 90)
    cert_lapse_notice_days: int | None = _days("認証失効の通知期限（日、既定30）", 90)
    tos_change_notice_days: int | None = _days("利用規約等の変更の事前通知（日、既定30）")
    publication_consult_hours: int | None = _days("事故の公表前の協議（時間、既定24）", 168)
    cure_days: int | None = _days("違反の是正期間（日、既定30）", 180)
    confidentiality_survival_years: int | None = Field(
        default=None,
        ge=0,
        le=50,
        description="秘密保持義務の存続期間（年、0=期間の定めなし、既定0）",
    )

    def merged_into(self, stored: dict[str, Any]) -> dict[str, Any]:
        """`stored` with the fields this update names set, or removed where it gives null."""
        merged = dict(stored)
        for name in self.model_fields_set:
            value = getattr(self, name)
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        return merged


def effective_settings(stored: dict[str, Any]) -> dict[str, Any]:
    """Every setting: the organization's own where set, else the product default (or None)."""
    effective: dict[str, Any] = dict.fromkeys(ContractSettings.model_fields)
    effective.update(PRODUCT_DEFAULTS)
    effective.update({k: v for k, v in stored.items() if v is not None})
    return effective
