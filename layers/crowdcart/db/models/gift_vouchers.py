"""Gift vouchers (礼券赠送): vouchers bought through checkout, sent with a one-time share token, claimed by
one friend, redeemed online (as a coupon) or in a store (a code verified once).

Voucher `v` (its id derives from the order, SKU and unit, so a paid order makes each unit once):
`SHOP#s#GIFT#v / VOUCHER`; GSI1 = the buyer's vouchers, GSI2 = the claimant's (set on claim).
Code `c` → voucher: `SHOP#s#GIFTCODE#c / CODE` (put-if-absent, so a code names one voucher).
Per-product settings: `SHOP#s#GIFTCFG#<product> / CONFIG`.
"""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity
from crowdcart.ids import derived_id

HELD, SENT, CLAIMED, REDEEMED, VOID = "held", "sent", "claimed", "redeemed", "void"
UNCLAIMED = (HELD, SENT)
ANALYTICS_KIND = "gift_voucher"  # the campaign kind (crowdcart.analytics); the campaign id is the product id
DEFAULT_VALID_DAYS = 365
DEFAULT_SHARE_SECONDS = 86400


def voucher_id_for(shop_id: str, order_id: str, sku_id: str, unit: int) -> str:
    """The id of unit `unit` (0-based) of a voucher line of an order."""
    return derived_id("gift_voucher", shop_id, order_id, sku_id, str(unit))


class GiftVoucherConfig(Entity, discriminator="gift_voucher_config"):
    """How the vouchers of one product behave (defaults apply to a voucher product without one)."""

    product_id = UnicodeAttribute()
    valid_days = NumberAttribute(default=DEFAULT_VALID_DAYS)
    share_seconds = NumberAttribute(default=DEFAULT_SHARE_SECONDS)
    redeem_product_ids = JSONAttribute(default=list)
    updated_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, product_id: str) -> tuple:
        """(PK, SK) of a product's settings."""
        return keys.scoped(shop_id, "GIFTCFG", product_id), "CONFIG"


class GiftVoucher(Entity, discriminator="gift_voucher"):
    """One voucher: held by its buyer → sent (a share token) → claimed by one friend → redeemed; or void.

    `share_hash` is the SHA-256 of the current token's secret (a re-send replaces it, a take-back
    removes it); the coupon the claimant receives is the online form of the voucher, the code its
    in-store form, and using either uses the coupon, so the voucher is redeemed once.
    """

    voucher_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    title = UnicodeAttribute()
    spec = UnicodeAttribute(default="")
    image = UnicodeAttribute(null=True)
    face_value_fen = NumberAttribute()
    redeem_product_ids = JSONAttribute(default=list)
    buyer_id = UnicodeAttribute()
    status = UnicodeAttribute(default=HELD)
    share_hash = UnicodeAttribute(null=True)
    share_expires_at = NumberAttribute(null=True)
    share_seconds = NumberAttribute(default=DEFAULT_SHARE_SECONDS)
    message = UnicodeAttribute(null=True)
    sent_at = NumberAttribute(null=True)
    holder_id = UnicodeAttribute(null=True)
    claimed_at = NumberAttribute(null=True)
    coupon_id = UnicodeAttribute(null=True)
    code = UnicodeAttribute(null=True)
    redeemed_at = NumberAttribute(null=True)
    redeemed_store_id = UnicodeAttribute(null=True)
    voided_at = NumberAttribute(null=True)
    void_reason = UnicodeAttribute(null=True)
    valid_until = NumberAttribute()
    created_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, voucher_id: str) -> tuple:
        """(PK, SK) of a voucher."""
        return keys.scoped(shop_id, "GIFT", voucher_id), "VOUCHER"

    @staticmethod
    def buyer_partition(shop_id: str, user_id: str) -> str:
        """GSI1 partition of the vouchers a shopper bought."""
        return keys.scoped(shop_id, "USER", user_id, "GIFTS", "BOUGHT")

    @staticmethod
    def holder_partition(shop_id: str, user_id: str) -> str:
        """GSI2 partition of the vouchers a shopper claimed."""
        return keys.scoped(shop_id, "USER", user_id, "GIFTS", "RECEIVED")


class GiftCode(Entity, discriminator="gift_code"):
    """The in-store code of a claimed voucher."""

    voucher_id = UnicodeAttribute()

    @classmethod
    def key(cls, shop_id: str, code: str) -> tuple:
        """(PK, SK) of a code."""
        return keys.scoped(shop_id, "GIFTCODE", code), "CODE"
