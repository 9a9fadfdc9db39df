"""Request bodies and response shapes of the gift-voucher capability."""
from typing import Annotated, List, Optional

from pydantic import BaseModel, Field, StringConstraints

from crowdcart.api.schemas import Id, Strict

Token = Annotated[str, StringConstraints(min_length=42, max_length=100, pattern=r"^[0-9A-Za-z_-]+$")]


class VoucherConfig(Strict):
    """PUT /admin/v1/gift-voucher-products/{product_id}: how this voucher product's vouchers behave.

    Vouchers are valid `valid_days` from payment; a share link stays open `share_seconds`; claimed
    vouchers pay, online, for `redeem_product_ids` (empty: anything in the shop). Vouchers already
    sold keep the settings they were sold with.
    """

    valid_days: int = Field(365, ge=1, le=3 * 365)
    share_seconds: int = Field(86400, ge=300, le=30 * 86400)
    redeem_product_ids: List[Id] = Field(default_factory=list, max_length=50)


class ConfigView(BaseModel):
    """A voucher product's settings."""

    product_id: str
    valid_days: int
    share_seconds: int
    redeem_product_ids: List[str]
    updated_at: Optional[str] = None


class Send(Strict):
    """POST /v1/gift-vouchers/{voucher_id}/send: an optional greeting shown to the friend."""

    message: Optional[str] = Field(None, max_length=200)


class ShareToken(Strict):
    """A share token, as the friend's mini-program received it in the shared link."""

    token: Token


class Redemption(Strict):
    """POST /admin/v1/gift-voucher-redemptions: the code the claimant shows in the store."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
    store_id: Optional[Id] = None


class VoucherView(BaseModel):
    """A gift voucher as its buyer or claimant sees it."""

    id: str
    order_id: Optional[str] = Field(None, description="shown to the buyer only")
    product_id: str
    sku_id: str
    title: str
    spec: str
    image: Optional[str] = None
    face_value_fen: int
    redeem_product_ids: List[str]
    status: str = Field(..., description="held | sent | claimed | redeemed | expired | void")
    valid_until: int
    valid_until_iso: str
    buyer_id: str
    holder_id: Optional[str] = None
    message: Optional[str] = None
    share_expires_at: Optional[int] = None
    claimed_at: Optional[str] = None
    coupon_id: Optional[str] = Field(None, description="the claimant's coupon: redeem online with it at checkout")
    code: Optional[str] = Field(None, description="the claimant's in-store code")
    redeemed_at: Optional[str] = None
    redeemed_order_id: Optional[str] = None


class VoucherPage(BaseModel):
    """A list of vouchers."""

    items: List[VoucherView]
    next_cursor: Optional[str] = None


class ShareCard(BaseModel):
    """What the mini-program's share card shows."""

    title: str
    description: str
    path: str
    image_url: Optional[str] = None


class Sent(BaseModel):
    """A sent voucher: the one-time token (put it in the shared link) and the share card."""

    voucher: VoucherView
    share_token: str
    share_expires_at: int
    share: ShareCard


class Sender(BaseModel):
    """Who sent the gift."""

    user_id: str
    nickname: str
    avatar_url: str


class Preview(BaseModel):
    """What a friend who opens the link sees."""

    voucher_id: str
    title: str
    spec: str
    image: Optional[str] = None
    face_value_fen: int
    message: Optional[str] = None
    sender: Sender
    status: str = Field(..., description="sent | link_expired | claimed | redeemed | expired | void | held")
    claimable: bool
    claimed_by_me: bool
    share_expires_at: int
    valid_until: int
