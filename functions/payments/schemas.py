"""Request bodies of the payments capability."""
from typing import List

from pydantic import Field

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
