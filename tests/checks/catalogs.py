"""A copy of the data folders with a newer base profile, as a profile update would bring it."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

from service.catalog.loader import Catalog, load_catalog
from service.config import PROJECT_ROOT, Settings

FOLDERS = ("forms", "policies", "contract_templates")
# The shipped base version reviews are evaluated under, and the update made from it.
OLD, NEW = 2, 3
# What the update changes (the weak example answers fail CLD2-SEL-10 and CLD2-BLD-01):
CHANGED = "CLD2-SEL-10"  # check relaxed to `true`: fail -> pass
REMOVED = "OUT-END-01"
ADDED = "NEW-01"  # a copy of CLD2-BLD-01 (admin MFA) under a new id: fails for weak answers
UNCHANGED = "CLD2-BLD-01"
# Looks the ISMAP list up, so it is evaluated again in every run; its verdict changes when the
# list or the day does (other tests import lists into the same database).
LOOKUP = "CLD2-SEL-14"


class CatalogFolders:
    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in FOLDERS:
            shutil.copytree(PROJECT_ROOT / folder, root / folder)

    def settings(self) -> Settings:
        return Settings(
            forms_dir=self.root / "forms",
            policies_dir=self.root / "policies",
            contract_templates_dir=self.root / "contract_templates",
        )

    def env(self) -> dict[str, str]:
        return {
            "VETTING_FORMS_DIR": str(self.root / "forms"),
            "VETTING_POLICIES_DIR": str(self.root / "policies"),
            "VETTING_CONTRACT_TEMPLATES_DIR": str(self.root / "contract_templates"),
        }

    def add_base_update(self) -> None:
        base: dict[str, Any] = yaml.safe_load((self.root / "policies/base.yaml").read_text("utf-8"))
        assert base["version"] == OLD
        base["version"] = NEW
        requirements = base["requirements"]
        for requirement in requirements:
            if requirement["id"] == CHANGED:
                requirement["check"] = "true"
        added = copy.deepcopy(next(r for r in requirements if r["id"] == UNCHANGED))
        added["id"] = ADDED
        base["requirements"] = [r for r in requirements if r["id"] != REMOVED] + [added]
        text = yaml.safe_dump(base, allow_unicode=True, sort_keys=False)
        (self.root / f"policies/base-v{NEW}.yaml").write_text(text, "utf-8")

    def load(self) -> Catalog:
        return load_catalog(self.settings())
