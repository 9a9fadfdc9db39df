"""Shareable discounts after payment (社交立减金): the shop's rules and the pools paid orders create.

Rule `r`: `SHOP#s#DPRULE#r / RULE` (GSI1 lists the shop's rules). Pool `p` (its id derives from the
order, so an order makes at most one): `SHOP#s#DPOOL#p / POOL` with its claims `CLAIM#<user>` in the
same partition (one per shopper per pool by key). GSI1 = the buyer's pools, GSI2 = a rule's pools.
"""
from typing import Dict

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity
from crowdcart.ids import derived_id

OPEN, CLOSED = "open", "closed"
ANALYTICS_KIND = "discount_pool"  # the campaign kind (crowdcart.analytics); the campaign id is the rule id


def pool_id_for(shop_id: str, order_id: str) -> str:
    """The id of the pool an order creates (the same order always names the same pool)."""
    return derived_id("discount_pool", shop_id, order_id)


def pool_pk(shop_id: str, pool_id: str) -> str:
    """Partition of one pool and its claims."""
    return keys.scoped(shop_id, "DPOOL", pool_id)


class DiscountRule(Entity, discriminator="discount_rule"):
    """When a paid order of at least `min_paid_fen` creates a pool: its size, lifetime and coupon maths."""

    rule_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    min_paid_fen = NumberAttribute(default=0)
    pool_size = NumberAttribute()
    pool_seconds = NumberAttribute()
    buyer_may_claim = BooleanAttribute(default=True)
    amount_off_fen = NumberAttribute()
    min_spend_fen = NumberAttribute(default=0)
    product_ids = JSONAttribute(default=list)
    coupon_valid_days = NumberAttribute(default=7)
    starts_at = NumberAttribute()
    ends_at = NumberAttribute(null=True)
    created_at = NumberAttribute()
    pools_created = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, rule_id: str) -> tuple:
        """(PK, SK) of a rule."""
        return keys.scoped(shop_id, "DPRULE", rule_id), "RULE"

    @staticmethod
    def list_partition(shop_id: str) -> str:
        """GSI1 partition of the shop's rules."""
        return keys.scoped(shop_id, "DPRULES")


class DiscountPool(Entity, discriminator="discount_pool"):
    """The vouchers one paid order offers its buyer's friends: `size` claims until `expires_at`.

    Carries a copy of the rule's coupon maths, so later rule changes never alter an open pool.
    """

    pool_id = UnicodeAttribute()
    rule_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    size = NumberAttribute()
    claimed = NumberAttribute(default=0)
    new_claimers = NumberAttribute(default=0)
    buyer_may_claim = BooleanAttribute(default=True)
    coupon_rule = JSONAttribute()
    coupon_valid_days = NumberAttribute()
    status = UnicodeAttribute(default=OPEN)  # open | closed (the order was refunded)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()
    closed_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, pool_id: str) -> tuple:
        """(PK, SK) of a pool."""
        return pool_pk(shop_id, pool_id), "POOL"

    @staticmethod
    def owner_partition(shop_id: str, owner_id: str) -> str:
        """GSI1 partition of a buyer's pools."""
        return keys.scoped(shop_id, "USER", owner_id, "DPOOLS")

    @staticmethod
    def rule_partition(shop_id: str, rule_id: str) -> str:
        """GSI2 partition of a rule's pools."""
        return keys.scoped(shop_id, "DPRULE", rule_id, "POOLS")

    @classmethod
    def index_keys(cls, shop_id: str, rule_id: str, owner_id: str, pool_id: str, created_at: int) -> Dict[str, str]:
        """GSI1: the buyer's pools; GSI2: the rule's pools (both by creation time)."""
        sort = f"POOL#{created_at:010d}#{pool_id}"
        return {"GSI1PK": cls.owner_partition(shop_id, owner_id), "GSI1SK": sort,
                "GSI2PK": cls.rule_partition(shop_id, rule_id), "GSI2SK": sort}


class DiscountClaim(Entity, discriminator="discount_claim"):
    """One shopper's voucher from one pool; its key makes it one per shopper per pool."""

    user_id = UnicodeAttribute()
    coupon_id = UnicodeAttribute()
    is_new = NumberAttribute(default=0)
    nickname = UnicodeAttribute(default="")
    avatar_url = UnicodeAttribute(default="")
    at = NumberAttribute()
    at_ms = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, pool_id: str, user_id: str) -> tuple:
        """(PK, SK) of a claim."""
        return pool_pk(shop_id, pool_id), f"CLAIM#{user_id}"
