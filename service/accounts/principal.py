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
    # An admin of the operator organization: manages organizations (create, settings, their
    # admins), never their work.
    is_operator_admin: bool
    # A service token's account: acts for a system with the roles fixed at the token's creation.
    is_service: bool = False
    # The server console (`vetting …`): the recovery path, with the database at hand anyway.
    via_console: bool = False

    @property
    def actor(self) -> Actor:
        if self.is_service:
            return Actor(type="service", id=self.user_id, label=f"service token: {self.name}")
        return Actor(type="user", id=self.user_id, label=self.name)
