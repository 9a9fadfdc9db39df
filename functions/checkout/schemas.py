"""Request bodies of checkout."""
from typing import List, Literal, Optional

from pydantic import Field

from crowdcart.api.delivery import Delivery
from crowdcart.api.schemas import Id, Strict


class Item(Strict):
    """One line to buy."""

    sku_id: Id = Field(description="The SKU to buy (a product's `skus[].id`).")
    quantity: int = Field(..., ge=1, le=99, description="How many units of the SKU.")


class Activity(Strict):
    """A campaign the order buys under."""

    type: Literal["flash_sale", "bargain"] = Field(description="Which kind of campaign.")
    id: Id = Field(description="flash_sale: the flash sale's id; bargain: the id of the caller's bargain session.")


class Checkout(Strict):
    """POST /v1/orders."""

    items: List[Item] = Field(..., min_length=1, max_length=50, description="What to buy: one entry per SKU.")
    coupon_id: Optional[Id] = Field(None, description="One of the caller's unused coupons (`GET /v1/me/coupons`).")
    points_to_use: int = Field(0, ge=0, le=100_000_000,
                               description="At most this many points as cash; the order takes whole points up to the "
                                           "shop's cap (a share of the goods, never shipping) and says how many in "
                                           "`points_used`.")
    activity: Optional[Activity] = Field(None, description="Buy under a flash sale or a bargain, at its price.")
    delivery: Delivery = Field(description="How the goods reach the shopper.")
    note: str = Field("", max_length=200, description="A note to the merchant.")
