"""Shareable discounts after payment (社交立减金): the merchant's rules, the pools paid orders create
(crowdcart.reactions.discount_pools), and friends' claims.

A claim is one transaction: the claim put-if-absent (one voucher per shopper per pool), the pool's
counter raised only below its size while open and unexpired, the voucher — a coupon with the pool's
maths, valid `coupon_valid_days` from the claim — put in the claimer's wallet, and the claimer's
first participation in the rule's campaign. So any number of friends claiming at once get exactly
`size` vouchers. The buyer may claim one too when the rule allows it (it counts toward the size).
"""
import time
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import iso, now
from crowdcart.db.connection import Entity
from crowdcart.db.models.catalog import Product
from crowdcart.db.models.discount_pools import (ANALYTICS_KIND as KIND, OPEN, DiscountClaim, DiscountPool,
                                                DiscountRule, pool_id_for, pool_pk)
from crowdcart.db.models.shops import Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, update_if
from crowdcart.errors import Conflict, NotFound, not_found, validation_error
from crowdcart.ids import is_id, new_id
from crowdcart.observability import business_event
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.rewards.grants import GRANT, CouponGrant, grant_actions
from crowdcart.viral import is_new_user, participation_key, run_counted, share_card

CLAIM, POOL, RULE = "claim", "pool", "rule"


# ---------------------------------------------------------------- rules (merchant)

def _load_rule(shop_id: str, rule_id: str, consistent: bool = False) -> DiscountRule:
    if not is_id(rule_id):
        raise not_found("discount_rule", rule_id)
    try:
        return DiscountRule.get(*DiscountRule.key(shop_id, rule_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("discount_rule", rule_id) from exc


def rule_status(rule: DiscountRule, moment: int) -> str:
    """upcoming | active | ended."""
    if moment < int(rule.starts_at):
        return "upcoming"
    return "ended" if rule.ends_at is not None and moment >= int(rule.ends_at) else "active"


def rule_view(rule: DiscountRule, moment: int) -> Dict[str, Any]:
    """A rule as the merchant sees it."""
    return {"id": rule.rule_id, "name": rule.name, "description": rule.description,
            "min_paid_fen": int(rule.min_paid_fen), "pool_size": int(rule.pool_size),
            "pool_seconds": int(rule.pool_seconds), "buyer_may_claim": bool(rule.buyer_may_claim),
            "amount_off_fen": int(rule.amount_off_fen), "min_spend_fen": int(rule.min_spend_fen),
            "product_ids": list(rule.product_ids or []), "coupon_valid_days": int(rule.coupon_valid_days),
            "starts_at": int(rule.starts_at), "ends_at": int(rule.ends_at) if rule.ends_at else None,
            "status": rule_status(rule, moment), "pools_created": int(rule.pools_created),
            "created_at": iso(int(rule.created_at))}


def _products(shop_id: str, wanted: List[str]) -> List[str]:
    """The named products; 422 for one that is not in this shop."""
    if not wanted:
        return []
    wanted = list(dict.fromkeys(wanted))
    found = {p.product_id for p in Product.batch_get([Product.key(shop_id, p) for p in wanted])}
    unknown = [p for p in wanted if p not in found]
    if unknown:
        raise validation_error("product_ids", f"no product {unknown[0]} in this shop")
    return wanted


def create_rule(shop_id: str, fields: Dict[str, Any]) -> Dict[str, str]:
    """Create a rule; 422 naming the field for coupon maths that cannot hold."""
    moment = now()
    if fields["min_spend_fen"] and fields["amount_off_fen"] > fields["min_spend_fen"]:
        raise validation_error("amount_off_fen", "cannot exceed min_spend_fen")
    starts_at = fields["starts_at"] or moment
    if fields["ends_at"] is not None and fields["ends_at"] <= max(moment, starts_at):
        raise validation_error("ends_at", "must be in the future and after starts_at")
    products = _products(shop_id, fields["product_ids"])
    rule_id = new_id()
    DiscountRule(*DiscountRule.key(shop_id, rule_id), rule_id=rule_id, shop_id=shop_id, name=fields["name"],
                 description=fields["description"], min_paid_fen=fields["min_paid_fen"],
                 pool_size=fields["pool_size"], pool_seconds=fields["pool_seconds"],
                 buyer_may_claim=fields["buyer_may_claim"], amount_off_fen=fields["amount_off_fen"],
                 min_spend_fen=fields["min_spend_fen"], product_ids=products,
                 coupon_valid_days=fields["coupon_valid_days"], starts_at=starts_at, ends_at=fields["ends_at"],
                 created_at=moment, pools_created=0,
                 GSI1PK=DiscountRule.list_partition(shop_id), GSI1SK=f"RULE#{rule_id}",
                 ).save(condition=DiscountRule.PK.does_not_exist())
    business_event("DiscountRuleCreated", shop_id=shop_id, rule_id=rule_id)
    return {"id": rule_id}


def get_rule(shop_id: str, rule_id: str) -> Dict[str, Any]:
    """One rule."""
    return rule_view(_load_rule(shop_id, rule_id, consistent=True), now())


def list_rules(shop_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shop's rules, newest first."""
    moment = now()
    page = DiscountRule.gsi1.query(DiscountRule.list_partition(shop_id), scan_index_forward=False, limit=limit,
                                   last_evaluated_key=decode_cursor(shop_id, cursor))
    return {"items": [rule_view(r, moment) for r in page], "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def end_rule(shop_id: str, rule_id: str) -> Dict[str, Any]:
    """Stop creating pools now; open pools stay claimable until they expire."""
    moment = now()
    rule = _load_rule(shop_id, rule_id, consistent=True)
    try:
        update_if(RULE, rule, [DiscountRule.ends_at.set(moment)],
                  DiscountRule.ends_at.does_not_exist() | (DiscountRule.ends_at > moment))
    except ConditionFailed as exc:
        raise Conflict("discount_rule_ended", "This rule has already ended.") from exc
    return get_rule(shop_id, rule_id)


# ---------------------------------------------------------------- pools and claims (shoppers)

def pool_status(pool: DiscountPool, moment: int) -> str:
    """open | claimed_out | expired | closed."""
    if pool.status != OPEN:
        return pool.status
    if moment >= int(pool.expires_at):
        return "expired"
    return "claimed_out" if int(pool.claimed) >= int(pool.size) else "open"


def pool_view(pool: DiscountPool, claims: List[DiscountClaim], viewer_id: Optional[str], moment: int,
              claimed_by_viewer: Optional[bool] = None) -> Dict[str, Any]:
    """A pool with its claimers, what each voucher is worth, and the share card."""
    rule = pool.coupon_rule or {}
    mine = viewer_id == pool.owner_id
    if claimed_by_viewer is None:
        claimed_by_viewer = any(c.user_id == viewer_id for c in claims)
    amount = int(rule.get("amount_off_fen") or 0)
    return {"id": pool.pool_id, "rule_id": pool.rule_id, "owner_id": pool.owner_id, "name": pool.name,
            "order_id": pool.order_id if mine else None, "status": pool_status(pool, moment),
            "size": int(pool.size), "claimed": int(pool.claimed), "left": max(0, int(pool.size) - int(pool.claimed)),
            "new_claimers": int(pool.new_claimers), "buyer_may_claim": bool(pool.buyer_may_claim),
            "amount_off_fen": amount, "min_spend_fen": int(rule.get("min_spend_fen") or 0),
            "product_ids": list(rule.get("product_ids") or []), "coupon_valid_days": int(pool.coupon_valid_days),
            "created_at": iso(int(pool.created_at)), "expires_at": int(pool.expires_at), "mine": mine,
            "claimed_by_me": claimed_by_viewer,
            "claimers": [{"user_id": c.user_id, "nickname": c.nickname, "avatar_url": c.avatar_url,
                          "is_new": bool(c.is_new), "at": iso(int(c.at))}
                         for c in sorted(claims, key=lambda c: (int(c.at_ms), c.user_id))],
            "share": share_card(f"送你{amount / 100:g}元立减金，先到先得！", f"{pool.name}: {int(pool.size)} vouchers to share.",
                                f"pages/discount-pool/index?pool_id={pool.pool_id}")}


def _pool_with_claims(shop_id: str, pool_id: str) -> tuple:
    if not is_id(pool_id):
        raise not_found("discount_pool", pool_id)
    pool, claims = None, []
    for item in Entity.query(pool_pk(shop_id, pool_id), consistent_read=True):
        if isinstance(item, DiscountPool):
            pool = item
        elif isinstance(item, DiscountClaim):
            claims.append(item)
    if pool is None:
        raise not_found("discount_pool", pool_id)
    return pool, claims


def get_pool(shop_id: str, pool_id: str, viewer_id: str) -> Dict[str, Any]:
    """A pool and its claims, in one query of its partition (any shopper of the shop may open a shared one)."""
    pool, claims = _pool_with_claims(shop_id, pool_id)
    return pool_view(pool, claims, viewer_id, now())


def order_pool(shop_id: str, user_id: str, order_id: str) -> Dict[str, Any]:
    """The pool the buyer's paid order created; 404 when it made none (or is not theirs)."""
    try:
        pool, claims = _pool_with_claims(shop_id, pool_id_for(shop_id, order_id)) if is_id(order_id) else (None, [])
    except NotFound:
        pool = None
    if pool is None or pool.owner_id != user_id:
        raise not_found("discount_pool")  # the same answer for no order, no pool and someone else's order
    return pool_view(pool, claims, user_id, now())


def _page(shop_id: str, page: Any, viewer_id: Optional[str]) -> Dict[str, Any]:
    moment = now()
    return {"items": [pool_view(p, [], viewer_id or p.owner_id, moment, claimed_by_viewer=False) for p in page],
            "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def my_pools(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The buyer's pools, newest first (claimers omitted: open one for them)."""
    page = DiscountPool.gsi1.query(DiscountPool.owner_partition(shop_id, user_id), scan_index_forward=False,
                                   limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    return _page(shop_id, page, user_id)


def rule_pools(shop_id: str, rule_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """A rule's pools, newest first (merchant)."""
    _load_rule(shop_id, rule_id)
    page = DiscountPool.gsi2.query(DiscountPool.rule_partition(shop_id, rule_id), scan_index_forward=False,
                                   limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    return _page(shop_id, page, None)


def _refuse_claim(pool: DiscountPool, user_id: str, moment: int) -> None:
    if pool.owner_id == user_id and not pool.buyer_may_claim:
        raise Conflict("discount_pool_own", "Share these vouchers with friends; the buyer cannot claim one here.")
    status = pool_status(pool, moment)
    messages = {"closed": "This pool was closed (its order was refunded).", "expired": "This pool has expired.",
                "claimed_out": "Every voucher of this pool has been claimed."}
    if status in messages:
        raise Conflict(f"discount_pool_{status}", messages[status])


def claim(shop_id: str, pool_id: str, user_id: str) -> Dict[str, Any]:
    """Claim one voucher of a pool: once per shopper, up to the pool's size, before it expires."""
    if not is_id(pool_id):
        raise not_found("discount_pool", pool_id)
    pool_key, profile_key = DiscountPool.key(shop_id, pool_id), Shopper.key(shop_id, user_id)
    found = {(i.PK, i.SK): i for i in Entity.batch_get([pool_key, profile_key], consistent_read=True)}
    pool, profile = found.get(pool_key), found.get(profile_key)
    if pool is None:
        raise not_found("discount_pool", pool_id)
    if profile is None:
        raise not_found("user", user_id)
    moment = now()
    _refuse_claim(pool, user_id, moment)
    marker = participation_key(shop_id, KIND, pool.rule_id, user_id)
    joined = bool(list(Entity.batch_get([marker], consistent_read=True)))
    is_new = is_new_user(profile, int(pool.created_at))
    grant = CouponGrant(shop_id=shop_id, template_id=pool.rule_id, name=pool.name, rule=pool.coupon_rule,
                        valid_days_after_claim=int(pool.coupon_valid_days))
    cause, at_ms, made = f"discount_pool:{pool_id}", int(time.time() * 1000), {}

    def build() -> Transaction:
        tx = Transaction()
        coupon_id = grant_actions(tx, grant, user_id, cause, moment).coupon_id
        tx.put(CLAIM, DiscountClaim(*DiscountClaim.key(shop_id, pool_id, user_id), user_id=user_id,
                                    coupon_id=coupon_id, is_new=int(is_new), nickname=profile.nickname or "",
                                    avatar_url=profile.avatar_url or "", at=moment, at_ms=at_ms),
               DiscountClaim.PK.does_not_exist())
        tx.update(POOL, DiscountPool(*pool_key), [DiscountPool.claimed.add(1), DiscountPool.new_claimers.add(int(is_new))],
                  condition=(DiscountPool.claimed < int(pool.size)) & (DiscountPool.status == OPEN)
                  & (DiscountPool.expires_at > moment))
        made["coupon_id"] = coupon_id
        return tx

    try:
        run_counted(build, shop_id, KIND, pool.rule_id, user_id, is_new, joined)
    except ConditionFailed as exc:
        if exc.label in (CLAIM, GRANT):
            raise Conflict("already_claimed", "You already claimed a voucher from this pool.") from exc
        if exc.label == POOL:
            current, _ = _pool_with_claims(shop_id, pool_id)
            _refuse_claim(current, user_id, now())
            raise Conflict("discount_pool_claimed_out", "Every voucher of this pool has been claimed.") from exc
        raise
    business_event("DiscountVoucherClaimed", shop_id=shop_id, pool_id=pool_id, is_new=int(is_new))
    rule = pool.coupon_rule or {}
    return {"pool_id": pool_id, "coupon_id": made["coupon_id"], "amount_off_fen": int(rule.get("amount_off_fen") or 0),
            "min_spend_fen": int(rule.get("min_spend_fen") or 0), "valid_days": int(pool.coupon_valid_days),
            "is_new": is_new}
