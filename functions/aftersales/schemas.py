"""Request bodies of after-sales."""
from typing import List, Optional

from pydantic import BaseModel, Field

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


class AfterSaleView(BaseModel):
    """A refund request and its decision."""

    id: str
    order_id: str
    status: str
    reason: str
    photos: List[str]
    lines: Optional[List[RefundLine]] = None
    amount_fen: int
    created_at: str
    decided_at: Optional[str] = None
    decision_note: Optional[str] = None
    out_refund_no: Optional[str] = None


class AfterSalePage(BaseModel):
    """A page of refund requests."""

    items: List[AfterSaleView]
    next_cursor: Optional[str] = None
