"""Response models shared by several capabilities (orders appear in checkout, orders, group buys).

They document what `crowdcart.db.orders.view` returns; the OpenAPI document and the schema
checks of the fuzzing suite read them.
"""
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field


class OrderLine(BaseModel):
    """One line of an order, frozen at checkout."""

    sku_id: str
    product_id: str
    title: str
    spec: str
    image: Optional[str] = None
    kind: str
    unit_price_fen: int
    quantity: int
    paid_fen: int = Field(description="what this line paid after every discount")


class OrderEventView(BaseModel):
    """One entry of an order's history."""

    type: str
    from_: Optional[str] = Field(None, alias="from")
    to: Optional[str] = None
    actor: str
    at: str
    data: Optional[Dict[str, Any]] = None


class OrderView(BaseModel):
    """An order (GET /v1/orders/{id} adds `events`; the pickup code appears once paid)."""

    id: str
    status: str
    user_id: str
    lines: List[OrderLine]
    goods_fen: int
    discount_fen: int
    shipping_fen: int
    payable_fen: int
    pricing: Dict[str, Any]
    delivery: Dict[str, Any]
    coupon_id: Optional[str] = None
    points_used: int
    activity: Optional[Dict[str, Any]] = None
    created_at: str
    pay_deadline_at: int
    paid_at: Optional[str] = None
    shipment: Optional[Dict[str, Any]] = None
    refunded_fen: int
    receive_deadline_at: Optional[int] = None
    pickup_code: Optional[str] = None
    events: Optional[List[OrderEventView]] = None


class OrderPage(BaseModel):
    """A page of orders."""

    items: List[OrderView]
    next_cursor: Optional[str] = None
