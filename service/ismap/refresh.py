"""The scheduled ISMAP list refresh: registered as the `ismap_refresh` periodic hook.

Fetches VETTING_ISMAP_LIST_URL on behalf of the operator organization's first active admin (the
only kind of user who may import); the same bytes as last time make no new snapshot.
"""

from __future__ import annotations

import logging

from service.accounts.models import Organization, User
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.hooks import ISMAP_REFRESH, periodic_hook
from service.ismap.service import ImportOutcome, import_from_url

log = logging.getLogger(__name__)


async def operator_principal(label: str) -> Principal | None:
    """The operator admin a scheduled job acts for; None before the first start's bootstrap."""
    operator = await Organization.get_or_none(is_operator=True)
    if operator is None:
        return None
    admin = await (
        User.filter(organization=operator, active=True, kind="person")
        .order_by("created_at")
        .first()
    )
    if admin is None:
        return None
    return Principal(
        user_id=str(admin.id),
        organization_id=str(operator.id),
        name=f"{label} ({admin.name})",
        roles=frozenset({Role.admin}),
        is_operator_admin=True,
    )


@periodic_hook(ISMAP_REFRESH)
async def refresh_ismap_list(list_url: str) -> ImportOutcome | None:
    principal = await operator_principal("scheduler: ISMAP refresh")
    if principal is None:
        log.warning("ISMAP refresh: no operator admin yet; nothing imported")
        return None
    outcome = await import_from_url(principal=principal, url=list_url)
    log.info(
        "ISMAP refresh: snapshot %s (%s)",
        outcome.snapshot.id,
        "unchanged" if outcome.duplicate else f"{len(outcome.changes)} change(s)",
    )
    return outcome
