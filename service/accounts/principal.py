"""The authenticated caller of a request."""

from __future__ import annotations

from dataclasses import dataclass

from service.accounts.roles import Role
from service.audit.service import Actor


@dataclass(frozen=True)
class Principal:
    user_id: str
    organization_id: str
    name: str
    roles: frozenset[Role]
    is_operator_admin: bool  # an admin of the operator organization may create organizations

    @property
    def actor(self) -> Actor:
        return Actor(type="user", id=self.user_id, label=self.name)
