"""Request bodies and response shapes of the discount-pool capability."""
from typing import Annotated, List, Optional

from pydantic import BaseModel, Field, model_validator

from crowdcart.api.schemas import Fen, Id, Name, Strict

Moment = Annotated[int, Field(ge=1_500_000_000, le=4_102_444_800, description="epoch seconds")]


class CreateRule(Strict):
    """POST /admin/v1/discount-pool-rules.

    When an order paying at least `min_paid_fen` is paid, a pool of `pool_size` vouchers is created
    for its buyer to share for `pool_seconds`; each friend (and the buyer, if `buyer_may_claim`) may
    claim one: a coupon of `amount_off_fen` off — no threshold, or needing `min_spend_fen` of eligible
    goods — on `product_ids` (empty: the whole shop), valid `coupon_valid_days` from the claim.
    When several rules match a payment, the one with the highest `min_paid_fen` wins.
    """

    name: Name
    description: str = Field("", max_length=500)
    min_paid_fen: Fen = 0
    pool_size: int = Field(..., ge=1, le=1000)
    pool_seconds: int = Field(86400, ge=300, le=30 * 86400)
    buyer_may_claim: bool = True
    amount_off_fen: int = Field(..., ge=1, le=100_000_000)
    min_spend_fen: Fen = 0
    product_ids: List[Id] = Field(default_factory=list, max_length=50)
    coupon_valid_days: int = Field(7, ge=1, le=365)
    starts_at: Optional[Moment] = None
    ends_at: Optional[Moment] = None

    @model_validator(mode="after")
    def _sane(self) -> "CreateRule":
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Created(BaseModel):
    """201 of a creation."""

    id: str


class RuleView(BaseModel):
    """A discount-pool rule."""

    id: str
    name: str
    description: str
    min_paid_fen: int
    pool_size: int
    pool_seconds: int
    buyer_may_claim: bool
    amount_off_fen: int
    min_spend_fen: int
    product_ids: List[str]
    coupon_valid_days: int
    starts_at: int
    ends_at: Optional[int] = None
    status: str = Field(..., description="upcoming | active | ended")
    pools_created: int
    created_at: str


class RulePage(BaseModel):
    """A page of rules."""

    items: List[RuleView]
    next_cursor: Optional[str] = None


class Claimer(BaseModel):
    """One friend's claim."""

    user_id: str
    nickname: str
    avatar_url: str
    is_new: bool
    at: str


class ShareCard(BaseModel):
    """What the mini-program's share card shows."""

    title: str
    description: str
    path: str
    image_url: Optional[str] = None


class PoolView(BaseModel):
    """A pool of vouchers (anyone of the shop may view it: friends open the shared card)."""

    id: str
    rule_id: str
    owner_id: str
    name: str
    order_id: Optional[str] = Field(None, description="shown to the buyer only")
    status: str = Field(..., description="open | claimed_out | expired | closed")
    size: int
    claimed: int
    left: int
    new_claimers: int
    buyer_may_claim: bool
    amount_off_fen: int
    min_spend_fen: int
    product_ids: List[str]
    coupon_valid_days: int
    created_at: str
    expires_at: int
    mine: bool
    claimed_by_me: bool
    claimers: List[Claimer]
    share: ShareCard


class PoolPage(BaseModel):
    """A page of pools."""

    items: List[PoolView]
    next_cursor: Optional[str] = None


class ClaimResult(BaseModel):
    """201 of a claim: the voucher is a coupon in the claimer's wallet, usable at checkout."""

    pool_id: str
    coupon_id: str
    amount_off_fen: int
    min_spend_fen: int
    valid_days: int
    is_new: bool
