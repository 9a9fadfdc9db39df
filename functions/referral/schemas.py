"""Request bodies and response shapes of the referral capability."""
from typing import List, Optional

from pydantic import BaseModel, Field, model_validator

from crowdcart.api.schemas import HttpsUrl, Id, Strict
from crowdcart.domain import commission as rules


class ProgramSettings(Strict):
    """PUT /admin/v1/referral/program.

    Rates are basis points of what the buyer paid net of refunds (100 = 1 %); `level2_rate_bp` 0 keeps
    one level. `binding_days` 0: a binding never lapses; otherwise another promoter's link may bind the
    shopper once it lapsed. `new_shoppers_only`: only shoppers without a paid order can be bound.
    """

    enabled: bool = True
    approval_required: bool = False
    level1_rate_bp: int = Field(..., ge=0, le=rules.MAX_LEVEL_RATE_BP)
    level2_rate_bp: int = Field(0, ge=0, le=rules.MAX_LEVEL_RATE_BP)
    binding_days: int = Field(0, ge=0, le=3650)
    new_shoppers_only: bool = True
    min_withdrawal_fen: int = Field(100, ge=1, le=100_000_000)
    share_title: str = Field("", max_length=60)
    share_image_url: Optional[HttpsUrl] = None

    @model_validator(mode="after")
    def _rates(self) -> "ProgramSettings":
        if self.level1_rate_bp + self.level2_rate_bp > rules.MAX_TOTAL_RATE_BP:
            raise ValueError(f"level1_rate_bp + level2_rate_bp must not exceed {rules.MAX_TOTAL_RATE_BP}")
        return self


class Bind(Strict):
    """POST /v1/referral/bindings: the promoter named by the referral link the shopper opened."""

    promoter_id: Id


class WithdrawalRequest(Strict):
    """POST /v1/me/referral/withdrawals."""

    amount_fen: int = Field(..., ge=1, le=100_000_000_00)


class Decision(Strict):
    """A merchant's note on a decision."""

    note: Optional[str] = Field(None, max_length=200)


class ProgramView(BaseModel):
    """The shop's referral programme."""

    program_id: str
    configured: bool
    enabled: bool
    approval_required: bool
    level1_rate_bp: int
    level2_rate_bp: int
    binding_days: int
    new_shoppers_only: bool
    min_withdrawal_fen: int
    share_title: str
    share_image_url: Optional[str] = None


class PromoterView(BaseModel):
    """A promoter with their balances (fen)."""

    user_id: str
    status: str = Field(..., description="pending | approved | rejected")
    applied_at: str
    decided_at: Optional[str] = None
    invitees: int
    orders: int
    frozen_fen: int
    available_fen: int
    withdrawing_fen: int
    withdrawn_fen: int
    earned_fen: int
    reversed_fen: int


class PromoterPage(BaseModel):
    """A page of promoters."""

    items: List[PromoterView]
    next_cursor: Optional[str] = None


class BindingView(BaseModel):
    """A shopper's binding to a promoter."""

    promoter_id: str
    bound_at: str
    expires_at: Optional[int] = None
    is_new: bool


class MyReferral(BaseModel):
    """GET /v1/me/referral."""

    program: ProgramView
    promoter: Optional[PromoterView] = None
    bound_to: Optional[BindingView] = None


class CommissionView(BaseModel):
    """One commission."""

    order_id: str
    level: int
    rate_bp: int
    payable_fen: int
    refunded_fen: int
    amount_fen: int
    status: str = Field(..., description="frozen | available | reversed")
    earned_at: str


class CommissionPage(BaseModel):
    """A page of commissions, newest first."""

    items: List[CommissionView]
    next_cursor: Optional[str] = None


class InviteeView(BaseModel):
    """A shopper bound to the promoter."""

    user_id: str
    bound_at: str
    expires_at: Optional[int] = None
    is_new: bool


class InviteePage(BaseModel):
    """A page of invitees, newest first."""

    items: List[InviteeView]
    next_cursor: Optional[str] = None


class WithdrawalView(BaseModel):
    """A withdrawal: requested → approved (the merchant paid it, outside Crowdcart) | rejected."""

    id: str
    user_id: str
    amount_fen: int
    status: str
    requested_at: str
    decided_at: Optional[str] = None
    note: Optional[str] = None


class WithdrawalPage(BaseModel):
    """A page of withdrawals, newest first."""

    items: List[WithdrawalView]
    next_cursor: Optional[str] = None


class SharePayload(BaseModel):
    """What the mini-program's share card shows (onShareAppMessage)."""

    title: str
    image_url: Optional[str] = None
    path: str
    promoter_id: str
    campaign_kind: str
    campaign_id: str
