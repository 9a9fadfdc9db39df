"""Request bodies of the cart."""
from pydantic import Field

from crowdcart.api.schemas import Strict


class SetQuantity(Strict):
    """PUT /v1/cart/items/{sku_id}."""

    quantity: int = Field(..., ge=1, le=99)
