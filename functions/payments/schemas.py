"""Request bodies of the payments capability."""
from typing import List, Optional

from pydantic import BaseModel, Field

from crowdcart.api.schemas import Strict


class PublicKey(Strict):
    """A WeChat Pay public key (public-key mode)."""

    id: str = Field(..., pattern=r"^PUB_KEY_ID_[0-9A-Za-z_]{1,64}$")
    pem: str = Field(..., min_length=100, max_length=4096)


class Certificate(Strict):
    """A WeChat Pay platform certificate (certificate mode)."""

    serial: str = Field(..., pattern=r"^[0-9A-Fa-f]{1,64}$")
    pem: str = Field(..., min_length=100, max_length=8192)


class PayKeys(Strict):
    """PUT /admin/v1/wechat/pay: the non-secret parts of the merchant account (several keys during a rotation).

    appid and mchid stay with PUT /admin/v1/wechat; the APIv3 key and merchant private key live in
    Secrets Manager (`crowdcart/wechatpay/merchant/<shop_id>`), never in a request body.
    """

    merchant_serial_no: str = Field(..., pattern=r"^[0-9A-Fa-f]{1,64}$")
    public_keys: List[PublicKey] = Field(default_factory=list, max_length=5)
    certificates: List[Certificate] = Field(default_factory=list, max_length=5)


class JsapiParams(BaseModel):
    """What the mini-program passes to wx.requestPayment."""

    appId: str
    timeStamp: str
    nonceStr: str
    package: str = Field(..., description="prepay_id=…")
    signType: str = Field(..., description="RSA")
    paySign: str


class PayOut(BaseModel):
    """POST /v1/orders/{id}/pay."""

    prepay: JsapiParams


class PayKeysOut(BaseModel):
    """The shop's WeChat Pay setup, without secrets."""

    mode: str
    appid: Optional[str]
    mchid: Optional[str]
    merchant_serial_no: Optional[str]
    public_key_ids: List[str]
    certificate_serials: List[str]
    secrets_configured: bool
    notify_url: str


class RefundOut(BaseModel):
    """One refund of an order."""

    out_refund_no: str
    amount_fen: int
    reason: str
    status: str = Field(..., description="requested | succeeded | abnormal | closed")
    attempts: int
    last_error: Optional[str]
    lines: Optional[List[dict]]
    restock: Optional[List[dict]]
    created_at: str
    updated_at: str


class RefundList(BaseModel):
    """The refunds of an order."""

    items: List[RefundOut]
    next_cursor: Optional[str]
