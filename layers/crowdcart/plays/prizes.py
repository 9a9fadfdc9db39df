"""Prizes of the plays, issued through the rewards core once per cause.

- coupon: one coupon of the merchant's template (`crowdcart.rewards.coupons.issue_automatically`);
- points: a points credit (`crowdcart.rewards.points.move`, kind `lottery` / `cards`);
- product: a voucher coupon for the product — the merchant makes a coupon template restricted to
  that product (`product_ids`, typically `no_threshold` worth its price) and the prize issues it; the
  winner checks out the product with it (paying at least 1 fen plus shipping, as checkout requires);
- thanks: nothing.
The cause (`lottery:<l>:<draw>`, `cards:<c>:<user>`) names the coupon and the ledger entry, so a
replayed grant issues nothing twice. Template quota is the merchant's to keep ≥ the prize stock
(checked at set-up); an issue the template can no longer cover is recorded as not issued.
"""
from typing import Any, Dict, Mapping, Optional

from crowdcart.errors import validation_error
from crowdcart.rewards import coupons, points

COUPON, POINTS, PRODUCT, THANKS = "coupon", "points", "product", "thanks"


def check(shop_id: str, prize: Mapping[str, Any], stock: Optional[int], field: str) -> None:
    """422 naming `field` when the prize cannot be issued as configured (template missing, disabled,
    too small a quota for the stock, a product voucher not restricted to its product, no points)."""
    kind = prize.get("kind")
    if kind in (COUPON, PRODUCT):
        template = coupons.find_template(shop_id, prize.get("template_id"))
        if template is None:
            raise validation_error(f"{field}.template_id", "no such coupon template in this shop")
        if not template.enabled:
            raise validation_error(f"{field}.template_id", "the coupon template is disabled")
        if stock is not None and int(template.remaining) < stock:
            raise validation_error(f"{field}.stock", f"the template has only {int(template.remaining)} coupons left")
        if kind == PRODUCT:
            restricted = (template.rule or {}).get("product_ids") or []
            if not restricted:
                raise validation_error(f"{field}.template_id",
                                       "a product prize needs a template restricted to the product")
            if prize.get("product_id") and prize["product_id"] not in restricted:
                raise validation_error(f"{field}.product_id", "the template does not cover this product")
    elif kind == POINTS:
        if int(prize.get("points") or 0) < 1:
            raise validation_error(f"{field}.points", "a points prize needs points ≥ 1")


def grant(shop_id: str, user_id: str, prize: Mapping[str, Any], cause: str, points_kind: str) -> Dict[str, Any]:
    """Issue `prize` to the shopper once per cause; returns what was granted."""
    kind = prize.get("kind")
    if kind in (COUPON, PRODUCT):
        coupon_id = coupons.issue_automatically(shop_id, prize.get("template_id"), user_id, cause)
        return {"kind": kind, "coupon_id": coupon_id, "issued": coupon_id is not None}
    if kind == POINTS:
        amount = int(prize.get("points") or 0)
        points.move(shop_id, user_id, cause, amount, points_kind, data={"cause": cause})
        return {"kind": kind, "points": amount, "issued": True}
    return {"kind": THANKS, "issued": False}
