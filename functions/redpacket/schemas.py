"""Request bodies and response shapes of the red-packet capability."""
from typing import Annotated, List, Literal, Optional

from pydantic import BaseModel, Field, model_validator

from crowdcart.api.schemas import Fen, HttpsUrl, Name, Strict

Moment = Annotated[int, Field(ge=1_500_000_000, le=4_102_444_800, description="epoch seconds")]


class CreateCampaign(Strict):
    """POST /admin/v1/red-packet-campaigns.

    A shopper's packet opens when `assists_needed` friends have assisted it, within `packet_seconds`;
    the opener then receives a random prize between `min_prize` and `max_prize` from the pool of
    `budget` (fen for `coupon` prizes, points for `points` prizes), to at most `winners` openers.
    A coupon prize is no-threshold, or needs `coupon_min_spend_fen` of goods, and is valid
    `coupon_valid_days` from the opening. A friend assists at most `daily_assist_limit` packets of
    the campaign a day; a shopper starts at most `per_user_limit` packets.
    """

    name: Name
    description: str = Field("", max_length=500)
    image: Optional[HttpsUrl] = None
    assists_needed: int = Field(..., ge=1, le=50)
    prize_kind: Literal["coupon", "points"]
    budget: int = Field(..., ge=1, le=10_000_000_000)
    winners: int = Field(..., ge=1, le=1_000_000)
    min_prize: int = Field(..., ge=1, le=100_000_000)
    max_prize: int = Field(..., ge=1, le=100_000_000)
    coupon_min_spend_fen: Fen = 0
    coupon_valid_days: int = Field(7, ge=1, le=365)
    packet_seconds: int = Field(86400, ge=300, le=7 * 86400)
    daily_assist_limit: int = Field(3, ge=1, le=100)
    per_user_limit: int = Field(1, ge=1, le=99)
    starts_at: Optional[Moment] = None
    ends_at: Optional[Moment] = None

    @model_validator(mode="after")
    def _sane(self) -> "CreateCampaign":
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Created(BaseModel):
    """201 of a creation."""

    id: str


class CampaignView(BaseModel):
    """A red-packet campaign."""

    id: str
    name: str
    description: str
    image: Optional[str] = None
    assists_needed: int
    prize_kind: str
    min_prize: int
    max_prize: int
    packet_seconds: int
    daily_assist_limit: int
    per_user_limit: int
    starts_at: int
    ends_at: Optional[int] = None
    status: str = Field(..., description="upcoming | active | full | finished | ended")


class CampaignAdminView(CampaignView):
    """A campaign with its pool as the merchant sees it."""

    budget: int
    remaining: int
    winners: int
    winners_left: int
    seats_left: int
    coupon_min_spend_fen: int
    coupon_valid_days: int
    packets_started: int
    packets_opened: int
    packets_expired: int
    paid_out: int
    created_at: str


class CampaignPage(BaseModel):
    """A page of campaigns."""

    items: List[CampaignView]
    next_cursor: Optional[str] = None


class Helper(BaseModel):
    """One friend's assist."""

    user_id: str
    nickname: str
    avatar_url: str
    is_new: bool
    at: str


class Prize(BaseModel):
    """What the opener received (shown to the owner only)."""

    kind: str
    amount: int = Field(..., description="fen off for a coupon, points for points")
    coupon_id: Optional[str] = None
    opened_at: str


class ShareCard(BaseModel):
    """What the mini-program's share card shows."""

    title: str
    description: str
    path: str
    image_url: Optional[str] = None


class PacketView(BaseModel):
    """A red packet (anyone of the shop may view it: friends open the shared card)."""

    id: str
    campaign_id: str
    owner_id: str
    name: str
    status: str = Field(..., description="open | opened | expired")
    assists: int
    assists_needed: int
    new_assists: int
    prize_kind: str
    created_at: str
    expires_at: int
    mine: bool
    assisted: bool = Field(..., description="the caller already assisted this packet")
    prize: Optional[Prize] = None
    helpers: List[Helper]
    share: ShareCard


class PacketPage(BaseModel):
    """A page of packets."""

    items: List[PacketView]
    next_cursor: Optional[str] = None


class AssistResult(BaseModel):
    """A friend's assist."""

    packet_id: str
    assists: int
    assists_needed: int
    opened: bool = Field(..., description="this assist was the last one needed: the packet opened")
    is_new: bool
