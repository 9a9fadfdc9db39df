"""Request bodies and response shapes of the card-collecting capability."""
from typing import Dict, List, Literal, Optional

from pydantic import BaseModel, Field, model_validator

from crowdcart.api.schemas import EpochSeconds as Moment, HttpsUrl, Id, Strict
from crowdcart.domain import cards as rules


class KindIn(Strict):
    """A card kind; `weight` is its rarity (chance per draw = weight / total weight)."""

    name: str = Field(..., min_length=1, max_length=20)
    weight: int = Field(..., ge=1, le=rules.MAX_WEIGHT)
    image_url: Optional[HttpsUrl] = None


class PrizeIn(Strict):
    """The prize for a full set: coupon (`template_id`), points, or product (`template_id` of a voucher
    coupon restricted to `product_id`)."""

    name: str = Field(..., min_length=1, max_length=40)
    kind: Literal["coupon", "points", "product"]
    template_id: Optional[Id] = None
    points: Optional[int] = Field(None, ge=1, le=1_000_000)
    product_id: Optional[Id] = None
    image_url: Optional[HttpsUrl] = None

    @model_validator(mode="after")
    def _complete(self) -> "PrizeIn":
        if self.kind in ("coupon", "product") and not self.template_id:
            raise ValueError(f"a {self.kind} prize needs template_id")
        if self.kind == "points" and not self.points:
            raise ValueError("a points prize needs points")
        return self


class CreateCardSet(Strict):
    """POST /admin/v1/card-sets. Draws: `initial_draws` on joining, `assist_draws` per friend's assist
    (the first `assists_cap` friends), `order_draws` per paid order of at least `order_min_fen`,
    `share_draws` per share (at most `share_daily_cap` a day). `prize_stock` caps redemptions (none:
    unlimited). A gift of a duplicate card can be claimed for `gift_hours`."""

    name: str = Field(..., min_length=1, max_length=60)
    description: str = Field("", max_length=1000)
    starts_at: Optional[Moment] = None
    ends_at: Moment
    kinds: List[KindIn] = Field(..., min_length=rules.MIN_KINDS, max_length=rules.MAX_KINDS)
    prize: PrizeIn
    prize_stock: Optional[int] = Field(None, ge=1, le=1_000_000)
    initial_draws: int = Field(1, ge=0, le=100)
    assist_draws: int = Field(1, ge=0, le=100)
    assists_cap: int = Field(10, ge=0, le=1000)
    order_draws: int = Field(0, ge=0, le=100)
    order_min_fen: int = Field(0, ge=0, le=100_000_000_00)
    share_draws: int = Field(0, ge=0, le=100)
    share_daily_cap: int = Field(3, ge=0, le=100)
    gift_hours: int = Field(24, ge=1, le=168)
    share_title: str = Field("", max_length=60)
    share_image_url: Optional[HttpsUrl] = None

    @model_validator(mode="after")
    def _window(self) -> "CreateCardSet":
        if self.starts_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Gift(Strict):
    """POST /v1/card-sets/{id}/gifts: give one duplicate of `kind_id`."""

    kind_id: str = Field(..., pattern=r"^k[1-9][0-9]?$")


class Share(Strict):
    """POST /v1/card-sets/{id}/shares: a client-made id per share (a retried report counts once)."""

    share_id: str = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class Created(BaseModel):
    """201 of a creation."""

    id: str


class KindView(BaseModel):
    """A card kind as shown."""

    kind_id: str
    name: str
    weight: int
    chance_percent: float
    image_url: Optional[str] = None


class CardSetView(BaseModel):
    """A card set."""

    id: str
    name: str
    description: str
    starts_at: int
    ends_at: int
    status: str = Field(..., description="upcoming | active | ended")
    kinds: List[KindView]
    prize: dict
    prize_stock: Optional[int] = None
    prize_remaining: Optional[int] = None
    redeemed: Optional[int] = None
    initial_draws: int
    assist_draws: int
    assists_cap: int
    order_draws: int
    order_min_fen: int
    share_draws: int
    share_daily_cap: int
    gift_hours: int


class CardSetPage(BaseModel):
    """A page of card sets."""

    items: List[CardSetView]
    next_cursor: Optional[str] = None


class AlbumView(BaseModel):
    """A shopper's album in one set."""

    set_id: str
    user_id: str
    cards: Dict[str, int]
    draws: int
    draws_earned: int
    draws_used: int
    assists: int
    complete: bool
    missing: List[str]
    duplicates: Dict[str, int]
    redeemed: bool
    redeemed_at: Optional[str] = None


class DrawView(BaseModel):
    """A drawn card."""

    draw_id: str
    kind_id: str
    name: str
    draws_left: int
    replayed: bool = False


class AssistResult(BaseModel):
    """A friend's assist."""

    owner_id: str
    draws_given: int
    is_new: bool


class GiftView(BaseModel):
    """A card given to a friend."""

    id: str
    set_id: str
    kind_id: str
    giver_id: str
    receiver_id: Optional[str] = None
    status: str = Field(..., description="open | claimed | cancelled | expired")
    expires_at: int
    path: str


class RedemptionView(BaseModel):
    """A redeemed full set and what it granted."""

    set_id: str
    user_id: str
    prize: dict
    granted: Optional[dict] = None
    at: str


class ShareResult(BaseModel):
    """A reported share: draws credited (or why not)."""

    share_id: str
    credited: int
    capped: bool
    duplicate: bool
    draws: int


class SharePayload(BaseModel):
    """What the mini-program's share card shows (friends open the album to assist)."""

    title: str
    image_url: Optional[str] = None
    path: str
    campaign_kind: str
    campaign_id: str
