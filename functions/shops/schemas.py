"""Request bodies of the shops capability."""
from typing import Literal, Optional

from crowdcart.api.schemas import Name, Strict
from pydantic import Field


class CreateShop(Strict):
    """POST /admin/v1/shops."""

    name: Name


class CreateStaffKey(Strict):
    """POST /admin/v1/staff-keys."""

    role: Literal["owner", "operator", "viewer"]
    label: str = Field("", max_length=100)


class WechatConfig(Strict):
    """PUT /admin/v1/wechat: the mini-program and merchant account of this shop."""

    appid: str = Field(..., min_length=1, max_length=64)
    app_secret: Optional[str] = Field(None, max_length=128)
    mchid: Optional[str] = Field(None, max_length=32)
