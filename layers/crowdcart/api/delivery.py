"""The delivery part of any request that creates an order (checkout, group buys): one definition."""
from typing import Literal, Optional

from pydantic import Field, model_validator

from crowdcart.api.schemas import Id, Strict


class Address(Strict):
    """A Chinese mainland delivery address."""

    name: str = Field(..., min_length=1, max_length=40, description="The receiver's name.")
    phone: str = Field(..., pattern=r"^\+?\d{6,15}$",
                       description="The receiver's phone number: 6-15 digits, an optional leading +.")
    province: str = Field(..., min_length=1, max_length=40, description="Province (省), e.g. 上海市.")
    city: str = Field(..., min_length=1, max_length=40, description="City (市).")
    district: str = Field("", max_length=40, description="District or county (区/县).")
    detail: str = Field(..., min_length=1, max_length=200, description="Street, building and room.")


class Delivery(Strict):
    """Express to an address, or pickup at one of the shop's stores."""

    type: Literal["express", "pickup"] = Field(description="express: ship to `address`; pickup: collect at `store_id`.")
    address: Optional[Address] = Field(None, description="Where to ship; required for express.")
    store_id: Optional[Id] = Field(None, description="The pickup store (`GET /v1/stores/nearby`); required for pickup.")

    @model_validator(mode="after")
    def _needs_destination(self) -> "Delivery":
        if self.type == "express" and self.address is None:
            raise ValueError("express delivery needs an address")
        if self.type == "pickup" and self.store_id is None:
            raise ValueError("pickup needs a store_id")
        return self
