"""Referral commissions that follow an order's life on the table stream (each change applied once).

- becomes `received` → commissions earned, frozen (crowdcart.plays.referral.earn, once per order);
- becomes `completed` (the auto-complete sweeper closed the after-sales window) → unfrozen;
- `refunded_fen` grows (partial or whole refund, before or after completion) → lowered or reversed.
"""
from typing import Any, Dict, Optional

from crowdcart.domain import order_states as states
from crowdcart.plays import referral
from crowdcart.reactions.stream import on

Image = Optional[Dict[str, Any]]


@on("order")
def order_commissions(old: Image, new: Image, at: int) -> None:
    """Earn, unfreeze or reverse the commissions of a referred shopper's order."""
    if not new:
        return
    before = old or {}
    status, was = new.get("status"), before.get("status")
    if status == states.RECEIVED and was != states.RECEIVED:
        referral.earn(new, at or None)
    if status == states.COMPLETED and was != states.COMPLETED:
        referral.earn(new, at or None)  # normally done at receipt; harmless when it was
        referral.unfreeze(new, at or None)
    if old is not None and int(new.get("refunded_fen") or 0) > int(before.get("refunded_fen") or 0):
        referral.adjust(new, at or None)
