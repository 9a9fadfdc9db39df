"""A shop's operating settings with their defaults and limits."""
from typing import Annotated, Any, Dict, List, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

_Id = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
TemplateId = Optional[_Id]  # a coupon template id of this shop (issued automatically when set)


class MemberLevel(BaseModel):
    """One member level: reached by cumulative spend (paid minus refunded), with its privileges."""

    model_config = ConfigDict(extra="forbid")

    level: int = Field(..., ge=1, le=20)
    name: str = Field(..., min_length=1, max_length=20)
    min_spent_fen: int = Field(..., ge=0, le=100_000_000_00)
    discount_percent: int = Field(0, ge=0, le=50, description="member discount on every line")
    points_multiplier_percent: int = Field(100, ge=100, le=1000, description="earned points × this / 100")
    coupon_template_ids: List[_Id] = Field(default_factory=list, max_length=5,
                                           description="coupons issued once on reaching this level")


class ShopSettings(BaseModel):
    """What a merchant may tune; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    pay_timeout_minutes: int = Field(15, ge=1, le=1440)
    auto_receive_days: int = Field(7, ge=1, le=60)
    after_sales_days: int = Field(7, ge=0, le=60)
    points_per_yuan: int = Field(1, ge=0, le=1000)
    points_per_yuan_cash: int = Field(100, ge=1, le=100000, description="points worth 1 yuan at checkout")
    points_cash_percent_cap: int = Field(50, ge=0, le=100)
    shipping_fee_fen: int = Field(0, ge=0, le=100000)
    free_shipping_over_fen: Optional[int] = Field(None, ge=0)
    cart_line_limit: int = Field(50, ge=1, le=200)
    # points earning rules (functions/points; credited once per cause)
    check_in_points: int = Field(5, ge=0, le=10000)
    check_in_streak_days: int = Field(7, ge=2, le=31, description="every Nth consecutive day earns the bonus")
    check_in_streak_bonus: int = Field(20, ge=0, le=100000)
    share_points: int = Field(2, ge=0, le=10000)
    share_daily_cap: int = Field(3, ge=0, le=100, description="shares credited per shopper per day")
    review_points: int = Field(10, ge=0, le=10000)
    profile_points: int = Field(20, ge=0, le=100000, description="once, when the profile is complete")
    # coupons issued automatically (functions/coupons; once per cause)
    new_customer_coupon_template_id: TemplateId = None
    order_coupon_template_id: TemplateId = Field(None, description="下单返券: issued when an order is received")
    order_coupon_min_paid_fen: int = Field(0, ge=0, le=100_000_000_00)
    birthday_coupon_template_id: TemplateId = None
    birthday_coupon_days_before: int = Field(3, ge=0, le=30)
    # member levels by cumulative spend (functions/members)
    member_levels: List[MemberLevel] = Field(default_factory=list, max_length=20)

    @field_validator("member_levels")
    @classmethod
    def _levels_climb(cls, levels: List[MemberLevel]) -> List[MemberLevel]:
        """Levels are numbered 1, 2, 3… and each needs more spend than the one below."""
        for index, level in enumerate(levels):
            if level.level != index + 1:
                raise ValueError("levels must be numbered 1, 2, 3… in order")
            if index and level.min_spent_fen <= levels[index - 1].min_spent_fen:
                raise ValueError("each level needs a higher min_spent_fen than the one below")
        return levels


def effective(stored: Optional[Dict[str, Any]]) -> ShopSettings:
    """Stored settings merged over the defaults."""
    return ShopSettings(**(stored or {}))
