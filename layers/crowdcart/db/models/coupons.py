"""Coupon templates, issued coupons and per-shopper claim counters.

- A template is its own partition `SHOP#s#COUPONTPL#<t>` (its quota counter is the hot item of a
  claim rush). GSI1 lists the shop's templates; GSI2 (sparse) lists the ones shown in the
  coupon center (public and enabled).
- A coupon lives in its owner's partition `SHOP#s#USER#u#COUPONS` (SK `COUPON#<c>`), so a
  coupon id from someone else's wallet is simply not found. It carries a copy of the template's
  maths (`rule`), so later template changes never alter an issued coupon. GSI1 orders the
  wallet by state (`U#<valid_until>#c` unused, `X#<used_at>#c` used: expired = unused with an
  end in the past); GSI2 groups a template's coupons by state (`U#c` / `X#c`) for its stats.
- `CLAIMS#<t>` in the same partition counts the shopper's claims of a template (the per-user limit).
"""
from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


def wallet_pk(shop_id: str, user_id: str) -> str:
    """Partition of a shopper's coupons and claim counters."""
    return keys.scoped(shop_id, "USER", user_id, "COUPONS")


def unused_sort_key(valid_until: int, coupon_id: str) -> str:
    """Wallet index sort key of an unused coupon (soonest to expire first)."""
    return f"U#{valid_until:010d}#{coupon_id}"


def used_sort_key(used_at: int, coupon_id: str) -> str:
    """Wallet index sort key of a used coupon."""
    return f"X#{used_at:010d}#{coupon_id}"


class CouponTemplate(Entity, discriminator="coupon_template"):
    """What a merchant offers: the maths (`rule`), quota, per-user limit and validity."""

    template_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    rule = JSONAttribute()
    quota = NumberAttribute()
    remaining = NumberAttribute()
    issued = NumberAttribute(default=0)
    per_user_limit = NumberAttribute(default=1)
    valid_from = NumberAttribute(null=True)
    valid_until = NumberAttribute(null=True)
    valid_days_after_claim = NumberAttribute(null=True)
    public = BooleanAttribute(default=True)
    enabled = BooleanAttribute(default=True)
    points_cost = NumberAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, template_id: str) -> tuple:
        """(PK, SK) of a template."""
        return keys.scoped(shop_id, "COUPONTPL", template_id), "TEMPLATE"

    @staticmethod
    def list_partition(shop_id: str) -> str:
        """GSI1 partition of every template of the shop."""
        return keys.scoped(shop_id, "COUPONTPLS")

    @staticmethod
    def center_partition(shop_id: str) -> str:
        """GSI2 partition of the templates shown in the coupon center."""
        return keys.scoped(shop_id, "COUPONCENTER")

    @staticmethod
    def index_keys(shop_id: str, template_id: str, shown: bool) -> dict:
        """GSI1 always; GSI2 only while the template is public and enabled."""
        return {"GSI1PK": CouponTemplate.list_partition(shop_id), "GSI1SK": f"TPL#{template_id}",
                "GSI2PK": CouponTemplate.center_partition(shop_id) if shown else None,
                "GSI2SK": f"TPL#{template_id}" if shown else None}


class Coupon(Entity, discriminator="coupon"):
    """One coupon in a shopper's wallet: unused → used (checkout) → unused (cancel, whole refund)."""

    coupon_id = UnicodeAttribute()
    template_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    rule = JSONAttribute()
    valid_from = NumberAttribute()
    valid_until = NumberAttribute()
    status = UnicodeAttribute()  # unused | used  (expired is derived from valid_until)
    cause = UnicodeAttribute()
    issued_at = NumberAttribute()
    used_order_id = UnicodeAttribute(null=True)
    used_at = NumberAttribute(null=True)
    unused_sk = UnicodeAttribute()  # the wallet sort key to restore when the coupon is given back

    @classmethod
    def key(cls, shop_id: str, user_id: str, coupon_id: str) -> tuple:
        """(PK, SK) of a coupon: in its owner's wallet."""
        return wallet_pk(shop_id, user_id), f"COUPON#{coupon_id}"

    @staticmethod
    def template_partition(shop_id: str, template_id: str) -> str:
        """GSI2 partition of the coupons a template issued."""
        return keys.scoped(shop_id, "COUPONTPL", template_id, "COUPONS")


class ClaimCounter(Entity, discriminator="coupon_claims"):
    """How many coupons of one template a shopper has claimed (checked against the per-user limit)."""

    claimed = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, user_id: str, template_id: str) -> tuple:
        """(PK, SK) of the counter."""
        return wallet_pk(shop_id, user_id), f"CLAIMS#{template_id}"
