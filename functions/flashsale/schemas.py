"""Request bodies and response shapes of the flash-sale capability."""
from typing import List, Optional

from pydantic import BaseModel, Field, model_validator

from crowdcart.api.schemas import EpochSeconds as Moment, Id, Strict


class CreateFlashSale(Strict):
    """POST /admin/v1/flash-sales. `stock` is carved out of the SKU's stock until the sale settles.

    `shards` > 1 splits the stock over that many counters for items hotter than one DynamoDB
    partition (about 500 transactional writes/s each); the rate limits apply per window to each
    shopper and each source IP on the buy path.
    """

    sku_id: Id
    price_fen: int = Field(..., ge=1, le=100_000_000_00)
    stock: int = Field(..., ge=1, le=1_000_000)
    per_user_limit: int = Field(1, ge=1, le=99)
    starts_at: Moment
    ends_at: Moment
    shards: int = Field(1, ge=1, le=32)
    rate_window_seconds: int = Field(10, ge=1, le=3600)
    rate_per_user: int = Field(10, ge=1, le=1000)
    rate_per_ip: int = Field(600, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _sane(self) -> "CreateFlashSale":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.shards > self.stock:
            raise ValueError("shards must not exceed stock")
        return self


class Created(BaseModel):
    """201 of a creation."""

    id: str


class FlashSaleView(BaseModel):
    """A flash sale as shoppers see it (times as epoch seconds and ISO-8601)."""

    id: str
    sku_id: str
    product_id: str
    title: str
    spec: str
    image: Optional[str] = None
    list_price_fen: int
    price_fen: int
    stock: int
    stock_left: int
    sold: int
    per_user_limit: int
    status: str = Field(..., description="upcoming | live | ended")
    starts_at: int
    ends_at: int
    starts_at_iso: str
    ends_at_iso: str


class FlashSaleAdminView(FlashSaleView):
    """A flash sale as its merchant sees it: shards, limits and settlement."""

    shards: int
    shard_stock: List[int]
    rate_window_seconds: int
    rate_per_user: int
    rate_per_ip: int
    created_at: str
    ended_early_at: Optional[int] = None
    settled_at: Optional[int] = None
    returned_to_sku: Optional[int] = None


class FlashSalePage(BaseModel):
    """A page of flash sales."""

    items: List[FlashSaleView]
    next_cursor: Optional[str] = None


class FlashSaleAdminPage(BaseModel):
    """A page of flash sales for the merchant."""

    items: List[FlashSaleAdminView]
    next_cursor: Optional[str] = None


class FlashSession(BaseModel):
    """A time window (场次) and the sales in it."""

    starts_at: int
    ends_at: int
    starts_at_iso: str
    ends_at_iso: str
    status: str
    sales: List[FlashSaleView]


class FlashSessionPage(BaseModel):
    """Flash sessions, grouped from one page of sales."""

    items: List[FlashSession]
    next_cursor: Optional[str] = None
