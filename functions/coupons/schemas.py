"""Request bodies and response models of the coupons capability."""
from typing import List, Literal, Optional

from pydantic import AwareDatetime, BaseModel, Field

from crowdcart.api.schemas import Id, Name, Strict


class CreateTemplate(Strict):
    """POST /admin/v1/coupon-templates: what a coupon takes off, for whom, how many and how long.

    Validity is either fixed (`valid_until`, optionally `valid_from`) or `valid_days_after_claim`.
    Times are ISO-8601 with a zone, or epoch seconds.
    """

    name: Name
    description: str = Field("", max_length=200)
    kind: Literal["amount_off", "percent_off", "no_threshold"]
    amount_off_fen: Optional[int] = Field(None, ge=1, le=100_000_000_00)
    percent_off: Optional[int] = Field(None, ge=1, le=99, description="10 means 10% off")
    max_off_fen: Optional[int] = Field(None, ge=1, le=100_000_000_00, description="cap of a percent_off coupon")
    min_spend_fen: int = Field(0, ge=0, le=100_000_000_00, description="on the eligible lines")
    quota: int = Field(..., ge=1, le=10_000_000)
    per_user_limit: int = Field(1, ge=1, le=100)
    valid_from: Optional[AwareDatetime] = None
    valid_until: Optional[AwareDatetime] = None
    valid_days_after_claim: Optional[int] = Field(None, ge=1, le=3650)
    product_ids: List[Id] = Field(default_factory=list, max_length=100)
    category_ids: List[Id] = Field(default_factory=list, max_length=50)
    stackable_with_member: bool = True
    public: bool = Field(True, description="shown in the coupon center (false: issued automatically or by merchants)")
    enabled: bool = True
    points_cost: Optional[int] = Field(None, ge=1, le=100_000_000, description="obtained by exchanging points")


class UpdateTemplate(Strict):
    """PATCH /admin/v1/coupon-templates/{id}: switch on or off, show or hide, add quota."""

    enabled: Optional[bool] = None
    public: Optional[bool] = None
    add_quota: Optional[int] = Field(None, ge=1, le=10_000_000)


class IssueToUsers(Strict):
    """POST /admin/v1/coupon-templates/{id}/issues: one coupon each; `batch_id` makes a retry issue nothing twice."""

    batch_id: str = Field(..., pattern=r"^[A-Za-z0-9_-]{1,64}$")
    user_ids: List[Id] = Field(..., min_length=1, max_length=100)


class CouponView(BaseModel):
    """A coupon in the shopper's wallet (status: unused, used or expired)."""

    id: str
    template_id: str
    name: str
    status: Literal["unused", "used", "expired"]
    kind: str
    amount_off_fen: int
    percent_off: int
    max_off_fen: Optional[int] = None
    min_spend_fen: int
    product_ids: List[str]
    category_ids: List[str]
    stackable_with_member: bool
    valid_from: str
    valid_until: str
    valid_from_at: int
    valid_until_at: int
    used_order_id: Optional[str] = None
    issued_at: str


class CouponPage(BaseModel):
    """A page of the wallet."""

    items: List[CouponView]
    next_cursor: Optional[str] = None


class Claimed(BaseModel):
    """POST /v1/coupon-templates/{id}/claim: the coupon now in the wallet (`replayed` for a repeated key)."""

    coupon_id: str
    coupon: CouponView
    replayed: bool


class TemplateStats(BaseModel):
    """Claimed (issued) and used right now, against the quota."""

    claimed: int
    used: int
    remaining: int
    quota: int


class TemplateView(BaseModel):
    """A coupon template; the merchant also sees quota, counters, flags and (on GET by id) stats."""

    id: str
    name: str
    description: str
    kind: str
    amount_off_fen: int
    percent_off: int
    max_off_fen: Optional[int] = None
    min_spend_fen: int
    product_ids: List[str]
    category_ids: List[str]
    stackable_with_member: bool
    per_user_limit: int
    points_cost: Optional[int] = None
    valid_from: Optional[str] = None
    valid_until: Optional[str] = None
    valid_days_after_claim: Optional[int] = None
    sold_out: bool
    quota: Optional[int] = None
    remaining: Optional[int] = None
    claimed: Optional[int] = None
    public: Optional[bool] = None
    enabled: Optional[bool] = None
    created_at: Optional[str] = None
    stats: Optional[TemplateStats] = None


class TemplatePage(BaseModel):
    """A page of the shop's templates."""

    items: List[TemplateView]
    next_cursor: Optional[str] = None


class CenterItem(TemplateView):
    """A template in the coupon center with the shopper's own state ("claimed/limit")."""

    claimed: int
    limit: int
    claimed_label: str
    can_claim: bool


class CenterPage(BaseModel):
    """A page of the coupon center."""

    items: List[CenterItem]
    next_cursor: Optional[str] = None


class IssueResult(BaseModel):
    """One shopper's outcome: issued, already_issued, or an error code (user_not_found, coupon_sold_out…)."""

    user_id: str
    result: str
    coupon_id: Optional[str] = None


class Issued(BaseModel):
    """POST /admin/v1/coupon-templates/{id}/issues."""

    template_id: str
    batch_id: str
    results: List[IssueResult]
    issued: int
