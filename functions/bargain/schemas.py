"""Request bodies and response shapes of the bargain capability."""
from typing import List, Literal, Optional

from pydantic import BaseModel, Field, model_validator

from crowdcart.api.schemas import EpochSeconds as Moment, Id, Strict


class CreateBargain(Strict):
    """POST /admin/v1/bargains.

    A session starts at `start_price_fen` (default: the SKU's price) and reaches
    `floor_price_fen` with exactly `helpers_needed` friends' cuts, within `duration_seconds`.
    `stock` caps how many bargains can be bought (a quota on top of the SKU's stock);
    `per_user_limit` caps the sessions one shopper may start; `daily_help_limit` caps how many
    sessions of this bargain one friend may help per day; `buy_mode` = any_time (buy at the
    current price whenever) or floor_only.
    """

    sku_id: Id
    floor_price_fen: int = Field(..., ge=1, le=100_000_000_00)
    helpers_needed: int = Field(..., ge=1, le=100)
    duration_seconds: int = Field(..., ge=60, le=7 * 86400)
    stock: int = Field(..., ge=1, le=1_000_000)
    start_price_fen: Optional[int] = Field(None, ge=2, le=100_000_000_00)
    per_user_limit: int = Field(1, ge=1, le=99)
    daily_help_limit: int = Field(3, ge=1, le=100)
    buy_mode: Literal["any_time", "floor_only"] = "any_time"
    starts_at: Optional[Moment] = None
    ends_at: Optional[Moment] = None

    @model_validator(mode="after")
    def _sane(self) -> "CreateBargain":
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Created(BaseModel):
    """201 of a creation."""

    id: str


class SessionCreated(BaseModel):
    """201 of POST /v1/bargains/{id}/sessions."""

    session_id: str
    current_price_fen: int
    floor_price_fen: int
    helpers_needed: int
    expires_at: int


class BargainView(BaseModel):
    """A bargain activity."""

    id: str
    sku_id: str
    product_id: str
    title: str
    spec: str
    image: Optional[str] = None
    start_price_fen: int
    floor_price_fen: int
    helpers_needed: int
    duration_seconds: int
    stock: int
    per_user_limit: int
    daily_help_limit: int
    buy_mode: str
    starts_at: int
    ends_at: Optional[int] = None
    status: str = Field(..., description="upcoming | active | ended | sold_out")


class BargainStatsView(BaseModel):
    """What a bargain brought: sessions, helps, and helps by shoppers new to the shop."""

    sessions: int
    helps: int
    new_helpers: int
    sold: int


class BargainAdminView(BargainView):
    """A bargain as its merchant sees it."""

    created_at: str
    stats: BargainStatsView


class BargainPage(BaseModel):
    """A page of bargains."""

    items: List[BargainView]
    next_cursor: Optional[str] = None


class Helper(BaseModel):
    """One friend's cut."""

    user_id: str
    nickname: str
    avatar_url: str
    cut_fen: int
    price_after_fen: int
    is_new: bool
    at: str


class SessionView(BaseModel):
    """A bargain session (anyone of the shop may view it: friends open the shared link)."""

    id: str
    bargain_id: str
    owner_id: str
    sku_id: str
    title: str
    start_price_fen: int
    current_price_fen: int
    floor_price_fen: int
    helpers_needed: int
    helps: int
    new_helpers: int
    status: str = Field(..., description="open | complete (floor reached) | used | expired")
    buy_mode: str
    can_buy: bool = Field(..., description="the caller may check out with activity {type: bargain, id: <this id>}")
    order_id: Optional[str] = None
    created_at: str
    expires_at: int
    expires_at_iso: str
    helpers: List[Helper]


class SessionPage(BaseModel):
    """A page of sessions."""

    items: List[SessionView]
    next_cursor: Optional[str] = None


class HelpResult(BaseModel):
    """A friend's cut."""

    cut_fen: int
    current_price_fen: int
    floor_price_fen: int
    helps: int
    helpers_needed: int
    reached_floor: bool
    is_new: bool
