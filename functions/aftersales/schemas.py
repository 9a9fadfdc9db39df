"""Request bodies of after-sales."""
from typing import List, Optional

from pydantic import Field

from crowdcart.api.schemas import HttpsUrl, Id, Strict


class RefundLine(Strict):
    """Part of an order to refund."""

    sku_id: Id
    quantity: int = Field(..., ge=1, le=99)


class RefundRequest(Strict):
    """POST /v1/orders/{order_id}/refund-requests."""

    reason: str = Field(..., min_length=1, max_length=200)
    lines: Optional[List[RefundLine]] = Field(None, min_length=1, max_length=50)
    photos: List[HttpsUrl] = Field(default_factory=list, max_length=9)


class Decision(Strict):
    """POST /admin/v1/refund-requests/{id}/reject (and an optional note on approve)."""

    note: str = Field("", max_length=200)
