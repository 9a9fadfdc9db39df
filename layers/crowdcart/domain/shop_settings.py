"""A shop's operating settings with their defaults and limits."""
from typing import Any, Dict, Optional

from pydantic import BaseModel, ConfigDict, Field


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


def effective(stored: Optional[Dict[str, Any]]) -> ShopSettings:
    """Stored settings merged over the defaults."""
    return ShopSettings(**(stored or {}))
