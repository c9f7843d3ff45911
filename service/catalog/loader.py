"""Load and cross-check forms/, policies/ and contract_templates/ into one Catalog.

A broken file raises CatalogError naming the file, the item inside it and the problem; the service
refuses to start on it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from service.catalog.answer_ids import READ_BY_KIND, check_latest_forms
from service.catalog.base_document import check_base_document
from service.catalog.contract_templates import ContractTemplate, TemplateRole
from service.catalog.expressions import ExpressionError
from service.catalog.forms import Form
from service.catalog.policies import PolicyProfile, ProfileFile, resolve_profile
from service.config import Settings, get_settings
from service.errors import CatalogError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Catalog:
    forms: dict[tuple[str, int], Form]
    profiles: dict[tuple[str, int], PolicyProfile]
    templates: dict[tuple[str, int], ContractTemplate]
    # Base .docx files (by name in contract_templates/) that carry the contracts' styles.
    base_documents: dict[str, bytes]

    def form(self, form_id: str, version: int) -> Form:
        return self.forms[(form_id, version)]

    def latest_form_for_kind(self, kind: str) -> Form | None:
        candidates = [f for f in self.forms.values() if kind in f.engagement_kinds]
        return max(candidates, key=lambda f: (f.id, f.version), default=None)

    def latest_profile(self, profile_id: str) -> PolicyProfile | None:
        versions = [p for (pid, _), p in self.profiles.items() if pid == profile_id]
        return max(versions, key=lambda p: p.version, default=None)

    def profile(self, profile_id: str, version: int) -> PolicyProfile:
        return self.profiles[(profile_id, version)]

    def latest_template_for_kind(self, kind: str) -> ContractTemplate | None:
        candidates = [
            t
            for t in self.templates.values()
            if t.role == TemplateRole.terms and kind in t.engagement_kinds
        ]
        return max(candidates, key=lambda t: (t.id, t.version), default=None)

    def latest_annex(self, annex_id: str) -> ContractTemplate:
        versions = [
            t for (tid, _), t in self.templates.items() if tid == annex_id and t.role == "annex"
        ]
        return max(versions, key=lambda t: t.version)


def _describe(exc: ValidationError, raw: Any) -> tuple[str | None, str]:
    error = exc.errors()[0]
    # Name list entries by their id where they have one: requirements[CLD2-BLD-01].check.
    location = ""
    node: Any = raw
    for part in error["loc"]:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            label = item.get("id") if isinstance(item, dict) else None
            location += f"[{label if isinstance(label, str | int) else part}]"
            node = item
        else:
            location += f".{part}" if location else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    message = error["msg"].removeprefix("Value error, ")
    if not location and (named := _QUESTION_MESSAGE.match(message)):
        # A form-wide check (duplicate ids, conditions) names the question in its message;
        # point at it the same way a field error does: sections[B].questions[isms_expiry].
        location = _question_location(raw, named.group(1)) or ""
    return location or None, message


_QUESTION_MESSAGE = re.compile(r"^question '([a-z][a-z0-9_]*)': ")


def _question_location(raw: Any, question_id: str) -> str | None:
    sections = raw.get("sections") if isinstance(raw, dict) else None
    for section in sections if isinstance(sections, list) else []:
        questions = section.get("questions") if isinstance(section, dict) else None
        for question in questions if isinstance(questions, list) else []:
            if isinstance(question, dict) and question.get("id") == question_id:
                return f"sections[{section.get('id')}].questions[{question_id}]"
    return None


def _load_folder(folder: Path, model: type[M], root: Path) -> list[tuple[str, M]]:
    return _load_files(sorted(folder.glob("*.yaml")), model, root)


def _load_files(paths: Sequence[Path], model: type[M], root: Path) -> list[tuple[str, M]]:
    loaded: list[tuple[str, M]] = []
    for path in paths:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise CatalogError(name, None, f"not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise CatalogError(name, None, "must hold a mapping at the top level")
        try:
            loaded.append((name, model.model_validate(raw)))
        except ValidationError as exc:
            location, message = _describe(exc, raw)
            raise CatalogError(name, location, message) from None
    return loaded


def _index(items: list[tuple[str, M]], kind: str) -> dict[tuple[str, int], tuple[str, M]]:
    index: dict[tuple[str, int], tuple[str, M]] = {}
    for name, item in items:
        key = (item.id, item.version)  # type: ignore[attr-defined]
        if key in index:
            raise CatalogError(
                name, f"{kind} {key[0]} v{key[1]}", f"also defined in {index[key][0]}"
            )
        index[key] = (name, item)
    return index


def _resolve_profiles(
    files: dict[tuple[str, int], tuple[str, ProfileFile]],
) -> dict[tuple[str, int], tuple[str, PolicyProfile]]:
    """Resolve `extends` chains, bases first; refuse a missing base or a cycle."""
    resolved: dict[tuple[str, int], tuple[str, PolicyProfile]] = {}

    def resolve(key: tuple[str, int], visiting: tuple[tuple[str, int], ...]) -> PolicyProfile:
        if key in resolved:
            return resolved[key][1]
        name, file = files[key]
        base = None
        if file.extends is not None:
            base_key = (file.extends.id, file.extends.version)
            if base_key not in files:
                raise CatalogError(name, "extends", f"no profile {base_key[0]} v{base_key[1]}")
            if base_key in visiting:
                raise CatalogError(name, "extends", "profiles extend each other in a cycle")
            base = resolve(base_key, (*visiting, key))
        try:
            profile = resolve_profile(file, base)
        except ValueError as exc:
            raise CatalogError(name, None, str(exc)) from None
        resolved[key] = (name, profile)
        return profile

    for key in files:
        resolve(key, ())
    return resolved


def load_forms(paths: Sequence[Path], root: Path) -> dict[tuple[str, int], Form]:
    """Validate form files only (`vetting forms check`): each on its own, then ids across them."""
    forms = _index(_load_files(paths, Form, root), "form")
    return {key: form for key, (_, form) in forms.items()}


def load_catalog(settings: Settings | None = None) -> Catalog:
    settings = settings or get_settings()
    root = settings.forms_dir.parent
    forms = _index(_load_folder(settings.forms_dir, Form, root), "form")
    profile_files = _index(_load_folder(settings.policies_dir, ProfileFile, root), "profile")
    profiles = _resolve_profiles(profile_files)
    templates = _index(
        _load_folder(settings.contract_templates_dir, ContractTemplate, root), "template"
    )
    if not forms or not profiles or not templates:
        raise CatalogError(str(root), None, "forms/, policies/ and contract_templates/ need files")

    latest: dict[str, tuple[str, frozenset[str]]] = {}
    for kind in READ_BY_KIND:
        candidates = [
            (key, entry) for key, entry in forms.items() if kind in entry[1].engagement_kinds
        ]
        if candidates:
            _, (name, form) = max(candidates, key=lambda item: item[0])
            latest[kind] = (name, frozenset(q.id for q in form.questions))
    check_latest_forms(latest)
    question_ids = frozenset(q.id for _, form in forms.values() for q in form.questions)
    requirement_ids = frozenset(
        r.id for _, profile in profiles.values() for r in profile.all_requirements
    )
    clause_ids = frozenset(cid for _, t in templates.values() for cid in t.clause_ids)
    for name, profile in profiles.values():
        for chain in profile.approval_chains:
            try:
                chain.compile()
            except ExpressionError as exc:
                raise CatalogError(name, f"approval_chains[{chain.id}]", str(exc)) from None
        seen: set[str] = set()
        for requirement in profile.all_requirements:
            if requirement.id in seen:
                raise CatalogError(name, requirement.id, "duplicate requirement id")
            seen.add(requirement.id)
            try:
                requirement.compile(question_ids)
            except ExpressionError as exc:
                raise CatalogError(name, requirement.id, str(exc)) from None
            unknown = sorted(set(requirement.clauses) - clause_ids)
            if unknown:
                raise CatalogError(name, requirement.id, f"unknown clause id(s) {unknown}")

    base_documents = _check_templates(
        templates, question_ids, requirement_ids, settings.contract_templates_dir, root
    )
    return Catalog(
        forms={k: v for k, (_, v) in forms.items()},
        profiles={k: v for k, (_, v) in profiles.items()},
        templates={k: v for k, (_, v) in templates.items()},
        base_documents=base_documents,
    )


def _check_templates(
    templates: dict[tuple[str, int], tuple[str, ContractTemplate]],
    question_ids: frozenset[str],
    requirement_ids: frozenset[str],
    folder: Path,
    root: Path,
) -> dict[str, bytes]:
    """Compile conditions, resolve annexes and requirement ids, and load the base .docx files."""
    annex_ids = {t.id for _, t in templates.values() if t.role == TemplateRole.annex}
    base_documents: dict[str, bytes] = {}
    for name, template in templates.values():
        try:
            template.compile(question_ids)
        except ValueError as exc:
            raise CatalogError(name, None, str(exc)) from None
        for clause in template.clauses:
            unknown = sorted(set(clause.requirements) - requirement_ids)
            if unknown:
                raise CatalogError(
                    name, f"clause '{clause.id}'", f"unknown requirement id(s) {unknown}"
                )
        missing_annexes = sorted(set(template.annexes) - annex_ids)
        if missing_annexes:
            raise CatalogError(name, "annexes", f"no annex template {missing_annexes}")
        base = template.base_document
        if base is None or base in base_documents:
            continue
        path = folder / base
        shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        if path.parent != folder or not path.is_file():
            raise CatalogError(name, "base_document", f"no file {shown}")
        content = path.read_bytes()
        try:
            check_base_document(content)
        except ValueError as exc:
            raise CatalogError(shown, None, f"not a usable base .docx: {exc}") from None
        base_documents[base] = content
    return base_documents


_current: Catalog | None = None


def current_catalog() -> Catalog:
    """The catalog the running service validated at start-up."""
    global _current
    if _current is None:
        _current = load_catalog()
    return _current


def install_catalog(catalog: Catalog) -> None:
    global _current
    _current = catalog
