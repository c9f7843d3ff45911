"""Vendors: the only writer of the vendor table."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from service.accounts.principal import Principal
from service.audit.service import record
from service.errors import Conflict, NotFound
from service.jobs import transaction
from service.vendors.models import Vendor
from service.vendors.schemas import VendorCreate


async def create_vendor(*, principal: Principal, data: VendorCreate) -> Vendor:
    try:
        async with transaction() as conn:
            vendor = await Vendor.create(
                organization_id=principal.organization_id, **data.model_dump(), using_db=conn
            )
            await record(
                conn,
                organization_id=principal.organization_id,
                actor=principal.actor,
                action="vendor.created",
                object_type="vendor",
                object_id=str(vendor.id),
                data=data.model_dump(),
            )
    except IntegrityError:
        raise Conflict(
            "a vendor with this corporate number is already registered",
            fields={"corporate_number": "already registered"},
        ) from None
    return vendor


async def get_vendor(principal: Principal, vendor_id: str) -> Vendor:
    vendor = await Vendor.get_or_none(id=vendor_id, organization_id=principal.organization_id)
    if vendor is None:
        raise NotFound("no such vendor")
    return vendor


async def list_vendors(principal: Principal) -> list[Vendor]:
    return await Vendor.filter(organization_id=principal.organization_id).order_by("name")
