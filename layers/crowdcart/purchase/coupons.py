"""The coupon part of checkout: read the shopper's coupon in the one batch, check it, mark it used in the
one transaction (only if still unused, valid and theirs), and give it back when the order is cancelled."""
from typing import Any, List, Optional

from crowdcart.db.models.coupons import Coupon
from crowdcart.domain import coupons as rules
from crowdcart.domain.pricing import PricingError
from crowdcart.errors import Conflict, NotFound
from crowdcart.purchase.context import CheckoutContext, Key
from crowdcart.rewards import coupons

USE, RELEASE = "coupon:use", "coupon:release"


class CouponPart:
    """Pays part of an order with one coupon from the shopper's wallet."""

    name = "coupon"

    def keys(self, ctx: CheckoutContext) -> List[Key]:
        """The coupon, keyed in the shopper's own wallet (someone else's coupon id is not found)."""
        coupon_id = ctx.body.get("coupon_id")
        return [Coupon.key(ctx.shop_id, ctx.user_id, coupon_id)] if coupon_id else []

    def prepare(self, ctx: CheckoutContext) -> None:
        """404 for a coupon not in the wallet, 409 when used, expired or not started; else price with it."""
        coupon_id = ctx.body.get("coupon_id")
        if not coupon_id:
            return
        coupon = ctx.get(Coupon.key(ctx.shop_id, ctx.user_id, coupon_id))
        if coupon is None:
            raise NotFound("coupon_not_found", f"No coupon {coupon_id} in your wallet.")
        try:
            rules.check_usable(coupon.user_id, ctx.user_id, coupon.status, int(coupon.valid_from),
                               int(coupon.valid_until), ctx.created_at)
        except PricingError as exc:
            raise Conflict(exc.code, str(exc), coupon_id=coupon_id) from exc
        ctx.coupon = rules.pricing_coupon(coupon.rule)
        ctx.order_fields["coupon_id"] = coupon_id

    def write(self, ctx: CheckoutContext, tx: Any) -> None:
        """Mark the coupon used by this order, on condition (unused, valid now, owned)."""
        coupon_id = ctx.order_fields.get("coupon_id")
        if coupon_id:
            coupons.use_actions(tx, ctx.shop_id, ctx.user_id, coupon_id, ctx.order_id, ctx.created_at, label=USE)

    def release(self, order: Any, tx: Any) -> None:
        """Give the coupon back with the cancellation (it shows as expired if its validity has passed)."""
        if order.coupon_id:
            coupons.give_back_actions(tx, order.shop_id, order.user_id, order.coupon_id, order.order_id, label=RELEASE)

    def conflict(self, label: str) -> Optional[Exception]:
        """A coupon used by a concurrent order (or expired meanwhile) is a 409."""
        if label == USE:
            return Conflict("coupon_unavailable", "This coupon was just used by another order, or is no longer valid.")
        return None
