"""Request bodies and response models of the points capability."""
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field

from crowdcart.api.schemas import Id, Strict


class Share(Strict):
    """POST /v1/me/shares: one share the mini-program reports; the same `share_id` counts once."""

    share_id: str = Field(..., pattern=r"^[A-Za-z0-9_-]{1,64}$")
    page: str = Field("", max_length=200, description="what was shared (a product page, a group…)")


class Exchange(Strict):
    """POST /v1/me/points/exchanges: spend points on one coupon of a template that has a points cost."""

    template_id: Id


class LedgerEntry(BaseModel):
    """One credit (> 0) or debit (< 0) and what caused it."""

    cause: str
    kind: str
    points: int
    created_at: str
    data: Optional[Dict[str, Any]] = None


class PointsSummary(BaseModel):
    """GET /v1/me/points: balance, lifetime totals and a page of the ledger, newest first."""

    balance: int
    earned_total: int
    spent_total: int
    ledger: List[LedgerEntry]
    next_cursor: Optional[str] = None


class CheckedIn(BaseModel):
    """POST /v1/me/check-ins."""

    date: str
    streak: int
    points: int
    balance: int


class Shared(BaseModel):
    """POST /v1/me/shares: points credited (0 when capped today or already counted)."""

    share_id: str
    credited: int
    capped: bool
    duplicate: bool
    balance: int


class Exchanged(BaseModel):
    """POST /v1/me/points/exchanges: the coupon bought and the balance left."""

    coupon_id: str
    points_spent: int
    replayed: bool
    balance: int
    coupon: Dict[str, Any]
