"""Request bodies of checkout."""
from typing import List, Literal, Optional

from pydantic import Field

from crowdcart.api.delivery import Delivery
from crowdcart.api.schemas import Id, Strict


class Item(Strict):
    """One line to buy."""

    sku_id: Id
    quantity: int = Field(..., ge=1, le=99)


class Activity(Strict):
    """A campaign the order buys under."""

    type: Literal["flash_sale", "bargain"]
    id: Id


class Checkout(Strict):
    """POST /v1/orders."""

    items: List[Item] = Field(..., min_length=1, max_length=50)
    coupon_id: Optional[Id] = None
    points_to_use: int = Field(0, ge=0, le=100_000_000)
    activity: Optional[Activity] = None
    delivery: Delivery
    note: str = Field("", max_length=200)
