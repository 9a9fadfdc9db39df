"""Request bodies of the sandbox capability."""
from typing import Literal, Optional

from pydantic import Field

from crowdcart.api.schemas import Strict


class SandboxPay(Strict):
    """POST /sandbox/wechatpay/orders/{id}/pay: optionally pay another amount, or sign with the certificate key."""

    amount_fen: Optional[int] = Field(None, ge=1, le=100_000_000_00)
    key: Literal["public_key", "certificate"] = "public_key"


class SandboxRefundNotice(Strict):
    """POST /sandbox/wechatpay/orders/{id}/refunds/{no}/notify: which refund result WeChat reports."""

    status: Literal["SUCCESS", "ABNORMAL", "CLOSED"] = "SUCCESS"
