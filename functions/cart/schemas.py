"""Request bodies of the cart."""
from typing import List, Optional

from pydantic import BaseModel, Field

from crowdcart.api.schemas import Strict


class SetQuantity(Strict):
    """PUT /v1/cart/items/{sku_id}."""

    quantity: int = Field(..., ge=1, le=99, description="The line's new quantity (not an increment).")


class CartLineView(BaseModel):
    """A cart line with the SKU's live price and stock."""

    sku_id: str
    quantity: int
    available: bool
    product_id: Optional[str] = None
    title: Optional[str] = None
    spec: Optional[str] = None
    price_fen: Optional[int] = None
    stock: int
    image: Optional[str] = None


class CartView(BaseModel):
    """The cart and the totals of what can be bought now."""

    items: List[CartLineView]
    line_count: int
    goods_fen: int
    discount_fen: int
    payable_goods_fen: int
