"""Coupons granted by the viral plays (red-packet prizes, shared discounts, gift vouchers).

Their maths is set by the play (a random prize amount, a gift's face value), not by a coupon
template, and they are put inside the play's own transaction — together with the write that
earns them — once per cause (the coupon id derives from the cause, so a replay finds the same
coupon). They land in the shopper's wallet as ordinary coupons: checkout's coupon part uses them.
"""
from dataclasses import dataclass
from typing import Any, Dict, Optional

from crowdcart.db.models.coupons import Coupon
from crowdcart.rewards import coupons

GRANT = "coupon:grant"


@dataclass(frozen=True)
class CouponGrant:
    """What a granted coupon copies (the attributes `coupons.new_coupon` reads from a template).

    `template_id` names the campaign the coupon came from (its coupons group on the template index).
    """

    shop_id: str
    template_id: str
    name: str
    rule: Dict[str, Any]
    valid_from: Optional[int] = None
    valid_until: Optional[int] = None
    valid_days_after_claim: Optional[int] = None


def grant_actions(tx: Any, grant: CouponGrant, user_id: str, cause: str, at: int, label: str = GRANT) -> Coupon:
    """Put the coupon of `cause` into `user_id`'s wallet in `tx`, only if absent; returns it."""
    coupon = coupons.new_coupon(grant, user_id, coupons.coupon_id_for(grant.shop_id, user_id, cause), cause, at)
    tx.put(label, coupon, Coupon.PK.does_not_exist())
    return coupon
