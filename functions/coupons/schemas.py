"""Request bodies of the coupons capability."""
from typing import List, Literal, Optional

from pydantic import AwareDatetime, Field

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
    public: bool = Field(True, description="shown in the coupon center (false: issued automatically or by the merchant)")
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


class WalletStatus(Strict):
    """The `status` query of GET /v1/me/coupons."""

    status: Literal["unused", "used", "expired"] = "unused"
