"""Shareable discounts after payment (社交立减金), from the table stream.

- An order moves pending_payment → paid and one of the shop's live rules matches (paid at least its
  `min_paid_fen`; the most demanding matching rule wins, then the newest): a pool is created for the
  order — put only if absent under an id derived from the order, so a redelivered record creates
  nothing more — with the rule's pool counter and the buyer's participation in the same transaction.
- An order becomes `refunded` (everything paid is back): its pool closes; vouchers already claimed
  stay with the friends who claimed them.
"""
from typing import Any, Dict, List, Optional

from crowdcart.clock import now
from crowdcart.db.connection import Entity
from crowdcart.db.models.discount_pools import (ANALYTICS_KIND, CLOSED, OPEN, DiscountPool, DiscountRule,
                                                pool_id_for)
from crowdcart.db.writes import ConditionFailed, Transaction, update_if
from crowdcart.domain import coupons as coupon_rules
from crowdcart.domain import order_states as states
from crowdcart.observability import business_event
from crowdcart.reactions.stream import on
from crowdcart.viral import participation_key, run_counted

KIND = ANALYTICS_KIND
POOL = "pool"


def live_rules(shop_id: str, at: int) -> List[DiscountRule]:
    """The shop's rules running at `at` (a shop has a handful: one query of its rule list)."""
    found = DiscountRule.gsi1.query(DiscountRule.list_partition(shop_id),
                                    filter_condition=DiscountRule.ends_at.does_not_exist() | (DiscountRule.ends_at > at))
    return [rule for rule in found if int(rule.starts_at) <= at]


def matching_rule(rules: List[DiscountRule], paid_fen: int) -> Optional[DiscountRule]:
    """The rule a payment of `paid_fen` triggers: the most demanding one it reaches, then the newest."""
    reached = [r for r in rules if paid_fen >= int(r.min_paid_fen)]
    return max(reached, key=lambda r: (int(r.min_paid_fen), r.rule_id), default=None)


def coupon_rule(rule: DiscountRule) -> Dict[str, Any]:
    """The coupon maths a rule's vouchers carry: amount off, no threshold unless a minimum spend is set."""
    spend = int(rule.min_spend_fen)
    return coupon_rules.rule_of("amount_off" if spend else "no_threshold", amount_off_fen=int(rule.amount_off_fen),
                                min_spend_fen=spend, product_ids=tuple(rule.product_ids or ()))


def create_pool(order: Dict[str, Any], at: Optional[int] = None) -> Optional[str]:
    """The pool of a paid order when a rule matches (once per order); returns its id, or None."""
    shop_id, order_id, buyer = order["shop_id"], order["order_id"], order["user_id"]
    paid_at = int(order.get("paid_at") or at or now())
    rule = matching_rule(live_rules(shop_id, paid_at), int(order.get("payable_fen") or 0))
    if rule is None:
        return None
    moment, pool_id = now(), pool_id_for(shop_id, order_id)
    pool = DiscountPool(*DiscountPool.key(shop_id, pool_id), pool_id=pool_id, rule_id=rule.rule_id, shop_id=shop_id,
                        order_id=order_id, owner_id=buyer, name=rule.name, size=int(rule.pool_size), claimed=0,
                        new_claimers=0, buyer_may_claim=bool(rule.buyer_may_claim), coupon_rule=coupon_rule(rule),
                        coupon_valid_days=int(rule.coupon_valid_days), status=OPEN, created_at=moment,
                        expires_at=moment + int(rule.pool_seconds),
                        **DiscountPool.index_keys(shop_id, rule.rule_id, buyer, pool_id, moment))
    joined = bool(list(Entity.batch_get([participation_key(shop_id, KIND, rule.rule_id, buyer)], consistent_read=True)))

    def build() -> Transaction:
        tx = Transaction()
        tx.put(POOL, pool, DiscountPool.PK.does_not_exist())
        tx.update("rule", DiscountRule(*DiscountRule.key(shop_id, rule.rule_id)), [DiscountRule.pools_created.add(1)],
                  condition=DiscountRule.PK.exists())
        return tx

    try:
        run_counted(build, shop_id, KIND, rule.rule_id, buyer, False, joined)
    except ConditionFailed as exc:
        if exc.label in (POOL, "rule"):
            return pool_id if exc.label == POOL else None  # made already, or the rule vanished meanwhile
        raise
    business_event("DiscountPoolCreated", shop_id=shop_id, order_id=order_id, pool_id=pool_id, rule_id=rule.rule_id)
    return pool_id


def close_pool(shop_id: str, order_id: str, at: Optional[int] = None) -> bool:
    """Close the order's pool (no more claims); False when it has none or it is closed already."""
    ref = DiscountPool(*DiscountPool.key(shop_id, pool_id_for(shop_id, order_id)))
    try:
        update_if(POOL, ref, [DiscountPool.status.set(CLOSED), DiscountPool.closed_at.set(at or now())],
                  DiscountPool.status == OPEN)
    except ConditionFailed:
        return False
    business_event("DiscountPoolClosed", shop_id=shop_id, order_id=order_id)
    return True


@on("order")
def order_discount_pool(old: Optional[Dict[str, Any]], new: Optional[Dict[str, Any]], at: int) -> None:
    """Create the pool when an order is first paid; close it when the order is wholly refunded."""
    if not new:
        return
    status, was = new.get("status"), (old or {}).get("status")
    if status == states.PAID and was == states.PENDING_PAYMENT:
        create_pool(new, at)
    elif status == states.REFUNDED and was != states.REFUNDED:
        close_pool(new["shop_id"], new["order_id"], at)
