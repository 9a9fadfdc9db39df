"""Request bodies and response shapes of the lottery capability."""
from typing import List, Literal, Optional

from pydantic import BaseModel, Field, model_validator

from crowdcart.api.schemas import EpochSeconds as Moment, HttpsUrl, Id, Strict
from crowdcart.domain import lottery as rules


class PrizeIn(Strict):
    """One prize: coupon (`template_id`), points (`points`), product (`template_id` of a voucher coupon
    restricted to `product_id`) or thanks. `probability_ppm` is its chance in parts per million; every
    prize but thanks needs a `stock` (a won prize beyond its stock falls through to thanks)."""

    name: str = Field(..., min_length=1, max_length=40)
    kind: Literal["coupon", "points", "product", "thanks"]
    probability_ppm: int = Field(..., ge=0, le=rules.PPM)
    stock: Optional[int] = Field(None, ge=0, le=1_000_000)
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
        if self.kind != "thanks" and self.stock is None:
            raise ValueError(f"a {self.kind} prize needs a stock")
        return self


class CreateLottery(Strict):
    """POST /admin/v1/lotteries. Entries: `initial_entries` on joining, `check_in_entries` per daily
    check-in, `order_entries` per paid order of at least `order_min_fen`, `share_entries` per share
    (at most `share_daily_cap` shares a day)."""

    name: str = Field(..., min_length=1, max_length=60)
    description: str = Field("", max_length=1000)
    starts_at: Optional[Moment] = None
    ends_at: Moment
    prizes: List[PrizeIn] = Field(..., min_length=1, max_length=rules.MAX_PRIZES)
    initial_entries: int = Field(1, ge=0, le=100)
    check_in_entries: int = Field(0, ge=0, le=100)
    order_entries: int = Field(0, ge=0, le=100)
    order_min_fen: int = Field(0, ge=0, le=100_000_000_00)
    share_entries: int = Field(0, ge=0, le=100)
    share_daily_cap: int = Field(3, ge=0, le=100)
    share_title: str = Field("", max_length=60)
    share_image_url: Optional[HttpsUrl] = None

    @model_validator(mode="after")
    def _window(self) -> "CreateLottery":
        if self.starts_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if sum(p.probability_ppm for p in self.prizes) > rules.PPM:
            raise ValueError(f"prizes: probabilities must add up to at most {rules.PPM} ppm")
        return self


class Share(Strict):
    """POST /v1/lotteries/{id}/shares: a client-made id per share (a retried report counts once)."""

    share_id: str = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class Created(BaseModel):
    """201 of a creation."""

    id: str


class PrizeView(BaseModel):
    """A prize as shown (probabilities are public, as Chinese promotion rules expect)."""

    prize_id: str
    name: str
    kind: str
    probability_ppm: int
    probability_percent: float
    stock: Optional[int] = None
    remaining: Optional[int] = None
    won: Optional[int] = None
    points: Optional[int] = None
    template_id: Optional[str] = None
    product_id: Optional[str] = None
    image_url: Optional[str] = None


class LotteryView(BaseModel):
    """A lottery."""

    id: str
    name: str
    description: str
    starts_at: int
    ends_at: int
    status: str = Field(..., description="upcoming | active | ended")
    prizes: List[PrizeView]
    thanks_probability_ppm: int
    initial_entries: int
    check_in_entries: int
    order_entries: int
    order_min_fen: int
    share_entries: int
    share_daily_cap: int


class LotteryPage(BaseModel):
    """A page of lotteries."""

    items: List[LotteryView]
    next_cursor: Optional[str] = None


class DrawView(BaseModel):
    """One draw's outcome."""

    draw_id: str
    result: str = Field(..., description="won | thanks")
    prize: Optional[PrizeView] = None
    fell_through: bool = Field(..., description="the picked prize was out of stock, so it became thanks")
    granted: Optional[dict] = None
    at: str
    entries_left: Optional[int] = None
    replayed: bool = False


class MyLottery(BaseModel):
    """The caller's entries and latest draws."""

    lottery_id: str
    entries: int
    earned: int
    used: int
    draws: List[DrawView]


class ShareResult(BaseModel):
    """A reported share: entries credited (or why not)."""

    share_id: str
    credited: int
    capped: bool
    duplicate: bool
    entries: int


class SharePayload(BaseModel):
    """What the mini-program's share card shows."""

    title: str
    image_url: Optional[str] = None
    path: str
    campaign_kind: str
    campaign_id: str
