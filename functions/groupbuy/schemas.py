"""Request and response bodies of group buying."""
from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, Field

from crowdcart.api.delivery import Delivery
from crowdcart.api.schemas import Fen, Id, Strict


class CreateGroupBuy(Strict):
    """POST /admin/v1/group-buys."""

    sku_id: Id
    group_price_fen: Fen
    group_size: int = Field(..., ge=2, le=50)
    duration_seconds: int = Field(..., ge=1, le=7 * 86400)
    starts_at: Optional[int] = Field(None, ge=0, description="epoch seconds; default: now")
    ends_at: Optional[int] = Field(None, ge=0, description="epoch seconds; required for a lottery (its draw)")
    kind: Literal["normal", "lottery", "new_user"] = "normal"
    winners: Optional[int] = Field(None, ge=1, le=49, description="lottery: winners per formed group")
    per_user_limit: int = Field(1, ge=1, le=100, description="seats one shopper may hold in this activity")


class TakeSeat(Strict):
    """Opening or joining a group: where the goods go (the same `delivery` as POST /v1/orders)."""

    delivery: Delivery
    note: str = Field("", max_length=200)


class Created(BaseModel):
    """201 of POST /admin/v1/group-buys."""

    id: str


class Opened(BaseModel):
    """201 of opening a group."""

    group_id: str
    order_id: str
    expires_at: int


class Joined(BaseModel):
    """201 of joining a group."""

    order_id: str
    group_id: str


class MemberView(BaseModel):
    """One seat as the share card shows it."""

    user_id: str
    nickname: str
    avatar_url: str
    role: Literal["leader", "member"]
    paid: bool
    joined_at: int


class GroupView(BaseModel):
    """GET /v1/groups/{group_id}: what the share card shows."""

    id: str
    activity_id: str
    kind: str
    status: Literal["open", "formed", "failed"]
    size: int
    paid_count: int
    seats_left: int
    members: List[MemberView]
    expires_at: int
    seconds_left: int
    group_price_fen: int
    title: str
    image: Optional[str] = None
    draw_at: Optional[int] = None
    draw: Optional[Dict[str, Any]] = None
    me: Optional[Dict[str, Any]] = None
