"""Request bodies of the shops capability."""
from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, Field

from crowdcart.api.schemas import Name, Strict


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


class ShopCreated(BaseModel):
    """201 of POST /admin/v1/shops: the owner's key is shown once."""

    shop_id: str
    api_key: str


class ShopView(BaseModel):
    """The merchant's shop."""

    shop_id: str
    name: str
    created_at: str
    settings: Dict[str, Any]
    wechat: Dict[str, Any]


class SettingsView(BaseModel):
    """The shop's settings after a change."""

    settings: Dict[str, Any]


class WechatView(BaseModel):
    """The shop's WeChat identifiers (never the secret)."""

    wechat: Dict[str, Any]


class StaffKeyCreated(BaseModel):
    """201 of POST /admin/v1/staff-keys: the key is shown once."""

    key_id: str
    role: str
    label: str
    api_key: str


class StaffKeyView(BaseModel):
    """A staff key without its secret."""

    key_id: str
    role: str
    label: str
    created_at: str
    revoked: bool


class StaffKeyPage(BaseModel):
    """The shop's staff keys."""

    items: List[StaffKeyView]
    next_cursor: Optional[str] = None
