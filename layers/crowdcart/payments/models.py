"""Payment entities: per-shop WeChat Pay profile and key index, prepay records, notification markers."""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity
from crowdcart.db.models.orders import order_pk


def serial_partition(serial: str) -> str:
    """GSI1 partition listing the shops that verify with this Wechatpay-Serial (platform-level)."""
    return f"WXPAY#SERIAL#{serial}"


class WechatPayProfile(Entity, discriminator="wechatpay_profile"):
    """The non-secret part of a shop's WeChat Pay account; appid/mchid stay on Shop.wechat.

    `public_keys` maps `PUB_KEY_ID_…` → PEM, `certificates` maps serial → certificate PEM
    (several of each during a key rotation). `sandbox_*` are the local sandbox's own ids.
    """

    shop_id = UnicodeAttribute()
    merchant_serial_no = UnicodeAttribute()
    public_keys = JSONAttribute(default=dict)
    certificates = JSONAttribute(default=dict)
    sandbox_mchid = UnicodeAttribute(null=True)
    sandbox_appid = UnicodeAttribute(null=True)
    updated_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str) -> tuple:
        """(PK, SK) of the profile, in the shop's own partition."""
        return keys.shop_pk(shop_id), "WXPAY#CONFIG"


class PayKeyIndex(Entity, discriminator="wechatpay_key"):
    """One verification key of a shop, also listed on GSI1 under its serial (webhook → shop)."""

    shop_id = UnicodeAttribute()
    serial = UnicodeAttribute()

    @classmethod
    def key(cls, shop_id: str, serial: str) -> tuple:
        """(PK, SK) of a key entry."""
        return keys.shop_pk(shop_id), f"WXPAY#KEY#{serial}"

    @classmethod
    def new(cls, shop_id: str, serial: str) -> "PayKeyIndex":
        """The entry with its GSI1 keys."""
        return cls(*cls.key(shop_id, serial), shop_id=shop_id, serial=serial,
                   GSI1PK=serial_partition(serial), GSI1SK=keys.shop_pk(shop_id))


class Prepay(Entity, discriminator="prepay"):
    """The JSAPI prepay_id issued for an order (valid 2 h at WeChat; reused until shortly before)."""

    order_id = UnicodeAttribute()
    prepay_id = UnicodeAttribute()
    amount_fen = NumberAttribute()
    created_at = NumberAttribute()
    reuse_until = NumberAttribute()
    expires_at_ttl = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, order_id: str) -> tuple:
        """(PK, SK) in the order's partition."""
        return order_pk(shop_id, order_id), "PREPAY"


class NotificationMarker(Entity, discriminator="wechatpay_notification"):
    """A WeChat Pay notification already applied: written put-if-absent in the same transaction as its effect."""

    event_type = UnicodeAttribute()
    applied_at = NumberAttribute()
    outcome = UnicodeAttribute()
    expires_at_ttl = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, order_id: str, notification_id: str) -> tuple:
        """(PK, SK) in the order's partition."""
        return order_pk(shop_id, order_id), f"WXNOTIFY#{notification_id}"
