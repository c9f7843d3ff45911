"""Text normalisation for the ISMAP list: cell text, registration numbers, provider keys.

The list is typed by people in Excel, so the same thing arrives in several spellings: full-width
letters and digits, ideographic spaces, five kinds of dash, line breaks inside a cell. Everything
the importer compares goes through these functions first. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Dash-like characters people (and Excel's IME) put where a hyphen or a long mark belongs.
# NFKC already turns the half-width long mark (ｰ) into ー and the full-width hyphen-minus into -.
_HYPHENS = "\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d\u2500\u2501"
_LONG_MARK = "\u30fc"
_DASH_CLASS = "[" + re.escape(_HYPHENS + _LONG_MARK) + "]"
_KANA = r"\u3040-\u30ff\u31f0-\u31ff"
# After a kana (or another long mark) a dash is a long mark: サーバ, not サ-バ; elsewhere a hyphen.
_LONG_MARK_AFTER_KANA = re.compile(rf"(?<=[{_KANA}]){_DASH_CLASS}")
_OTHER_DASHES = re.compile(_DASH_CLASS)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def normalize_text(value: object) -> str:
    """One line of display text: NFKC, one space between words, long marks and hyphens unified."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()
    text = _LONG_MARK_AFTER_KANA.sub(_LONG_MARK, text)
    return _OTHER_DASHES.sub(lambda m: m.group() if m.group() == _LONG_MARK else "-", text)


def normalize_block(value: object) -> str:
    """Multi-line text (the declared scope): each line normalised, empty lines dropped."""
    if value is None:
        return ""
    lines = unicodedata.normalize("NFKC", str(value)).replace("\r\n", "\n").split("\n")
    return "\n".join(line for line in (normalize_text(raw) for raw in lines) if line)


def header_key(value: object) -> str:
    """A header cell reduced for comparison: lower case, no spaces, brackets or punctuation."""
    text = normalize_text(value).lower()
    return re.sub(r"[\s()\[\]{}<>「」『』【】〔〕・:：,、。.\"'※*]", "", text)


# --- registration numbers -------------------------------------------------------------------

# Seen publicly: C21-0008-2 (letter, fiscal year, serial, update suffix). ISMAP-LIU numbers are
# expected to use another prefix letter, so the prefix is one to three letters.
_NUMBER = re.compile(r"^([A-Z]{1,3}\d{2}-\d{4,5})(?:-(\d{1,3}))?$")


@dataclass(frozen=True)
class RegistrationNumber:
    stem: str  # C21-0008: stays with the service across updates
    suffix: int | None  # 2 in C21-0008-2: changes when the registration is updated

    @property
    def full(self) -> str:
        return self.stem if self.suffix is None else f"{self.stem}-{self.suffix}"


# The same shape inside free text: 「C21-0008-2（Example Cloud Platform）」 as a vendor answers.
_NUMBER_IN_TEXT = re.compile(r"(?<![A-Z0-9])([A-Z]{1,3}\d{2}-\d{4,5}(?:-\d{1,3})?)(?![0-9])")


def find_registration_number(value: object) -> str | None:
    """The first registration number written in `value` (e.g. a number followed by a name)."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).upper()
    match = _NUMBER_IN_TEXT.search(re.sub(r"\s*" + _DASH_CLASS + r"\s*", "-", text))
    return match.group(1) if match else None


def compact_number(value: object) -> str:
    """What someone typed as a number, with dashes unified and spaces dropped (upper case)."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).upper()
    text = re.sub(_DASH_CLASS, "-", text)
    return re.sub(r"\s+", "", text)


def parse_registration_number(value: object) -> RegistrationNumber | None:
    """`C21-0008-2` → stem C21-0008, suffix 2; None when it is not shaped like a number."""
    match = _NUMBER.match(compact_number(value))
    if match is None:
        return None
    stem, suffix = match.groups()
    return RegistrationNumber(stem=stem, suffix=int(suffix) if suffix is not None else None)


# --- provider names -------------------------------------------------------------------------

# Legal-form words that one provider writes in some places and not in others.
_LEGAL_FORMS = [
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "(株)",
    "(有)",
    "(同)",
    "㈱",
    "㈲",
    "incorporated",
    "corporation",
    "company",
    "limited",
    "inc.",
    "inc",
    "corp.",
    "corp",
    "co.,",
    "co.",
    "ltd.",
    "ltd",
    "llc",
    "g.k.",
    "k.k.",
]
_LEGAL_FORM_PATTERN = re.compile(
    "|".join(
        # Latin words only as whole words, so "inc" does not eat the start of "incubator".
        re.escape(form) if not form[0].isascii() else rf"(?<![a-z]){re.escape(form)}(?![a-z])"
        for form in sorted(_LEGAL_FORMS, key=len, reverse=True)
    )
)
_NOT_KEY = re.compile(r"[\s\W_]+")


def provider_key(name: object) -> str:
    """The provider's name without legal form, case, spaces or punctuation, for comparing."""
    text = normalize_text(name).lower()
    text = _LEGAL_FORM_PATTERN.sub(" ", text)
    return _NOT_KEY.sub("", text)


def service_key(name: object) -> str:
    """A service name reduced for fuzzy comparison (case, spaces and punctuation dropped)."""
    return _NOT_KEY.sub("", normalize_text(name).lower())
