"""The delivery part of any request that creates an order (checkout, group buys): one definition."""
from typing import Literal, Optional

from pydantic import Field, model_validator

from crowdcart.api.schemas import Id, Strict


class Address(Strict):
    """A Chinese mainland delivery address."""

    name: str = Field(..., min_length=1, max_length=40)
    phone: str = Field(..., pattern=r"^\+?\d{6,15}$")
    province: str = Field(..., min_length=1, max_length=40)
    city: str = Field(..., min_length=1, max_length=40)
    district: str = Field("", max_length=40)
    detail: str = Field(..., min_length=1, max_length=200)


class Delivery(Strict):
    """Express to an address, or pickup at one of the shop's stores."""

    type: Literal["express", "pickup"]
    address: Optional[Address] = None
    store_id: Optional[Id] = None

    @model_validator(mode="after")
    def _needs_destination(self) -> "Delivery":
        if self.type == "express" and self.address is None:
            raise ValueError("express delivery needs an address")
        if self.type == "pickup" and self.store_id is None:
            raise ValueError("pickup needs a store_id")
        return self
