"""Vendors API."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.routing import endpoint
from service.vendors import service
from service.vendors.models import Vendor
from service.vendors.schemas import VendorCreate, VendorOut

TAG = "vendors"


def vendor_out(vendor: Vendor) -> VendorOut:
    return VendorOut.model_validate(vendor, from_attributes=True)


@endpoint(
    "POST",
    "/api/vendors",
    summary="Register a vendor / 事業者を登録",
    tag=TAG,
    status=201,
    roles=roles_for(Permission.submit_engagement),
)
async def create_vendor(principal: Principal, body: VendorCreate) -> VendorOut:
    return vendor_out(await service.create_vendor(principal=principal, data=body))


@endpoint("GET", "/api/vendors", summary="Vendors of the organization", tag=TAG)
async def list_vendors(principal: Principal) -> list[VendorOut]:
    return [vendor_out(v) for v in await service.list_vendors(principal)]


@endpoint("GET", "/api/vendors/{vendor_id}", summary="One vendor", tag=TAG)
async def get_vendor(principal: Principal, vendor_id: UUID) -> VendorOut:
    return vendor_out(await service.get_vendor(principal, str(vendor_id)))
