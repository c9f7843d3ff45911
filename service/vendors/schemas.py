"""What the vendors API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from service.request_model import RequestModel
from service.vendors.corporate_number import corporate_number_problem


class VendorCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    corporate_number: str = Field(
        pattern=r"^[0-9]{13}$",
        description="法人番号: 13 digits, the first being the check digit of the other 12 "
        "(refused with 422 when it does not match) / 検査用数字を含む13桁",
    )
    address: str = Field(default="", max_length=300)

    @field_validator("corporate_number")
    @classmethod
    def _valid_corporate_number(cls, value: str) -> str:
        problem = corporate_number_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class VendorOut(BaseModel):
    id: UUID
    name: str
    corporate_number: str
    address: str
    created_at: datetime
