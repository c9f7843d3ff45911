"""The values contract variables take: 和暦 dates, the term's end, settings, classification and
the vendor's answers; None (never a blank) where a value is not known."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from service.catalog.contract_templates import KNOWN_VARIABLES, LIST_VARIABLES
from service.contracts.settings import PRODUCT_DEFAULTS, ContractSettings, effective_settings
from service.contracts.values import (
    VALUE_SOURCES,
    WORK_LOCATIONS,
    contract_values,
    subcontractor_lines,
    wareki,
    work_location_lines,
)
from tests.contracts.sample import BARE_FACTS, COUNTRIES, catalog, good_answers, with_answers


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 12, 31), "令和元年12月31日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2026, 4, 1), "令和8年4月1日"),
        (date(2027, 4, 1), "令和9年4月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1990, 1, 1), "平成2年1月1日"),
    ],
)
def test_wareki(day: date, written: str) -> None:
    assert wareki(day) == written


def test_wareki_before_heisei_falls_back_to_the_western_year() -> None:
    assert wareki(date(1989, 1, 7)) == "1989年1月7日"


def test_every_known_variable_has_a_value_when_everything_is_set() -> None:
    facts = replace(
        with_answers(BARE_FACTS, good_answers()), responsibility_matrix="MCS-RM-001 第2版"
    )
    values = contract_values(facts)
    assert set(values) == KNOWN_VARIABLES
    for name, value in values.items():
        if name in LIST_VARIABLES:
            assert isinstance(value, list) and value and all(v.strip() for v in value), name
        else:
            assert isinstance(value, str) and value.strip(), name
    assert values["engagement.number"] == BARE_FACTS.engagement_number
    assert values["organization.jurisdiction_court"] == "熊本地方裁判所"
    assert values["vendor.security_lead"] == "情報セキュリティ統括部長 佐藤 花子"
    assert values["vendor.ismap_registration"] == "C99-9999-1（みなと行政クラウド 標準プラン）"
    assert values["vendor.subcontractors"] == [
        "株式会社みなとデータセンター（所在国：日本）　データセンターの運用・保守",
        "株式会社ひかりサポート（所在国：日本）　利用者サポート窓口",
    ]
    assert values["vendor.engagement_lead"] == "公共ソリューション部 部長 高橋 誠"
    assert values["vendor.work_locations"] == [
        "乙又は再委託先の事業所",
        "乙が利用するデータセンター",
    ]
    assert (values["vendor.rto_hours"], values["vendor.rpo_hours"]) == ("4", "1")
    assert values["contract.responsibility_matrix"] == "MCS-RM-001 第2版"


def test_unknown_values_are_none_and_every_one_has_a_source_to_name() -> None:
    values = contract_values(replace(BARE_FACTS, contract_settings={}, jurisdiction_court=" "))
    missing = sorted(name for name, value in values.items() if value is None)
    assert missing == [
        "contract.responsibility_matrix",
        "organization.address",
        "organization.incident_contact",
        "organization.jurisdiction_court",
        "organization.representative",
        "organization.security_policy_name",
        "vendor.engagement_lead",
        "vendor.ismap_registration",
        "vendor.rpo_hours",
        "vendor.rto_hours",
        "vendor.security_lead",
        "vendor.subcontractors",
        "vendor.work_locations",
        "vendor.work_sites",
    ]
    assert set(missing) <= set(VALUE_SOURCES)
    # Nothing else is blank: the terms fall back to the product defaults.
    assert all(v for k, v in values.items() if k not in missing)


@pytest.mark.parametrize(
    ("confidentiality", "my_number", "hours"),
    [(1, False, "24"), (2, False, "24"), (3, False, "1"), (2, True, "1"), (1, True, "1")],
)
def test_incident_first_report_hours_follow_the_classification(
    confidentiality: int, my_number: bool, hours: str
) -> None:
    facts = replace(BARE_FACTS, confidentiality=confidentiality, my_number=my_number)
    assert contract_values(facts)["terms.incident_first_report_hours"] == hours


@pytest.mark.parametrize(
    ("promised", "strict", "hours"),
    [(4, False, "4"), (48, False, "24"), (2, True, "1"), (0.5, False, "24"), (None, False, "24")],
)
def test_a_faster_vendor_promise_binds_the_vendor(
    promised: float | None, strict: bool, hours: str
) -> None:
    answers = {} if promised is None else {"incident_first_report_hours": promised}
    facts = replace(BARE_FACTS, answers=answers, my_number=strict)
    assert contract_values(facts)["terms.incident_first_report_hours"] == hours


def test_organization_settings_override_the_product_defaults() -> None:
    settings = {
        **BARE_FACTS.contract_settings,
        "incident_first_report_hours": 12,
        "deletion_certificate_days": 14,
        "data_location": "日本国内（東日本及び西日本リージョン）",
        "confidentiality_survival_years": 5,
        "availability_target_pct": 99.8,
    }
    values = contract_values(replace(BARE_FACTS, contract_settings=settings))
    assert values["terms.incident_first_report_hours"] == "12"
    assert values["terms.deletion_certificate_days"] == "14"
    assert values["organization.data_location"] == "日本国内（東日本及び西日本リージョン）"
    assert values["terms.confidentiality_survival"] == "5年間"
    assert values["terms.availability_target_pct"] == "99.8"
    defaults = contract_values(BARE_FACTS)
    assert defaults["terms.deletion_certificate_days"] == "30"
    assert defaults["organization.data_location"] == "日本国内"
    assert defaults["organization.governing_law"] == "日本法"
    assert defaults["terms.confidentiality_survival"] == "期間の定めなく"


def test_every_numeric_setting_has_a_product_default() -> None:
    facts_only = {"address", "representative", "security_policy_name", "incident_contact"}
    assert set(ContractSettings.model_fields) - facts_only == set(PRODUCT_DEFAULTS)
    effective = effective_settings({"cure_days": 10})
    assert effective["cure_days"] == 10
    assert effective["address"] is None


@pytest.mark.parametrize(
    ("start", "months", "start_written", "end_written"),
    [
        (date(2027, 4, 1), 36, "令和9年4月1日", "令和12年3月31日"),
        (date(2027, 1, 15), 1, "令和9年1月15日", "令和9年2月14日"),
        (date(2028, 2, 1), 1, "令和10年2月1日", "令和10年2月29日"),  # leap year
        (date(2019, 4, 15), 1, "平成31年4月15日", "令和元年5月14日"),  # across the era change
        # The last month has no day matching the start: the term ends on its last day.
        (date(2027, 1, 31), 1, "令和9年1月31日", "令和9年2月28日"),
        (date(2028, 2, 29), 12, "令和10年2月29日", "令和11年2月28日"),
    ],
)
def test_end_date_is_the_day_before_start_plus_term(
    start: date, months: int, start_written: str, end_written: str
) -> None:
    values = contract_values(replace(BARE_FACTS, start_date=start, term_months=months))
    assert values["engagement.start_date"] == start_written
    assert values["engagement.end_date"] == end_written


def test_availability_report_interval_and_classification_follow_the_engagement() -> None:
    target = "terms.availability_target_pct"
    assert contract_values(replace(BARE_FACTS, availability=1))[target] == "99.5"
    assert contract_values(replace(BARE_FACTS, availability=2))[target] == "99.9"
    # The vendor guarantees more than the target: the contract binds the higher figure.
    better = replace(BARE_FACTS, availability=2, answers={"availability_pct": 99.95})
    assert contract_values(better)[target] == "99.95"
    monthly = contract_values(replace(BARE_FACTS, confidentiality=2))
    assert monthly["terms.periodic_report_interval"] == "毎月"
    quarterly = contract_values(replace(BARE_FACTS, confidentiality=1, kind="tos_cloud"))
    assert quarterly["terms.periodic_report_interval"] == "四半期ごと"
    assert monthly["engagement.classification"] == "機密性2・完全性2・可用性1"


def test_answers_shape_tls_and_export_formats() -> None:
    base = contract_values(BARE_FACTS)
    assert base["terms.tls_minimum"] == "TLS 1.2"
    assert base["terms.export_formats"] == "CSV"
    answered = contract_values(
        replace(
            BARE_FACTS,
            answers={"encryption_in_transit": "tls13", "export_formats": ["json", "proprietary"]},
        )
    )
    assert answered["terms.tls_minimum"] == "TLS 1.3"
    assert answered["terms.export_formats"] == "JSON"


def test_subcontractor_lines_skip_rows_without_a_name() -> None:
    rows = [
        {"name": " 株式会社A ", "country": "us", "role": "保守"},
        {"name": "", "country": "jp", "role": "x"},
        {"name": "株式会社B"},
        "not a row",
    ]
    assert subcontractor_lines(rows, COUNTRIES) == ["株式会社A（所在国：米国）　保守", "株式会社B"]
    assert subcontractor_lines(None, COUNTRIES) == []


@pytest.mark.parametrize(
    ("answer", "printed"),
    [(4, "4"), (0, "0"), (0.5, "0.5"), (24.0, "24"), (-1, None), ("4", None), (True, None)],
)
def test_rto_and_rpo_are_the_vendors_hours_and_zero_is_an_answer(
    answer: object, printed: str | None
) -> None:
    values = contract_values(
        replace(BARE_FACTS, answers={"rto_hours": answer, "rpo_hours": answer})
    )
    assert values["vendor.rto_hours"] == printed
    assert values["vendor.rpo_hours"] == printed


def test_work_locations_in_the_contracts_words_in_the_forms_order() -> None:
    chosen = ["remote", "municipal_premises", "remote", "overseas", "somewhere_new", 7]
    assert work_location_lines(chosen, {"somewhere_new": "新しい拠点"}) == [
        "従事者の在宅勤務その他の遠隔地の作業場所（甲が承認したものに限る。）",
        "甲の庁舎その他甲が指定する施設",
        "日本国外に所在する乙又は再委託先の拠点",
        "新しい拠点",
    ]
    assert work_location_lines(None) == [] and work_location_lines("own_office") == []


def test_every_work_location_a_shipped_form_offers_has_contract_wording() -> None:
    for form in catalog().forms.values():
        for question in form.questions:
            if question.id == "work_locations":
                offered = {choice.value for choice in question.choices}
                assert offered <= set(WORK_LOCATIONS), (form.id, offered - set(WORK_LOCATIONS))


def test_the_responsibility_matrix_is_legals_input_else_the_vendors_answer() -> None:
    answered = replace(BARE_FACTS, answers={"responsibility_matrix": " 別添1 責任分界表 第1版 "})
    assert contract_values(answered)["contract.responsibility_matrix"] == "別添1 責任分界表 第1版"
    given = replace(answered, responsibility_matrix="MCS-RM-001 第2版")
    assert contract_values(given)["contract.responsibility_matrix"] == "MCS-RM-001 第2版"
    assert contract_values(BARE_FACTS)["contract.responsibility_matrix"] is None
